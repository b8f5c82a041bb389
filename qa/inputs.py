"""What a write accepts: issue files read all or nothing, issue ids cleaned of control characters, issues with
passages, each issue once; then each issue's passage rows (tokenized here, before any lock)."""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from pathlib import Path

from .chunk import Chunk, chunk_issue
from .errors import IssueConflict
from .parse import Issue, ParseError, issue_files, parse_blobs
from .parse.formats import read as read_lines
from .parse.formats import sniff
from .parse.progress import page_progress
from .parse.text import date_in

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


def check_file(f: Path, seen: dict, limit: int, nothing: str = "") -> None:
    """Refuse, in one line, a file that is missing, unreadable, given twice (seen) or over the size limit."""
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


def _named_files(paths: list[Path]) -> list[tuple[Path | None, Path]]:
    """(the folder it was found in or None, file) for every file given, a folder standing for its issue files."""
    out = []
    for path in paths:
        if path.is_dir():
            found = issue_files(path)
            if not found:
                raise ParseError(f"{path}: no issue files in this folder (text, HTML, PDF, image or .docx)")
            out += [(path, f) for f in found]
        else:
            out.append((None, path))
    return out


def _by_date(blobs: list[tuple[str, bytes]]) -> dict[str | None, list[tuple[str, bytes]]]:
    groups: dict[str | None, list[tuple[str, bytes]]] = {}
    for name, data in blobs:
        groups.setdefault(date_in(Path(name).stem), []).append((name, data))
    return groups


def _folder_issue(folder: Path, blobs: list[tuple[str, bytes]]) -> tuple[str, list[tuple[str, bytes]]]:
    dates = sorted(d for d in _by_date(blobs) if d)
    if len(dates) > 1:
        raise ParseError(
            f"{folder}: a folder is one issue, but its files are of {len(dates)} dates ({', '.join(dates[:3])});"
            " put each issue's files in a folder of its own, or give text issues as files (FOLDER/*.txt)"
        )
    return str(folder), blobs


def issue_groups(
    named: list[tuple[Path | None, str, bytes]], one_issue: bool
) -> list[tuple[str, list[tuple[str, bytes]]]]:
    """Which files make one issue: (source, [(name, bytes)]) per issue. All of them with one_issue (--issue-id or
    --date); else each folder is one issue, each text file given by name is one, and the other files given by name
    (HTML, PDF, images, Word: pages) are one issue per date their names carry (those without a date together)."""
    if one_issue:
        folders = {folder for folder, _, _ in named}
        source = str(next(iter(folders))) if len(folders) == 1 and None not in folders else named[0][1]
        return [(source, [(name, data) for _, name, data in named])]
    folders = dict.fromkeys(f for f, _, _ in named if f is not None)
    groups = [_folder_issue(folder, [(name, data) for f, name, data in named if f == folder]) for folder in folders]
    return groups + _loose_issues([(name, data) for f, name, data in named if f is None])


def _loose_issues(blobs: list[tuple[str, bytes]]) -> list[tuple[str, list[tuple[str, bytes]]]]:
    """Files given by name: each text file an issue, the other files one issue per date their names carry."""
    texts = [(name, [(name, data)]) for name, data in blobs if sniff(data, name) == "text"]
    pages = [(name, data) for name, data in blobs if sniff(data, name) != "text"]
    return texts + [(group[0][0], group) for group in _by_date(pages).values()]


def read_issue_files(
    files,
    *,
    issue_id: str | None = None,
    date: str | None = None,
    paper: str | None = None,
    progress: bool = False,
) -> list[Issue]:
    """Parse the issue files (and folders) of one write into issues (issue_groups says which files make one), all or
    nothing: one bad file (missing, unreadable, too large, unreadable as an issue, given twice) refuses the whole
    call, so nothing is indexed. progress: a bar per page of PDFs and scans on stderr."""
    if issue_id is not None:
        check_issue_id(issue_id)
    named = _named_files([Path(f) for f in files])
    nothing = "; nothing was indexed (one bad file refuses the whole call)" if len(named) > 1 else ""
    limit, seen = max_issue_bytes(), {}
    for _, f in named:
        check_file(f, seen, limit, nothing)
    try:
        blobs = [(folder, str(f), f.read_bytes()) for folder, f in named]
    except OSError as e:
        raise ParseError(f"{e.filename}: cannot read it ({e.strerror}){nothing}") from None
    try:
        with page_progress(progress):
            groups = issue_groups(blobs, one_issue=issue_id is not None or date is not None)
            return [parse_blobs(b, source, issue_id=issue_id, date=date, paper=paper) for source, b in groups]
    except ParseError as e:
        raise ParseError(f"{e}{nothing}") from None


