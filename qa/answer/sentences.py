"""The candidate supporting sentences of the retrieved passages, and how well each speaks of the question."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from ..search import Passage
from ..text import SENTENCE_END, split_sentences, tags_from_string, to_simplified
from .patterns import ASKING, QUESTION_END
from .terms import Terms, coverage

if TYPE_CHECKING:
    from .question import Question

SHARP_WEIGHT = 1.0  # on the share of the question's weight on words rare among the candidate sentences
IDF_POWER = 0.5  # ... whose weights are idf ** IDF_POWER
TITLE_DISCOUNT = 0.8  # ... less this share for a word of the article's title (its topic is in many sentences)
CHAR_WEIGHT = 0.8  # on the question's characters (建 meets 建成), outside the title
CONTEXT_WEIGHT = 0.6  # on the question words found anywhere in the passage and its title
PASSAGE_WEIGHT = 0.4  # on the passage's retrieval score
RANK_PENALTY = 0.05  # per passage ranked above the sentence's
QUESTION_PENALTY = 0.5  # a sentence that asks (这场座谈会召开有何背景?) answers nothing
COSINE_WEIGHT = 2.0  # English questions: on the cosine of question and sentence
UNENCODED_PENALTY = 1.0  # ... against a sentence outside the encoded pool (the best by translated words)
QUOTE_TAIL = 8  # a sentence this short after a quote (“……”吴飞说。) belongs to it
MIN_CHARS = 2  # shorter: no sentence


@dataclass
class Sentence:
    passage_rank: int
    article_rank: int  # articles ranked above its own (the paragraphs of one article are one document)
    passage: Passage
    text: str  # verbatim
    start: int  # offset in passage.text
    norm: str  # simplified
    score: float = 0.0
    lexical: float = 0.0  # the share of the question's words it holds
    cosine: float = 0.0  # English questions: with the question

    @property
    def asks(self) -> bool:
        """The sentence asks a question (这场座谈会召开有何背景? 看看…都有哪些企业家参加。): it supports no answer."""
        return bool(QUESTION_END.search(self.norm) or ASKING.search(self.norm))


def sentences(passages: list[Passage], max_passages: int) -> list[Sentence]:
    """The sentences of the first max_passages passages, in order."""
    out: list[Sentence] = []
    articles = list(dict.fromkeys((p.issue_id, p.article_no) for p in passages[:max_passages]))
    for r, p in enumerate(passages[:max_passages]):
        article_rank = articles.index((p.issue_id, p.article_no))
        pos = 0
        for s in split_sentences(p.text):
            start = p.text.find(s, pos)
            pos = start + len(s)
            stripped = s.strip()
            if len(stripped) < MIN_CHARS:
                continue
            if len(stripped) <= QUOTE_TAIL and out and out[-1].passage is p:
                prev = out[-1]
                prev.text = p.text[prev.start : start + s.index(stripped) + len(stripped)]
                prev.norm = to_simplified(prev.text)
                continue
            out.append(Sentence(r, article_rank, p, stripped, start + s.index(stripped), to_simplified(stripped)))
    return out


class StoredTags:
    """The sentences' stored tags (for qa.answer.patterns.stored_tags_known), read from the index on first use:
    most answer types never tag."""

    def __init__(self, sents: list[Sentence], read: Callable[[list[int]], dict[int, str]]):
        self.sents, self.read = sents, read
        self.tags: dict[str, tuple] | None = None

    def get(self, text: str) -> tuple | None:
        if self.tags is None:
            passages = {s.passage.id: s.passage for s in self.sents}
            stored = {
                i: tags_from_string(to_simplified(passages[i].text), t) for i, t in self.read(list(passages)).items()
            }
            self.tags = stored_tags(self.sents, {i: pairs for i, pairs in stored.items() if pairs})
        return self.tags.get(text)


def stored_tags(sents: list[Sentence], tags: dict[int, list[tuple[str, str]]]) -> dict[str, tuple]:
    """Sentence (simplified) → its (word, flag) pairs cut from its passage's stored tags, where they cover it
    exactly (a passage tagged whole is tagged as its sentences are: jieba cuts at punctuation)."""
    out: dict[str, tuple] = {}
    offsets: dict[int, list[int]] = {}
    for s in sents:
        pairs = tags.get(s.passage.id)
        if not pairs:
            continue
        if s.passage.id not in offsets:
            offsets[s.passage.id] = list(accumulate((len(w) for w, _ in pairs), initial=0))
        at = offsets[s.passage.id]
        i, j = bisect_left(at, s.start), bisect_left(at, s.start + len(s.norm))
        cut = tuple(pairs[i:j])
        if "".join(w for w, _ in cut) == s.norm:
            out[s.norm] = cut
    return out


def sentence_start(text: str, i: int) -> int:
    """Where the sentence holding text[i] starts (split as split_sentences does, leading space skipped)."""
    start = max((m.end() for m in SENTENCE_END.finditer(text, 0, i)), default=0)
    return start + len(text[start:i]) - len(text[start:i].lstrip())


@dataclass
class _PassageContext:
    """What one passage says of the question as a whole."""

    context: float  # the share of the question's words in the passage and its title
    focused: Terms  # the question's words, sharpened, its title's words discounted
    chars: set[str]  # the question's characters not in the title


def _passage_context(question: Question, passage: Passage, sharp: Terms) -> _PassageContext:
    title = to_simplified(passage.article_title + (passage.section or ""))
    focused = [
        (alts, w**IDF_POWER * (1 - TITLE_DISCOUNT if any(t in title for t, _ in alts) else 1)) for alts, w in sharp
    ]
    return _PassageContext(
        coverage(question.terms, title + to_simplified(passage.text)), focused, set(question.chars) - set(title)
    )


def _sharpened(terms: Terms, sents: list[Sentence]) -> Terms:
    """A question word found in few of the candidate sentences tells them apart (the topic word is in all of them)."""
    n = len(sents)
    spread = [sum(1 for s in sents if any(t in s.norm for t, _ in alts)) for alts, _ in terms]
    return [(alts, w * math.log(1 + n / max(d, 1))) for (alts, w), d in zip(terms, spread)]


def score(question: Question, sents: list[Sentence], passages: list[Passage]) -> None:
    """Each sentence's score: the question's words it holds (the rare ones most), its passage's, its rank."""
    top_score = max(passages[0].score, 1e-9)
    sharp = _sharpened(question.terms, sents)
    contexts: dict[int, _PassageContext] = {}
    for s in sents:
        s.lexical = coverage(question.terms, s.norm)
        r = s.passage_rank
        if r not in contexts:
            contexts[r] = _passage_context(question, s.passage, sharp)
        c = contexts[r]
        s.score = (
            -QUESTION_PENALTY * s.asks
            + SHARP_WEIGHT * coverage(c.focused, s.norm)
            + (1 - SHARP_WEIGHT) * s.lexical
            + CHAR_WEIGHT * (sum(ch in s.norm for ch in c.chars) / len(c.chars) if c.chars else 0.0)
            + CONTEXT_WEIGHT * c.context
            + PASSAGE_WEIGHT * max(s.passage.score, 0) / top_score
            - RANK_PENALTY * s.passage_rank
        )


def rank_by_meaning(
    question: Question, sents: list[Sentence], encode: Callable[[list[str]], object], max_encoded: int, qvec=None
):
    """English questions: the best sentences by translated words re-ranked by their cosine with the question.
    qvec: the question's vector when the caller has it (its search encoded it), else encoded with the sentences.
    Returns the question's vector."""
    import numpy as np

    pool = sorted(sents, key=lambda s: -s.score)[:max_encoded]
    texts = [s.text for s in pool]
    if qvec is None:
        vecs = np.asarray(encode([question.text] + texts), dtype=np.float32)
        qvec, vecs = vecs[0], vecs[1:]
    else:
        vecs = np.asarray(encode(texts), dtype=np.float32)
    for s, c in zip(pool, vecs @ qvec):
        s.cosine = float(c)
        s.score += COSINE_WEIGHT * s.cosine
    for s in sents:
        if s not in pool:
            s.score -= UNENCODED_PENALTY
    return qvec
