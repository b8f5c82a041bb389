"""Word files (.docx, python-docx) → `## title` text: Title/Heading 1 → article titles, Subtitle → kickers, other
headings → section heads, list paragraphs → items, table rows → items with their cells joined."""

from __future__ import annotations

import io
import re
import zipfile

from .model import SourceLine, fail

_HEADING = re.compile(r"(?:heading|标题)\s*(\d)", re.I)


def _open(data: bytes, name: str):
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            is_word = "word/document.xml" in z.namelist()
        document = Document(io.BytesIO(data)) if is_word else None
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as e:
        fail(name, f"corrupt .docx, cannot be opened ({type(e).__name__}): save it again from Word and add that")
    if document is None:
        fail(name, "a ZIP file that is not a Word .docx (no word/document.xml): save the issue as .docx")
    return document


def _line(paragraph) -> str:
    """The paragraph as one line: its text, line breaks inside it joined like wrapped lines."""
    from .layout import join

    text = ""
    for piece in paragraph.text.replace("\r", "\n").replace("\v", "\n").split("\n"):
        text = join(text, piece.strip())
    return text


def _style(paragraph) -> str:
    name = paragraph.style.name if paragraph.style is not None else ""
    level = _HEADING.match(name)
    if name == "Title" or (level and level[1] == "1"):
        return "## "
    if name == "Subtitle":
        return ""
    if level:
        return "### "
    is_list = "List" in name or paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    return "- " if is_list else ""


def read(data: bytes, name: str) -> list[SourceLine]:
    from docx.table import Table

    doc = _open(data, name)
    lines: list[SourceLine] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(_line(p) for c in row.cells for p in c.paragraphs if p.text.strip()))
                if cells:
                    lines += [SourceLine("- " + " | ".join(cells)), SourceLine("")]
        elif text := _line(block):
            lines += [SourceLine(_style(block) + text), SourceLine("")]
    if not any(line.text for line in lines):
        fail(name, "the Word file has no text")
    return lines
