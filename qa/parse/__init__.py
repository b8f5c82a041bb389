"""Read newspaper issues into Issue → Article → Paragraph, from text, HTML, PDF (text or scanned), images or .docx.

Each reader turns its file into the product's `## title` text (qa.parse.text), so bylines, subtitles and the repair
of paragraphs the layout cut are shared by every format; see README, "Formats".
"""

from .issue import issue_files, parse_blobs, parse_bytes, parse_file, parse_files
from .model import LOW_CONFIDENCE, Article, Issue, Paragraph, ParseError, SourceFile, SourceLine
from .text import decode, parse_text

__all__ = [
    "LOW_CONFIDENCE",
    "Article",
    "Issue",
    "Paragraph",
    "ParseError",
    "SourceFile",
    "SourceLine",
    "decode",
    "issue_files",
    "parse_blobs",
    "parse_bytes",
    "parse_file",
    "parse_files",
    "parse_text",
]
