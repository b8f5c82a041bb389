"""What a write accepts: issue files read all or nothing, issue ids cleaned of control characters, issues with
passages, each issue once; then each issue's passage rows (tokenized here, before any lock)."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from .chunk import Chunk, chunk_issue
from .errors import IssueConflict
from .parse import Issue, ParseError, parse_file

MAX_ISSUE_MB = 10  # a real issue is well under 1 MB; a larger file is almost surely not one issue


def max_issue_bytes() -> int:
    """Largest issue file accepted: $QA_MAX_ISSUE_MB megabytes, default MAX_ISSUE_MB."""
    value = os.environ.get("QA_MAX_ISSUE_MB", "")
    try:
        return int(float(value or MAX_ISSUE_MB) * 1_000_000)
    except ValueError:
        raise ValueError(f"QA_MAX_ISSUE_MB must be a number of megabytes, not {value!r}") from None


def clean_issue_id(issue_id: str) -> str:
    """The id without control or invisible format characters, its whitespace runs as single spaces."""
    kept = "".join(c for c in issue_id if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def check_issue_id(issue_id: str) -> str:
    """An issue id given by the user, refused (ValueError) unless it is plain text."""
    if not issue_id or clean_issue_id(issue_id) != issue_id:
        raise ValueError(
            f"issue id {issue_id!r} is empty or holds control characters or stray spaces; give it as plain text"
        )
    return issue_id


def _checked_file(f: Path, seen: dict, limit: int, nothing: str) -> None:
    try:
        if not f.is_file():
            raise ParseError(f"{f}: {'not a file' if f.exists() else 'no such file'}{nothing}")
        size = f.stat().st_size
    except OSError as e:
        raise ParseError(f"{f}: cannot read it ({e.strerror}){nothing}") from None
    key = f.resolve()
    if key in seen:
        raise ParseError(f"{f}: given twice (also as {seen[key]}){nothing}")
    seen[key] = f
    if size > limit:
        raise ParseError(
            f"{f}: too large for one issue ({size / 1e6:.1f} MB, limit {limit / 1e6:g} MB;"
            f" set QA_MAX_ISSUE_MB to raise it){nothing}"
        )


def read_issue_files(
    files, *, issue_id: str | None = None, date: str | None = None, paper: str | None = None
) -> list[Issue]:
    """Parse the issue files of one write, all or nothing: one bad file (missing, unreadable, too large, not text,
    given twice) refuses the whole call, so nothing is indexed."""
    files = [Path(f) for f in files]
    if issue_id is not None:
        check_issue_id(issue_id)
        if len(files) > 1:
            raise ValueError("--issue-id names one issue: give one FILE with it")
    nothing = "; nothing was indexed (one bad file refuses the whole call)" if len(files) > 1 else ""
    limit, seen = max_issue_bytes(), {}
    for f in files:
        _checked_file(f, seen, limit, nothing)
    issues = []
    for f in files:
        try:
            issues.append(parse_file(f, issue_id=issue_id, date=date, paper=paper))
        except ParseError as e:
            raise ParseError(f"{e}{nothing}") from None
        except OSError as e:
            raise ParseError(f"{f}: cannot read it ({e.strerror}){nothing}") from None
    return issues


def _distinct(issues: list[Issue]) -> list[Issue]:
    """The issues of one write; the same issue twice or two files for one issue id refuse the whole write."""
    by_id: dict[str, Issue] = {}
    for issue in issues:
        other = by_id.get(issue.issue_id)
        if other is not None and other.source_hash == issue.source_hash:
            raise IssueConflict(
                f"{issue.source} and {other.source} are the same issue {issue.issue_id!r}; "
                f"give it once (nothing was written)"
            )
        if other is not None:
            raise IssueConflict(
                f"two different files have issue id {issue.issue_id!r} ({other.source}, {issue.source});"
                f" give each its own --issue-id (nothing was written)"
            )
        by_id[issue.issue_id] = issue
    return issues


def _passage_rows(chunks: list[Chunk]) -> list[tuple]:
    """Rows of the passages table (without id) for an issue's chunks."""
    from . import text

    toks = text.tokens_many([f"{c.context} {c.text}" for c in chunks])
    return [
        (c.issue_id, c.article_no, c.paragraph_no, c.part_no, c.kind, c.section, c.text, c.text_hash)
        + (c.content_hash, " ".join(t for t in ts if " " not in t))
        for c, ts in zip(chunks, toks)
    ]


def prepare_issues(
    issues: list[Issue], max_chars: int
) -> tuple[list[Issue], dict[str, list[tuple]], dict[str, set[str]], dict[str, str]]:
    """(the issues, with clean ids; by issue id, their passage rows and content hashes; the text to embed by
    content hash). An issue without any paragraph is refused: nothing of it could ever be found."""
    for issue in issues:
        cleaned = clean_issue_id(issue.issue_id)
        if not cleaned:
            raise ParseError(f"{issue.source}: no usable issue id ({issue.issue_id!r}); give one with --issue-id")
        issue.issue_id = cleaned
    issues = _distinct(list(issues))
    chunks = {i.issue_id: chunk_issue(i, max_chars) for i in issues}
    for issue in issues:
        if not chunks[issue.issue_id]:
            raise ParseError(
                f"{issue.source}: no paragraphs to index (only titles, subtitles or bylines); nothing was written"
            )
    rows = {issue_id: _passage_rows(cs) for issue_id, cs in chunks.items()}
    hashes = {issue_id: {c.content_hash for c in cs} for issue_id, cs in chunks.items()}
    texts = {c.content_hash: c.embed_text for cs in chunks.values() for c in cs}
    return issues, rows, hashes, texts
