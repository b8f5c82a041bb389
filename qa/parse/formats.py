"""Which reader a file needs, told from its content (magic bytes, markup), not from its name."""

from __future__ import annotations

import codecs
import importlib
import re

from .model import SourceLine, fail

# suffixes taken from a folder of issue files; a file named explicitly is read whatever its name
SUFFIXES = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".webp": "image",
    ".docx": "docx",
}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF87a", b"GIF89a")
_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|body)\b", re.I | re.S
)
_BLOCK_TAG = re.compile(rb"</?(?:p|div|h[1-6]|li|td|article|section|table)(?:\s[^<>]*)?>|<br\s*/?>", re.I)
_READERS = {"text": "text", "html": "html", "pdf": "pdf", "image": "ocr", "docx": "docx"}


def _ascii_head(data: bytes) -> bytes:
    """The first 64 KB as ASCII-compatible bytes (UTF-16 and UTF-32 text re-encoded), to look for markup."""
    head = data[:65536]
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if head.startswith(bom):
            return head.decode(enc, errors="ignore").encode("utf-8", errors="ignore")
    return head.removeprefix(codecs.BOM_UTF8)


def sniff(data: bytes, name: str) -> str:
    """The format of a file: pdf, image, docx, html or text."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        fail(name, "an old binary Word .doc (or other pre-2007 Office) file: save it as .docx and add that")
    head = _ascii_head(data)
    if _HTML_START.match(head) or len(_BLOCK_TAG.findall(head)) >= 2:  # <p>…</p> in a text file: read as HTML
        return "html"
    return "text"


def read(data: bytes, name: str, fmt: str | None = None) -> list[SourceLine]:
    """The file's text in the `## title` format, one SourceLine a line, by the reader its content needs."""
    reader = importlib.import_module(f"{__package__}.{_READERS[fmt or sniff(data, name)]}")
    return reader.read(data, name)
