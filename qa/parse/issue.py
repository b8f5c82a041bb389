"""Files → one Issue: each file read by the reader its content needs, the files put in page order."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import formats
from .model import Article, Issue, SourceFile, SourceLine, fail
from .text import DATE, byline, date_in, parse_text


@dataclass
class _Read:
    source: SourceFile
    articles: list[Article]


def _clean(text: str) -> str:
    return re.sub(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$", "", text)


def _spans(paragraph_text: str, lines: list[SourceLine], first: int) -> list[SourceLine]:
    """The lines (from line `first`, 1-based) whose text makes up the paragraph."""
    rest, used = paragraph_text, []
    for line in lines[first - 1 :]:
        text = _clean(line.text)
        if not rest:
            break
        if not text:
            continue
        bullet = re.fullmatch(r"[-*•]\s+(.*)", text)
        text = bullet[1] if bullet and not rest.startswith(text) else text
        if not rest.startswith(text):
            break
        rest = rest[len(text) :]
        used.append(line)
    return used or [lines[first - 1]]


def _attach(articles: list[Article], lines: list[SourceLine]) -> None:
    """Give each paragraph the page it starts on and the lowest OCR score of its lines."""
    for article in articles:
        for para in article.paragraphs:
            spans = _spans(para.text, lines, para.line)
            para.page = spans[0].page
            scores = [s.confidence for s in spans if s.confidence is not None]
            para.confidence = round(min(scores), 3) if scores else None


def _read(data: bytes, name: str) -> _Read:
    fmt = formats.sniff(data, name)
    lines = formats.read(data, name, fmt)
    articles = parse_text("\n".join(line.text for line in lines), name=Path(name).stem or "issue")
    if any(line.page is not None or line.confidence is not None for line in lines):
        _attach(articles, lines)
    pages = tuple(dict.fromkeys(line.page for line in lines if line.page is not None))
    return _Read(SourceFile(name, hashlib.sha256(data).hexdigest(), fmt, pages, data), articles)


def _checked_date(date: str | None, name: str) -> str | None:
    if date is None or (DATE.fullmatch(str(date).strip()) and date_in(str(date))):
        return date_in(str(date)) if date else None
    fail(name, f"invalid date {date!r} (expected YYYY-MM-DD)")


def _issue_id(stem: str, paper: str | None, date: str | None) -> str:
    if date is None:
        return stem
    if paper:
        return f"{paper}-{date}"
    return stem if date_in(stem) == date else f"{stem}-{date}"


def _paper(articles: list[Article]) -> str | None:
    """The paper most bylines name."""
    found = Counter(b[1] for a in articles for s in a.bylines if (b := byline(s)) and b[1])
    return found.most_common(1)[0][0] if found else None


def _assemble(reads: list[_Read], source: str, stem: str, issue_id, date, paper) -> Issue:
    stems = [stem] + [Path(r.source.path).stem for r in reads]
    date = _checked_date(date, source) or next((d for d in map(date_in, stems) if d), None)
    articles = [a for r in reads for a in r.articles]
    for no, article in enumerate(articles, 1):
        article.no = no
    paper = paper or _paper(articles)
    hashes = [r.source.sha256 for r in reads]
    source_hash = hashes[0] if len(hashes) == 1 else hashlib.sha256("\n".join(hashes).encode()).hexdigest()
    issue_id = issue_id or _issue_id(stem, paper, date)
    return Issue(issue_id, paper, date, source, source_hash, articles, [r.source for r in reads])


def parse_bytes(
    data: bytes, name: str, *, issue_id: str | None = None, date: str | None = None, paper: str | None = None
) -> Issue:
    """Parse the raw bytes of the issue file called `name` (used like its path): text, HTML, PDF, image or .docx."""
    source = str(name)
    _checked_date(date, source)
    return _assemble([_read(data, source)], source, Path(source).stem or "issue", issue_id, date, paper)


def parse_file(path, *, issue_id: str | None = None, date: str | None = None, paper: str | None = None) -> Issue:
    """Parse the issue file at `path`."""
    return parse_bytes(Path(path).read_bytes(), str(path), issue_id=issue_id, date=date, paper=paper)


def _natural(path: Path) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.name.lower())]


def issue_files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """The files of one issue: the paths given, a folder standing for its issue files in natural name order."""
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [f for f in path.iterdir() if f.is_file() and f.suffix.lower() in formats.SUFFIXES]
            files += sorted((f for f in found if not f.name.startswith(".")), key=_natural)
        elif path.is_file():
            files.append(path)
        else:
            fail(str(path), "no such file or folder")
    return files


def parse_files(
    paths: str | Path | Iterable[str | Path],
    *,
    issue_id: str | None = None,
    date: str | None = None,
    paper: str | None = None,
) -> Issue:
    """One issue from several files (a list, or a folder): article pages, PDF pages, scans, Word files.

    Files are put in printed-page order when each has a page number (数字报 pages and PDF pages do), else kept in the
    order given. The issue's `sources` lists every file; `source` is the folder, or the first file."""
    given = [paths] if isinstance(paths, str | Path) else list(paths)
    files = issue_files(given)
    if not files:
        fail(", ".join(map(str, given)) or "parse_files", "no issue files found (text, HTML, PDF, image or .docx)")
    source = str(given[0]) if len(given) == 1 else str(files[0])
    return parse_blobs([(str(f), f.read_bytes()) for f in files], source, issue_id=issue_id, date=date, paper=paper)


def parse_blobs(
    blobs: list[tuple[str, bytes]],
    source: str,
    *,
    issue_id: str | None = None,
    date: str | None = None,
    paper: str | None = None,
) -> Issue:
    """One issue from the (name, bytes) of its files, as parse_files reads them (a rebuild reads kept copies)."""
    _checked_date(date, source)
    reads = [_read(data, name) for name, data in blobs]
    if all(r.source.pages for r in reads):
        reads.sort(key=lambda r: r.source.pages[0])
    return _assemble(reads, source, Path(source).stem or "issue", issue_id, date, paper)
