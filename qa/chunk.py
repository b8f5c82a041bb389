"""Paragraphs → chunks: one per paragraph, long ones split at sentence ends, with article context."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .parse import Issue
from .text import split_sentences

CHUNKER_VERSION = 2
MAX_CHARS = 500
# Only the first characters of a passage are embedded: on cmrc2018 and cmrc2018-en, 200 embedded characters retrieve
# as well as the whole passage (the lexical side reads all of it) at 2.5x the embedding speed (README, "Speed").
EMBED_MAX_CHARS = 200


def embed_text(title: str, section: str | None, text: str) -> str:
    """What the model embeds for a passage: its article context, then the start of its text."""
    context = " ".join(x for x in (title, section) if x)
    return f"{context}\n{text[:EMBED_MAX_CHARS]}"


@dataclass(frozen=True)
class Chunk:
    issue_id: str
    article_no: int
    paragraph_no: int
    part_no: int  # 1 unless the paragraph was split
    text: str  # verbatim paragraph text (or a run of its sentences)
    title: str
    section: str | None
    kind: str
    page: int | None = None  # printed page (版) the paragraph starts on
    confidence: float | None = None  # OCR: the lowest recogniser score of the paragraph's lines

    @property
    def context(self) -> str:
        """Article title and section: context for embedding and lexical matching, never shown as passage text."""
        return " ".join(x for x in (self.title, self.section) if x)

    @property
    def embed_text(self) -> str:
        return embed_text(self.title, self.section, self.text)

    @property
    def content_hash(self) -> str:
        """Hash of what is embedded: equal hashes share one stored vector."""
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()

    @property
    def text_hash(self) -> str:
        """Hash of the shown text: search returns each text once."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def split_text(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Greedily pack whole sentences into parts of at most max_chars (a longer single sentence stays whole)."""
    if len(text) <= max_chars:
        return [text]
    parts, current = [], ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) > max_chars:
            parts.append(current)
            current = ""
        current += sentence
    if current:
        parts.append(current)
    return parts


def chunk_issue(issue: Issue, max_chars: int = MAX_CHARS) -> list[Chunk]:
    chunks = []
    for article in issue.articles:
        for para in article.paragraphs:
            for part_no, text in enumerate(split_text(para.text, max_chars), 1):
                where = (article.no, para.no, part_no)
                chunks.append(
                    Chunk(
                        issue.issue_id, *where, text, article.title, para.section, para.kind, para.page, para.confidence
                    )
                )
    return chunks