def read_uploads(
    blobs: list[tuple[str, bytes]],
    *,
    issue_id: str | None = None,
    date: str | None = None,
    paper: str | None = None,
    progress: bool = False,
) -> tuple[list[Issue], list[str]]:
    """Files uploaded together in the chat, (name, bytes), grouped as files given by name are (issue_groups; all one
    issue with an issue_id or a date, as `qa index add --issue-id/--date` makes them): the issues read, and one line
    for each file or issue that could not be read (the others are still added)."""
    readable, failed = [], []
    for name, data in blobs:
        try:
            sniff(data, name)
            readable.append((name, data))
        except ParseError as e:
            failed.append(str(e))
    try:
        if issue_id is not None:
            check_issue_id(issue_id)
    except ValueError as e:
        return [], failed + [str(e)]
    groups = [(readable[0][0], readable)] if readable and (issue_id or date) else _loose_issues(readable)
    issues = []
    with page_progress(progress):
        for source, group in groups:
            try:
                issues.append(parse_blobs(group, source, issue_id=issue_id, date=date, paper=paper))
            except ParseError as e:
                failed.append(str(e))
    return issues, failed


def upload_defaults(blobs: list[tuple[str, bytes]]) -> dict[str, str]:
    """The date, paper and issue id the files uploaded together would be indexed with, for a form to show and edit:
    from the file names, the bylines and a masthead date (2021年5月8日 above the first title). Empty when they make
    several issues (each then gets its own) or none; scans and PDFs are not read here (OCR is slow), only named."""
    readable = [(name, data, fmt) for name, data in blobs if (fmt := _format(data, name))]
    groups = _loose_issues([(name, data) for name, data, _ in readable])
    if len(groups) != 1:
        return {}
    source, group = groups[0]
    named = (
        {"date": date} if (date := next(filter(None, (date_in(Path(name).stem) for name, _ in group)), None)) else {}
    )
    if {fmt for _, _, fmt in readable} & {"pdf", "image"}:
        return named
    try:
        issue = parse_blobs(group, source, date=named.get("date") or masthead_date(*group[0]))
    except ParseError:
        return named
    return {"date": issue.date or "", "paper": issue.paper or "", "issue_id": issue.issue_id}


def _format(data: bytes, name: str) -> str | None:
    try:
        return sniff(data, name)
    except ParseError:
        return None


_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def masthead_date(name: str, data: bytes) -> str | None:
    """The date printed above an issue's first article title (a masthead: 2021年5月8日 星期六), as YYYY-MM-DD."""
    lines = [line.text for line in read_lines(data, name)]
    head = "\n".join(itertools.takewhile(lambda line: not line.startswith("## "), lines))
    for m in _CHINESE_DATE.finditer(head):
        found = date_in(f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}")
        if found:
            return found
    return None


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
        + (c.content_hash, " ".join(t for t in ts if " " not in t), c.page, c.confidence)
        for c, ts in zip(chunks, toks)
    ]


def prepare_issues(
    issues: list[Issue], max_chars: int
) -> tuple[list[Issue], dict[str, list[tuple]], dict[str, set[str]], dict[str, str], dict[str, list]]:
    """(the issues, with clean ids; by issue id, their passage rows and content hashes; the text to embed by
    content hash; the part-of-speech tags by text hash). An issue without any paragraph is refused: nothing of it
    could ever be found."""
    from . import text

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
    plain = {c.text_hash: c.text for cs in chunks.values() for c in cs}
    return issues, rows, hashes, texts, dict(zip(plain, text.pos_tags_many(list(plain.values()))))
