"""The sample issue as a paper publishes it, built from data/issues/sample-issue.txt: printed pages (a text-layer PDF
in three columns with headlines in larger type, and the same pages scanned to PNG and to an image-only PDF), digital
edition article pages (GBK HTML with header, nav and footer) and a Word file. Used by the tests and bench/ocr.py."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.parse import parse_text
from qa.parse.text import byline

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
FONTS = Path("/usr/share/fonts/opentype/noto")
PAPER, DATE_CN, WEEKDAY = "株洲日报", "2021年5月8日", "星期六"
# printed pages: rows of (article index, columns it spans), top to bottom
PAGES = [[[(0, 3)], [(1, 3)]], [[(2, 3)], [(3, 2), (4, 1)]], [[(5, 3)]], [[(6, 3)], [(7, 3)]]]
SECTIONS = ["要闻", "要闻", "综合", "城事"]


@dataclass
class SampleArticle:
    title: str
    elements: list[tuple[str, str]] = field(default_factory=list)  # (subtitle|section|byline|bullet|para, text)

    @property
    def header(self) -> list[tuple[str, str]]:
        """Subtitles and heads printed under the headline, before the first line of text."""
        out = []
        for kind, text in self.elements:
            if kind not in ("subtitle", "section"):
                break
            out.append((kind, text))
        return out

    @property
    def body(self) -> list[tuple[str, str]]:
        return self.elements[len(self.header) :]


def sample_articles() -> list[SampleArticle]:
    """The sample's articles as printed: whole paragraphs (the text file's layout cuts mended), heads and bylines."""
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.split("\n")
    parsed = parse_text(text, name="sample")
    by_line = {p.line: p for a in parsed for p in a.paragraphs}
    kickers = {k for a in parsed for k in a.kickers}
    articles: list[SampleArticle] = []
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if no in by_line:
            kind = "bullet" if line.startswith("- ") else "para"
            articles[-1].elements.append((kind, by_line[no].text))
        elif line.startswith("## "):
            articles.append(SampleArticle(line[3:]))
        elif line.startswith("### "):
            articles[-1].elements.append(("section", line[4:]))
        elif line in kickers:
            articles[-1].elements.append(("subtitle", line))
        elif line and (credit := byline(line)) and credit[0] == line:
            articles[-1].elements.append(("byline", line))
    return articles


# ---- printed pages -------------------------------------------------------------------------------------------------

PAGE_W, PAGE_H, MARGIN_X, TOP, BOTTOM = 595.28, 841.89, 40.0, 56.0, 788.0
GUTTER, BODY, LEADING = 18.0, 9.5, 1.45
STYLES = {  # font, size, line step
    "title": ("sans-bold", 24.0, 24.0 * 1.25),
    "subtitle": ("sans", 16.0, 16.0 * 1.4),
    "section": ("sans-bold", 12.5, 12.5 * 1.45),
    "body": ("serif", BODY, BODY * LEADING),
}
_CLOSING = set("，。、；：？！”’）》」』,.;:?!)%")
_OPENING = set("“‘（《「『(")


def _fpdf():
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    for name, file in (("serif", "NotoSerifCJK-Regular.ttc"), ("sans", "NotoSansCJK-Regular.ttc"),
                       ("sans-bold", "NotoSansCJK-Bold.ttc")):  # fmt: skip
        pdf.add_font(name, fname=str(FONTS / file), collection_font_number=2)  # 2 = the SC (simplified) face
    return pdf


def wrap(text: str, width: float, measure, indent: float = 0.0) -> list[str]:
    """Break text into lines as a typesetter would: anywhere between CJK characters, never inside a Latin word or
    number; punctuation that may not start a line pulls the character before it down, and an opening quote or
    bracket moves down with what it opens."""
    lines, cur, avail = [], [], width - indent
    for unit in re.findall(r"[A-Za-z0-9.%]+|\s|.", text):
        if not cur or unit.isspace() or measure("".join(cur) + unit) <= avail:
            cur.append(unit)
            continue
        carry = []
        if unit in _CLOSING:
            while len(cur) > 1 and cur[-1] in _CLOSING:
                carry.insert(0, cur.pop())
            carry.insert(0, cur.pop())
        while len(cur) > 1 and cur[-1] in _OPENING:
            carry.insert(0, cur.pop())
        lines.append("".join(cur))
        cur, avail = carry + [unit], width
    return lines + ["".join(cur)]


@dataclass
class _Line:
    style: str
    text: str
    indent: float = 0.0
    space_before: float = 0.0


def _flow_lines(pdf, article: SampleArticle, width: float) -> list[_Line]:
    out = []
    for kind, text in article.body:
        style = "section" if kind == "section" else "body"
        font, size, _ = STYLES[style]
        pdf.set_font(font, size=size)
        text = "• " + text if kind == "bullet" else text
        indent = 0.0 if style == "section" else 2 * size
        for i, piece in enumerate(wrap(text, width, pdf.get_string_width, indent)):
            out.append(_Line(style, piece, indent if i == 0 else 0.0, 5.0 if style == "section" and i == 0 else 0.0))
    return out


def _columns(lines: list[_Line], ncols: int) -> tuple[list[list[_Line]], float]:
    """The lines in `ncols` columns of even height (the shortest height they fit in), and that height."""
    steps = [STYLES[line.style][2] + line.space_before for line in lines]
    height = max(sum(steps) / ncols, max(steps))
    while True:
        cols, used = [[]], 0.0
        for line, step in zip(lines, steps):
            if used + step > height and cols[-1]:
                cols.append([])
                used = 0.0
            cols[-1].append(line)
            used += step
        if len(cols) <= ncols:
            return cols, height
        height += 2.0


def _draw_block(pdf, article: SampleArticle, x: float, y: float, ncols: int, colw: float) -> float:
    """Headline and heads across the block, then the text in columns; returns the block's bottom."""
    width = ncols * colw + (ncols - 1) * GUTTER
    for style, text in [("title", article.title)] + article.header:
        font, size, step = STYLES[style]
        pdf.set_font(font, size=size)
        for piece in wrap(text, width, pdf.get_string_width):
            y += step
            pdf.text(x + (width - pdf.get_string_width(piece)) / 2, y - 0.25 * size, piece)
    y += 10.0
    cols, height = _columns(_flow_lines(pdf, article, colw), ncols)
    for c, col in enumerate(cols):
        cy = y
        for i, line in enumerate(col):
            font, size, step = STYLES[line.style]
            cy += step + (line.space_before if i else 0.0)
            pdf.set_font(font, size=size)
            pdf.text(x + c * (colw + GUTTER) + line.indent, cy - 0.3 * size, line.text)
    return y + height


