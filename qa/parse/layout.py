"""Printed pages → `## title` text: reading order across columns, headlines by type size, lines → paragraphs.

Shared by the PDF text layer (boxes are lines of characters, size = font size) and OCR (boxes are recognised lines,
size = box height). Sizes are read relative to the body type, the size most of the page's characters are set in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import SourceLine

TITLE, SUBTITLE, SECTION, BODY = "title", "subtitle", "section", "body"
_TIERS = ((2.0, TITLE), (1.5, SUBTITLE), (1.2, SECTION))  # size ≥ ratio × body size
GAP = 0.8  # an empty band this many body sizes wide separates columns or blocks
INDENT = 1.0  # a line starting this many of its sizes right of its column's edge starts a paragraph
MARGIN = 0.06  # page headers and footers sit in the top and bottom 6 % of the page
_PAGE_NO = re.compile(r"第\s*[A-Za-z]?\s*0*(\d{1,3})\s*版")
_FOLIO = re.compile(r"[A-Za-z]?0*(\d{1,3})")


@dataclass
class Box:
    """A run of text on one line, in top-down page coordinates."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    confidence: float | None = None


@dataclass
class Page:
    no: int  # position in the file, 1-based: the page number when the page prints none
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    scanned: bool = False  # boxes are OCR lines (size = line height), not text-layer runs (size = font size)


@dataclass
class _Item:
    tier: str
    box: Box
    page: int
    starts: bool  # indented: the first line of a paragraph
    full: bool  # reaches the right edge of its column: the text goes on in the next line


def join(a: str, b: str) -> str:
    """Two pieces of one wrapped text: CJK joins directly, Latin words with a space, a split word without its hyphen."""
    if not a or not b or a[-1].isspace() or b[0].isspace():
        return a + b
    if a.endswith("-") and a[-2:-1].isalpha() and b[0].islower():
        return a[:-1] + b
    if a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def body_size(boxes: list[Box]) -> float:
    """The size most characters are set in (the median over characters)."""
    sizes = sorted((b.size, len(b.text)) for b in boxes)
    half, seen = sum(n for _, n in sizes) / 2, 0
    for size, n in sizes:
        seen += n
        if seen >= half:
            return size
    return sizes[-1][0] if sizes else 1.0


def merge_rows(boxes: list[Box], body: float) -> list[Box]:
    """Join boxes that continue each other on one line (a gap under GAP body sizes), left to right."""
    out: list[Box] = []
    for b in sorted(boxes, key=lambda b: (b.x0, b.y0)):
        for prev in reversed(out):
            overlap = min(prev.y1, b.y1) - max(prev.y0, b.y0)
            if overlap > 0.5 * min(prev.y1 - prev.y0, b.y1 - b.y0) and -0.2 * body <= b.x0 - prev.x1 < GAP * body:
                text = prev.text + (" " if b.x0 - prev.x1 > 0.3 * body and not prev.text.endswith(" ") else "")
                scores = [s for s in (prev.confidence, b.confidence) if s is not None]
                prev.text, prev.x1 = join(text, b.text), b.x1
                prev.y0, prev.y1, prev.size = min(prev.y0, b.y0), max(prev.y1, b.y1), max(prev.size, b.size)
                prev.confidence = min(scores) if scores else None
                break
        else:
            out.append(Box(b.x0, b.y0, b.x1, b.y1, b.text, b.size, b.confidence))
    return out


def page_number(page: Page, body: float) -> tuple[int | None, list[Box]]:
    """The printed page number (第2版, or a folio) from the page's header and footer, and the boxes without them."""
    top, bottom = MARGIN * page.height, (1 - MARGIN) * page.height
    margin = [b for b in page.boxes if (b.y1 <= top or b.y0 >= bottom) and b.size < _TIERS[-1][0] * body]
    rest = [b for b in page.boxes if not any(b is m for m in margin)]
    texts = [re.sub(r"\s+", "", b.text) for b in margin]
    found = [m[1] for t in texts if (m := _PAGE_NO.search(t))] or [m[1] for t in texts if (m := _FOLIO.fullmatch(t))]
    return (int(found[0]) if found else None), rest


def _split(boxes: list[Box], lo, hi, gap: float) -> list[list[Box]]:
    """Groups of boxes separated by empty bands at least `gap` wide along one axis."""
    order = sorted(boxes, key=lo)
    groups, end = [[order[0]]], hi(order[0])
    for b in order[1:]:
        if lo(b) - end >= gap:
            groups.append([])
        groups[-1].append(b)
        end = max(end, hi(b))
    return groups


