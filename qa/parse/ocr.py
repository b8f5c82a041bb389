"""Scanned pages → `## title` text: PP-OCRv4 (rapidocr-onnxruntime, models in its wheel) finds and reads the lines,
then the shared layout step orders them; each line keeps its recognition score."""

from __future__ import annotations

import io
import re
import unicodedata
from functools import lru_cache

from .layout import Box, Page, pages_to_lines
from .model import SourceLine, fail

MIN_SIDE = 100  # pixels: a smaller image holds no readable newspaper text
THREADS = 2
# PP-OCRv4 has no bullet in its character set: it reads a printed • at the start of a line as · or ：
_BULLET = re.compile(r"^[·•：:](?=\S)")


@lru_cache(maxsize=1)
def engine():
    """The OCR engine, loaded once (≈1 s)."""
    from rapidocr_onnxruntime import RapidOCR

    # pages are upright (no angle classifier); a whole page is read at full size, not shrunk to 2000 px
    return RapidOCR(intra_op_num_threads=THREADS, inter_op_num_threads=1, use_cls=False, max_side_len=5000)


def _gray(image):
    from PIL import Image

    image = image.convert("RGBA") if image.mode in ("P", "LA", "PA") else image
    if image.mode == "RGBA":  # transparency over white, as the page would print
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    return image.convert("L")


def _ems(text: str) -> float:
    """The line's width in ems: CJK characters and quotes 1, Latin letters and digits about half, spaces and most
    ASCII marks less."""
    widths = {"W": 1.0, "F": 1.0, "A": 0.5}
    return sum(
        1.0 if c in "“”‘’" else 0.8 if c in "%@&#" else 0.3 if c.isspace() or (c.isascii() and not c.isalnum())
        else widths.get(unicodedata.east_asian_width(c), 0.55)
        for c in text
    )  # fmt: skip


def type_size(width: float, height: float, text: str) -> float:
    """The type size of a recognised line: its height, unless quotes or brackets make the box taller than the type
    (then the width per character tells)."""
    return min(height, width / max(_ems(text), 1.0))


def image_page(image, no: int, name: str, scale: float = 1.0) -> Page:
    """OCR one page image; boxes in the image's pixels times `scale`."""
    import numpy as np

    gray = _gray(image)
    width, height = gray.size
    if min(width, height) < MIN_SIDE:
        fail(name, f"image too small to read ({width}×{height} px): scan the page at 150 dpi or more")
    pixels = np.asarray(gray)
    if int(pixels.max()) - int(pixels.min()) < 32:
        return Page(no, width * scale, height * scale, [], scanned=True)
    result, _ = engine()(np.stack([pixels] * 3, axis=-1))
    boxes = []
    for points, text, score in result or []:
        xs, ys = [p[0] * scale for p in points], [p[1] * scale for p in points]
        text = _BULLET.sub("• ", text.strip())
        if text:
            size = type_size(max(xs) - min(xs), max(ys) - min(ys), text)
            boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text, size, float(score)))
    return Page(no, width * scale, height * scale, boxes, scanned=True)


def read(data: bytes, name: str) -> list[SourceLine]:
    """An image file (PNG, JPEG, TIFF with one or more pages, BMP, WebP, GIF)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from . import progress

    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError):
        fail(name, "not a readable image (damaged, or not an image)")
    numbered = progress.pages(enumerate(frames, 1), len(frames), name)
    pages = [image_page(frame, no, name) for no, frame in numbered]
    if not any(p.boxes for p in pages):
        fail(name, "no text found in the image (blank, or too small or faint to read)")
    return pages_to_lines(pages)