def _draw_margins(pdf, no: int) -> None:
    pdf.set_font("sans", size=8.5)
    pdf.text(MARGIN_X, 34, f"{PAPER}  {DATE_CN}  {WEEKDAY}")
    right = f"第{no:02d}版 · {SECTIONS[no - 1]}"
    pdf.text(PAGE_W - MARGIN_X - pdf.get_string_width(right), 34, right)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN_X, 42, PAGE_W - MARGIN_X, 42)
    pdf.set_font("sans", size=8)
    pdf.text(MARGIN_X, 818, "责任编辑 周敏  美术编辑 刘洋  校对 陈静")
    pdf.text(PAGE_W - MARGIN_X - pdf.get_string_width(str(no)), 818, str(no))


def text_pdf() -> bytes:
    """The printed pages as a PDF with a text layer (≈20 s: fpdf2 loads and subsets three CJK fonts)."""
    articles, pdf = sample_articles(), _fpdf()
    colw = (PAGE_W - 2 * MARGIN_X - 2 * GUTTER) / 3
    for no, rows in enumerate(PAGES, 1):
        pdf.add_page()
        _draw_margins(pdf, no)
        y = TOP
        for row in rows:
            x, bottom = MARGIN_X, y
            for index, ncols in row:
                bottom = max(bottom, _draw_block(pdf, articles[index], x, y, ncols, colw))
                x += ncols * (colw + GUTTER)
            assert bottom <= BOTTOM, f"page {no} overflows ({bottom:.0f} > {BOTTOM})"
            pdf.set_line_width(0.5)
            pdf.line(MARGIN_X, bottom + 8, PAGE_W - MARGIN_X, bottom + 8)
            y = bottom + 16
    return bytes(pdf.output())


def split_pages(pdf: bytes) -> list[bytes]:
    """Each page of the PDF as a PDF of its own, as digital editions publish them."""
    import pypdfium2 as pdfium

    doc, out = pdfium.PdfDocument(pdf), []
    for i in range(len(doc)):
        page = pdfium.PdfDocument.new()
        page.import_pages(doc, [i])
        buf = io.BytesIO()
        page.save(buf)
        out.append(buf.getvalue())
    doc.close()
    return out


