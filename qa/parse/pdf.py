"""PDF pages → `## title` text: the text layer's characters with positions and sizes (pypdfium2); image-only
(scanned) pages go to OCR at the resolution of their scan."""

from __future__ import annotations

from .layout import GAP, Box, Page, pages_to_lines
from .model import SourceLine, fail

SCAN_DPI = (100, 300)  # a scan is OCR'd at its own resolution, kept within these bounds
_MIN_CHARS = 10  # a page with fewer text-layer characters than this is read as a scan


def _open(data: bytes, name: str):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            fail(name, "the PDF is encrypted (password protected): save an unprotected copy and add that")
        fail(name, f"not a readable PDF ({e})")


def _chars(textpage):
    """(character, left, bottom, right, top, font size) of each character the page draws, in drawing order."""
    import pypdfium2.raw as raw

    for i in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(textpage, i) == 1:
            continue
        char = chr(raw.FPDFText_GetUnicode(textpage, i))
        yield (char, *textpage.get_charbox(i, loose=True), raw.FPDFText_GetFontSize(textpage, i))


def _text_boxes(page, height: float) -> list[Box]:
    """Runs of characters on one baseline with no gap wider than GAP sizes, in top-down coordinates."""
    boxes: list[Box] = []
    cur: Box | None = None
    for char, left, bottom, right, top, size in _chars(page.get_textpage()):
        if char in "\r\n\x00":
            cur = None
            continue
        y0, y1 = height - top, height - bottom
        new_line = cur is None or abs(y1 - cur.y1) > 0.3 * size or abs(size - cur.size) > 0.15 * cur.size
        if char.isspace() and not new_line:
            cur.text += char
            continue
        if new_line or not -0.5 * size < left - cur.x1 < GAP * size:
            cur = Box(left, y0, right, y1, char, size)
            boxes.append(cur)
            continue
        cur.text += char
        cur.x1, cur.y0, cur.y1 = max(cur.x1, right), min(cur.y0, y0), max(cur.y1, y1)
    return [b for b in boxes if b.text.strip()]


def _scan(page):
    """(the page rendered at the resolution of its largest image, that resolution in dpi), or None without images."""
    import pypdfium2.raw as raw

    images = list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    if not images:
        return None
    bounds = [image.get_bounds() for image in images]
    best = max(range(len(images)), key=lambda i: (bounds[i][2] - bounds[i][0]) * (bounds[i][3] - bounds[i][1]))
    left, _, right, _ = bounds[best]
    width_px, _ = images[best].get_px_size()
    dpi = min(max(72 * width_px / max(right - left, 1), SCAN_DPI[0]), SCAN_DPI[1])
    return page.render(scale=dpi / 72, grayscale=True).to_pil(), dpi


def read(data: bytes, name: str) -> list[SourceLine]:
    from . import ocr, progress

    doc = _open(data, name)
    pages = []
    try:
        for no in progress.pages(range(1, len(doc) + 1), len(doc), name):
            page = doc[no - 1]
            width, height = page.get_size()
            boxes = _text_boxes(page, height)
            if sum(len(b.text) for b in boxes) >= _MIN_CHARS:
                pages.append(Page(no, width, height, boxes))
            elif scan := _scan(page):
                pages.append(ocr.image_page(scan[0], no, name, scale=72 / scan[1]))
    finally:
        doc.close()
    if not pages:
        fail(name, "the PDF has neither text nor images on any page: nothing to read")
    if not any(p.boxes for p in pages):
        fail(name, "no text found on the PDF's scanned pages (blank, or too small or faint to read)")
    return pages_to_lines(pages)
