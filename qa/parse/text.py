"""The text reader: decode an issue text file, and the `## title` text format → articles, with layout repair."""

from __future__ import annotations

import codecs
import datetime as _dt
import re
import unicodedata

from .model import Article, Paragraph, SourceLine, fail

_ARTICLE = re.compile(r"##(?!#)\s*(.*)")
_KICKER = re.compile(r"#{3,}\s*(.*)")
_BULLET = re.compile(r"[-*•]\s+(.*)")
_NUMBERED = re.compile(r"\d{1,3}(?:[.．]\s+|、)\S")
_ENDS = "。！？；!?;….：:"  # a trailing colon closes a paragraph that introduces the next one
_CLOSERS = "”’」』)）"
_SUBTITLE_MAX = 40
_ROLE = r"(?:见习记者|特约记者|首席记者|记者|通讯员|实习生|摄影|文|图)\s*[/／]"
_HEAD = r"(?:(?P<paper>[^\s·・•()（）/／]{2,12})[·・•])?(?P<outlet>[^\s()（）/／]{0,12}?)"
# "株洲日报·掌上株洲讯(记者/李军 通讯员/江先国)", possibly followed by the paragraph's text
_BRACKET_BYLINE = re.compile(_HEAD + r"[(（](?P<inner>[^()（）]*?" + _ROLE + r"[^()（）]*)[)）]")
# "株洲日报·掌上株洲记者/胡文浩" on a line of its own
_BARE_BYLINE = re.compile(_HEAD + r"(?P<inner>" + _ROLE + r"[^。！？!?；;，,：:]*)")
DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def _readable(c: str) -> bool:
    """CJK, printable ASCII, whitespace or punctuation."""
    return (
        (c.isascii() and c.isprintable())
        or c.isspace()
        or "\u3400" <= c <= "\u9fff"
        or "\uf900" <= c <= "\ufaff"
        or "\u3000" <= c <= "\u303f"
        or "\uff00" <= c <= "\uffef"
        or "\U00020000" <= c <= "\U0003134f"
        or unicodedata.category(c).startswith("P")
    )


def _decoded(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): the BOM's encoding, else strict UTF-8, else strict GB18030."""
    enc = next((e for bom, e in _BOMS if data.startswith(bom)), None)
    if enc is None and b"\0" in data:
        fail(name, "not a text file (binary data)")
    for candidate in [enc] if enc else ["utf-8", "gb18030"]:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            pass
    fail(name, "cannot decode text (not UTF-8, UTF-16 or GB18030)")