def scans(pdf: bytes, dpi: int = 150) -> list:
    """The pages rendered as a scanner would (grayscale PIL images at `dpi`)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def image_pdf(images: list, dpi: int = 150) -> bytes:
    """An image-only PDF of the scans, as a scanner writes it."""
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buf.getvalue()


# ---- digital edition and Word --------------------------------------------------------------------------------------

_NAV = "".join(f'<li><a href="node_{n}.htm">第{n:02d}版：{s}</a></li>' for n, s in enumerate(SECTIONS, 1))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_body(article: SampleArticle) -> str:
    parts, items = [], []
    for kind, text in article.body:
        if kind != "bullet" and items:
            parts.append("<ul class='summary'>" + "".join(items) + "</ul>")
            items = []
        if kind == "bullet":
            items.append(f"<li>{_esc(text)}</li>")
        elif kind == "section":
            parts.append(f"<h3>{_esc(text)}</h3>")
        elif kind == "byline":
            parts.append(f'<p class="author">{_esc(text)}</p>')
        else:
            parts.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{_esc(text)}</p>")
    return "\n".join(parts)


def article_html(index: int) -> bytes:
    """One article's page of the digital edition (数字报), GBK-encoded, with the site's header, nav and footer."""
    article = sample_articles()[index]
    page = next(no for no, rows in enumerate(PAGES, 1) for row in rows for i, _ in row if i == index)
    heads = "".join(
        f"<h2>{_esc(t)}</h2>" if kind == "subtitle" else f"<h3>{_esc(t)}</h3>" for kind, t in article.header
    )
    html = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{PAPER}数字报-第{page:02d}版：{SECTIONS[page - 1]}-{_esc(article.title)}</title>
<link rel="stylesheet" href="../../style.css"><script>var _hmt = _hmt || []; function share(){{return false;}}</script>
</head><body>
<div class="header"><a href="../../index.htm"><img src="logo.png" alt="{PAPER}"></a>
<span>{DATE_CN} {WEEKDAY}</span> <a href="#">往期回顾</a> <a href="#">PDF版</a></div>
<div class="nav"><ul>{_NAV}</ul></div>
<div class="main"><div class="left"><img src="page_{page:02d}.jpg" usemap="#pagemap"></div>
<div class="article">
<h1>{_esc(article.title)}</h1>{heads}
<div class="info">{DATE_CN} 来源：{PAPER} 第{page:02d}版</div>
<div id="ozoom">
{_html_body(article)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="pager"><a href="#">上一篇</a> <a href="#">下一篇</a></div>
</div></div>
<!-- 统计代码 -->
<div class="footer"><p>株洲日报社版权所有 未经书面授权不得复制或建立镜像</p><p>湘ICP备00000000号</p></div>
</body></html>
"""
    return html.encode("gbk")


def docx() -> bytes:
    """The issue as a newsroom Word file: Heading 1 titles, Subtitle and Heading 2 heads, bulleted summaries."""
    from docx import Document

    doc = Document()
    for article in sample_articles():
        doc.add_heading(article.title, level=1)
        for kind, text in article.elements:
            if kind == "subtitle":
                doc.add_paragraph(text, style="Subtitle")
            elif kind == "section":
                doc.add_heading(text, level=2)
            elif kind == "bullet":
                doc.add_paragraph(text, style="List Bullet")
            else:
                doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---- measuring OCR -------------------------------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row of the table at a time in numpy."""
    import numpy as np

    if not a or not b:
        return len(a) + len(b)
    chars, idx = np.array([ord(c) for c in b]), np.arange(len(b) + 1)
    row = idx.copy()
    for i, ch in enumerate(a, 1):
        step = np.empty_like(row)
        step[0] = i
        step[1:] = np.minimum(row[1:] + 1, row[:-1] + (chars != ord(ch)))
        row = np.minimum.accumulate(step - idx) + idx  # then insertions, left to right
    return int(row[-1])


def issue_text(issue) -> str:
    """Titles, kickers and paragraphs in order, NFKC-normalised (full- and half-width forms alike), no whitespace."""
    import unicodedata

    parts = [t for a in issue.articles for t in [a.title, *a.kickers, *(p.text for p in a.paragraphs)]]
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "".join(parts)))


def cer(reference, hypothesis) -> float:
    """Character error rate of one issue's text against another's."""
    ref = issue_text(reference)
    return edit_distance(ref, issue_text(hypothesis)) / len(ref)