def _headline_over(stripes: list[list[Box]], body: float) -> bool:
    """A headline in one stripe lies wholly above another stripe: the stripes are its article's columns."""
    tops = [min(b.y0 for b in s) for s in stripes]
    return any(
        b.y1 <= top
        for i, s in enumerate(stripes)
        for b in s
        if b.size >= _TIERS[0][0] * body
        for j, top in enumerate(tops)
        if j != i
    )


def _edges(boxes: list[Box]) -> tuple[float, float]:
    return min(b.x0 for b in boxes), max(b.x1 for b in boxes)


def reading_order(boxes: list[Box], body: float, edges: tuple[float, float] | None = None) -> list[tuple]:
    """Recursive XY-cut: columns left to right (tried first, so side-by-side articles stay whole, unless a headline
    spans the columns), then blocks top to bottom. Returns (boxes top to bottom, (left, right) edges of their column)
    for each leaf block."""
    if not boxes:
        return []
    stripes = _split(boxes, lambda b: b.x0, lambda b: b.x1, GAP * body)
    bands = (
        []
        if len(stripes) > 1 and not _headline_over(stripes, body)
        else _split(boxes, lambda b: b.y0, lambda b: b.y1, GAP * body)
    )
    if len(bands) > 1:
        return [leaf for band in bands for leaf in reading_order(band, body, edges or _edges(boxes))]
    if len(stripes) > 1:
        return [leaf for s in stripes for leaf in reading_order(s, body, _edges(s))]
    return [(sorted(boxes, key=lambda b: (b.y0, b.x0)), edges or _edges(boxes))]


def _tier(box: Box, body: float) -> str:
    return next((tier for ratio, tier in _TIERS if box.size >= ratio * body), BODY)


def page_items(page: Page, body: float, page_no: int) -> list[_Item]:
    """The page's lines in reading order, each with its tier and whether it starts or continues a paragraph."""
    items = []
    for leaf, (left, right) in reading_order(page.boxes, body):
        for b in leaf:
            indent, full = b.x0 - left >= INDENT * b.size, b.x1 >= right - INDENT * b.size
            items.append(_Item(_tier(b, body), b, page_no, indent, full))
    return items


def _joins(prev: _Item | None, item: _Item) -> bool:
    """Whether the line goes on with the text of the line before it."""
    if prev is None or prev.tier != item.tier:
        return False
    if item.tier == BODY:
        return not item.starts
    return prev.page == item.page and (item.tier == TITLE or prev.full)


def to_lines(items: list[_Item]) -> list[SourceLine]:
    """Headlines, subtitles, section heads and paragraphs as `## title` text, blank lines between them."""
    blocks: list[list] = []  # [tier, text, page, scores]
    prev = None
    for item in items:
        score = [item.box.confidence] if item.box.confidence is not None else []
        if _joins(prev, item):
            blocks[-1][1] = join(blocks[-1][1], item.box.text)
            blocks[-1][3] += score
        else:
            blocks.append([item.tier, item.box.text, item.page, score])
        prev = item
    for i in range(len(blocks) - 1, 0, -1):  # a kicker above its headline (引题) goes under it, as the format has it
        if blocks[i][0] == TITLE and blocks[i - 1][0] == SUBTITLE:
            blocks[i - 1], blocks[i] = blocks[i], blocks[i - 1]
    prefix = {TITLE: "## ", SECTION: "### ", SUBTITLE: "", BODY: ""}
    lines = []
    for tier, text, page, scores in blocks:
        lines.append(SourceLine(prefix[tier] + text.strip(), page, min(scores) if scores else None))
        lines.append(SourceLine("", page))
    return lines


def pages_to_lines(pages: list[Page]) -> list[SourceLine]:
    """Pages (in file order) → `## title` text lines with the printed page number of each."""
    bodies = {kind: body_size([b for p in pages if p.scanned == kind for b in p.boxes]) for kind in (False, True)}
    items = []
    for page in pages:
        body = bodies[page.scanned]
        page.boxes = merge_rows(page.boxes, body)
        number, page.boxes = page_number(page, body)
        items += page_items(page, body, number or page.no)
    return to_lines(items)