def _check_readable(text: str, enc: str, name: str) -> None:
    """Refuse text that is empty, full of control characters, or (GB18030) mostly unreadable."""
    if not text.strip():
        fail(name, "empty file (only whitespace)")
    controls = sum(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v" for c in text)
    if "\0" in text or controls > 0.02 * len(text):
        fail(name, "not a text file (binary data)")
    # GB18030 decodes almost any byte soup, so also ask whether the result reads as text
    if enc == "gb18030":
        visible = [c for c in text if not c.isspace()]
        if sum(map(_readable, visible)) < 0.5 * len(visible):
            fail(name, "not a text file (decodes to mostly unreadable characters)")


def decode(data: bytes, name: str = "<bytes>") -> str:
    """Decode issue bytes: BOM, else strict UTF-8, else strict GB18030; refuse non-text."""
    if not data:
        fail(name, "empty file")
    text, enc = _decoded(data, name)
    _check_readable(text, enc, name)
    return text


def _clean(line: str) -> str:
    return re.sub(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$", "", line)


def _ends_sentence(text: str) -> bool:
    bare = text.rstrip(_CLOSERS)
    return bool(bare) and bare[-1] in _ENDS


def byline(line: str) -> tuple[str, str | None, list[str]] | None:
    """(byline text, paper, reporter names) if the line starts with a byline."""
    m = _BRACKET_BYLINE.match(line) or (len(line) <= 60 and _BARE_BYLINE.fullmatch(line))
    if not m or not (m["paper"] or m["outlet"] == "" or m["outlet"].endswith("讯")):
        return None
    inner = re.sub(_ROLE, " ", re.sub(r"\s*摄影?$", "", m["inner"].strip()))
    names = [n for n in re.split(r"[\s、,，]+", inner) if n and n not in ("文", "图", "摄", "摄影")]
    return m.group(0), m["paper"], names


class _Splitter:
    """Issue text → articles, line by line: the article and section being read, and the paragraph left open."""

    def __init__(self, name: str):
        self.name = name
        self.preamble = self.article = Article(no=0, title=name)
        self.articles = [self.preamble]
        self.section: str | None = None
        self.open_para: Paragraph | None = None  # body paragraph whose sentence the layout cut
        self.subtitles: list[tuple[Article, Paragraph]] = []

    def take(self, line: str, no: int) -> None:
        """Read one non-empty cleaned line (no: its line number)."""
        if not (self._title(line) or self._kicker(line) or self._byline(line) or self._list_item(line, no)):
            self._text(line, no)

    def _title(self, line: str) -> bool:
        """`## title`: a new article."""
        if not (m := _ARTICLE.fullmatch(line)):
            return False
        self.article = Article(no=0, title=m[1] or self.name)
        self.articles.append(self.article)
        self.section = self.open_para = None
        return True

    def _kicker(self, line: str) -> bool:
        """`### kicker`: a subtitle or section head of the article."""
        if not (m := _KICKER.fullmatch(line)):
            return False
        if m[1]:
            self.article.kickers.append(m[1])
            self.section = m[1]
        self.open_para = None
        return True

    def _byline(self, line: str) -> bool:
        """Record a byline the line starts with; True if the line is nothing else (a byline or photo credit)."""
        credit = byline(line)
        if not credit:
            return False
        self.open_para = None
        self.article.bylines.append(credit[0])
        self.article.reporters += [n for n in dict.fromkeys(credit[2]) if n not in self.article.reporters]
        return credit[0] == line

    def _list_item(self, line: str, no: int) -> bool:
        """A bulleted or numbered line: a paragraph of its own."""
        m = _BULLET.fullmatch(line)
        if not (m or _NUMBERED.match(line)):
            return False
        item = m[1] if m else line  # a number carries content, a dash does not
        self.article.paragraphs.append(Paragraph(len(self.article.paragraphs) + 1, item, "list", self.section, no))
        self.open_para = None
        return True

    def _may_be_subtitle(self, line: str) -> bool:
        """A short line without a sentence end right under a title, before any text or byline."""
        a = self.article
        return (
            a is not self.preamble
            and not a.paragraphs
            and not a.bylines
            and len(line) <= _SUBTITLE_MAX
            and not _ends_sentence(line)
        )

    def _text(self, line: str, no: int) -> None:
        """A line of text: it continues the open paragraph, is an unmarked subtitle, or starts a paragraph."""
        if self.open_para is not None:
            self.open_para.text += line
        elif self._may_be_subtitle(line):
            self.article.kickers.append(line)
            self.subtitles.append((self.article, Paragraph(0, line, "body", self.section, no)))
            return
        else:
            self.open_para = Paragraph(len(self.article.paragraphs) + 1, line, "body", self.section, no)
            self.article.paragraphs.append(self.open_para)
        if _ends_sentence(self.open_para.text):
            self.open_para = None

    def finished(self) -> list[Article]:
        """The articles, numbered from 1; the preamble only if it has text."""
        bare = {id(a) for a in self.articles if not a.paragraphs}
        for a, para in self.subtitles:  # short lines alone under a title are its text, not subtitles
            if id(a) in bare:
                a.kickers.remove(para.text)
                para.no = len(a.paragraphs) + 1
                a.paragraphs.append(para)
        articles = self.articles
        if not self.preamble.paragraphs and len(articles) > 1:
            articles.remove(self.preamble)
        for i, a in enumerate(articles, 1):
            a.no = i
        return articles


def parse_text(text: str, *, name: str = "issue") -> list[Article]:
    """Split issue text into articles; text before any `## ` title goes to one titled `name`."""
    splitter = _Splitter(name)
    for no, line in enumerate(map(_clean, text.replace("\r\n", "\n").replace("\r", "\n").split("\n")), 1):
        if line:
            splitter.take(line, no)
    return splitter.finished()


def date_in(text: str) -> str | None:
    for m in DATE.finditer(text):
        try:
            return _dt.date(int(m[1]), int(m[3]), int(m[4])).isoformat()
        except ValueError:
            continue
    return None


def read(data: bytes, name: str) -> list[SourceLine]:
    """A text file in the `## title` format, line by line."""
    text = decode(data, name)
    return [SourceLine(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
