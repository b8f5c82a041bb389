"""The parsed issue: Issue → Article → Paragraph, whatever format the issue came in."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ParseError

# An OCR paragraph whose weakest line the recogniser scored below this is flagged as uncertain text.
LOW_CONFIDENCE = 0.85


def fail(name: str, why: str):
    raise ParseError(" ".join(f"{name}: {why}".splitlines()))


@dataclass(frozen=True)
class SourceLine:
    """One line of the text a reader makes of a file, in the `## title` format, with where it was printed."""

    text: str
    page: int | None = None
    confidence: float | None = None  # OCR recogniser score of the line


@dataclass
class Paragraph:
    no: int
    text: str
    kind: str
    section: str | None
    line: int  # first line of the paragraph in the text read from the file (for layouts: in reading order)
    page: int | None = None  # printed page (版) the paragraph starts on, where the source has pages
    confidence: float | None = None  # OCR: the lowest recogniser score of the paragraph's lines

    @property
    def low_confidence(self) -> bool:
        """OCR text that may be misread: cite it with a warning."""
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


@dataclass
class Article:
    no: int
    title: str
    kickers: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFile:
    """One file an issue was read from: the index keeps its bytes (sources/<sha256>) so a rebuild can read it again."""

    path: str
    sha256: str
    format: str  # text, html, pdf, image, docx
    pages: tuple[int, ...] = ()  # printed page numbers found in the file
    data: bytes = field(default=b"", repr=False, compare=False)


@dataclass
class Issue:
    issue_id: str
    paper: str | None
    date: str | None
    source: str  # the file (or folder) the issue was read from; every file is in `sources`
    source_hash: str  # sha256 of the file; of the files' hashes in page order when there are several
    articles: list[Article] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)  # in page order
