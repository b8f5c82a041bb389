"""The sample issue as papers publish it (printed PDF pages, scans, digital-edition HTML, Word) reads to the same
articles and paragraphs as the text version; bad files are refused with one line."""

import hashlib
import io
import random
import unicodedata

import pytest
import sample_formats
from sample_formats import cer

from qa.parse import LOW_CONFIDENCE, ParseError, parse_bytes, parse_file, parse_files
from qa.parse.layout import join

PAGE_OF_ARTICLE = [1, 1, 2, 2, 2, 3, 4, 4]


@pytest.fixture(scope="module")
def text_issue(sample_path):
    return parse_file(sample_path)


def shape(issue):
    """Everything the index and citations use of an issue, except where in a file each paragraph was read."""
    return [
        (a.no, a.title, a.kickers, a.reporters, a.bylines, [(p.no, p.text, p.kind, p.section) for p in a.paragraphs])
        for a in issue.articles
    ]


def pages_of(issue):
    """The page of each article, and that all its paragraphs share it."""
    pages = []
    for a in issue.articles:
        assert len({p.page for p in a.paragraphs}) == 1, a.title
        pages.append(a.paragraphs[0].page)
    return pages


def all_text(issue):
    return "\n".join(t for a in issue.articles for t in [a.title, *a.kickers, *(p.text for p in a.paragraphs)])


# ---- printed pages with a text layer ------------------------------------------------------------------------------


def test_text_layer_pdf_reads_to_the_same_articles_and_paragraphs(printed, text_issue):
    got = parse_file(printed["pdf"])
    assert shape(got) == shape(text_issue)
    assert pages_of(got) == PAGE_OF_ARTICLE
    assert all(p.confidence is None for a in got.articles for p in a.paragraphs)
    assert (got.issue_id, got.paper, got.date) == ("株洲日报-2021-05-08", "株洲日报", "2021-05-08")
    assert [(s.format, s.pages) for s in got.sources] == [("pdf", (1, 2, 3, 4))]


def test_pdf_page_headers_footers_and_folios_are_dropped(printed):
    text = all_text(parse_file(printed["pdf"]))
    for furniture in ("星期六", "版 · ", "责任编辑", "美术编辑", "2021年5月8日"):
        assert furniture not in text


def test_paragraphs_cut_by_column_and_articles_side_by_side_read_whole(printed, text_issue):
    got = parse_file(printed["pages"][1])  # page 2: a three-column article over a two-column and a one-column one
    assert [a.title for a in got.articles] == [a.title for a in text_issue.articles[2:5]]
    assert shape(got) == [(n - 2, *rest) for n, *rest in shape(text_issue)[2:5]]


def test_pdf_pages_as_separate_files_assemble_in_page_order(printed, text_issue):
    files = printed["pages"]
    got = parse_files([files[2], files[0], files[3], files[1]], date="2021-05-08")
    assert shape(got) == shape(text_issue)
    assert pages_of(got) == PAGE_OF_ARTICLE
    assert [s.path for s in got.sources] == [str(f) for f in files]
    assert [s.pages for s in got.sources] == [(1,), (2,), (3,), (4,)]
    hashes = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    assert got.source_hash == hashlib.sha256("\n".join(hashes).encode()).hexdigest()
    assert got.issue_id == "株洲日报-2021-05-08"


# ---- scans ---------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_scanned_pdf_reads_at_150_dpi_with_under_2_percent_character_errors(scanned_issue, text_issue):
    assert cer(text_issue, scanned_issue) <= 0.02
    assert len(scanned_issue.articles) == len(text_issue.articles)
    assert [len(a.paragraphs) for a in scanned_issue.articles] == [len(a.paragraphs) for a in text_issue.articles]
    heads = [unicodedata.normalize("NFKC", k) for k in scanned_issue.articles[1].kickers]  # OCR reads ? as ？
    assert heads == [
        "连续6年,共有12项工作获表彰",
        "相关链接",
        "这些工作为何能获通报表扬?",
        "6年来,我市这些工作获国务院表彰激励",
    ]
    assert pages_of(scanned_issue) == PAGE_OF_ARTICLE
    assert scanned_issue.sources[0].format == "pdf"


@pytest.mark.slow
def test_scanned_paragraphs_carry_their_ocr_confidence(scanned_issue):
    paragraphs = [p for a in scanned_issue.articles for p in a.paragraphs]
    assert all(0 < p.confidence <= 1 for p in paragraphs)
    assert sum(p.low_confidence for p in paragraphs) == sum(p.confidence < LOW_CONFIDENCE for p in paragraphs)
    assert sum(p.confidence >= LOW_CONFIDENCE for p in paragraphs) >= 0.9 * len(paragraphs)


@pytest.mark.slow
def test_png_scan_of_one_page_reads_its_three_articles(printed, text_issue):
    got = parse_file(printed["pngs"][1])
    want = text_issue.articles[2:5]
    assert len(got.articles) == 3
    assert [len(a.paragraphs) for a in got.articles] == [len(a.paragraphs) for a in want]
    assert pages_of(got) == [2, 2, 2]
    assert got.sources[0].format == "image"
    reference = type(text_issue)("p2", None, None, "p2", "", want)
    assert cer(reference, got) <= 0.02


@pytest.mark.slow
def test_blurred_scan_is_flagged_low_confidence(printed, text_issue):
    from PIL import Image, ImageFilter

    image = Image.open(printed["pngs"][1])
    article = image.crop((800, 1040, 1241, 1420)).filter(ImageFilter.GaussianBlur(2.2))  # 红歌“快闪”颂党, blurred
    got = parse_bytes(sample_formats.png(article), "blurred.png")
    paragraphs = [p for a in got.articles for p in a.paragraphs]
    assert paragraphs and any(p.low_confidence for p in paragraphs)


# ---- digital edition and Word ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The digital edition of the issue: one GBK page per article, named as the site numbers them."""
    folder = tmp_path_factory.mktemp("edition") / "zzrb-2021-05-08"
    folder.mkdir()
    for i in range(8):
        (folder / f"content_{PAGE_OF_ARTICLE[i]:02d}_{i + 1}.htm").write_bytes(sample_formats.article_html(i))
    return folder


def test_digital_edition_folder_reads_to_the_same_articles(edition, text_issue):
    got = parse_files(edition)
    assert shape(got) == shape(text_issue)
    assert pages_of(got) == PAGE_OF_ARTICLE
    assert (got.issue_id, got.date, got.source) == ("株洲日报-2021-05-08", "2021-05-08", str(edition))
    assert [s.format for s in got.sources] == ["html"] * 8
    text = all_text(got)
    for furniture in ("往期回顾", "分享到", "版权所有", "来源：", "第01版", "上一篇", "_hmt"):
        assert furniture not in text


def test_html_is_told_by_its_markup_not_its_name(tmp_path, text_issue):
    path = tmp_path / "article.txt"
    path.write_bytes(sample_formats.article_html(1))
    got = parse_file(path)
    assert shape(got) == [(1, *shape(text_issue)[1][1:])]
    assert got.sources[0].format == "html"


def test_word_file_reads_to_the_same_articles(tmp_path, text_issue):
    path = tmp_path / "zzrb-2021-05-08.docx"
    path.write_bytes(sample_formats.docx())
    got = parse_file(path)
    assert shape(got) == shape(text_issue)
    assert got.sources[0].format == "docx"


def test_word_tables_become_one_item_per_row(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_heading("株洲一季度主要指标", level=1)
    doc.add_paragraph("一季度,全市经济运行稳中向好。")
    table = doc.add_table(rows=2, cols=2)
    for r, row in enumerate([("指标", "增速"), ("地区生产总值", "18.1%")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buf = io.BytesIO()
    doc.save(buf)
    [article] = parse_bytes(buf.getvalue(), str(tmp_path / "t.docx")).articles
    assert article.title == "株洲一季度主要指标"
    assert [(p.text, p.kind) for p in article.paragraphs] == [
        ("一季度,全市经济运行稳中向好。", "body"),
        ("指标 | 增速", "list"),
        ("地区生产总值 | 18.1%", "list"),
    ]


def test_wrapped_lines_join_without_a_space_in_chinese_and_with_one_in_english():
    assert join("市派驻村工作队", "45支") == "市派驻村工作队45支"
    assert join("work teams were", "dispatched") == "work teams were dispatched"
    assert join("well-dis-", "patched") == "well-dispatched"
    assert join("记者/李军 ", "通讯员") == "记者/李军 通讯员"


# ---- bad input -----------------------------------------------------------------------------------------------------


def encrypted_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="reader")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(20, 30, "Zhuzhou Daily, page 1")
    return bytes(pdf.output())


def drawing_only_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.add_page()
    pdf.line(40, 42, 555, 42)
    pdf.rect(40, 60, 200, 100)
    return bytes(pdf.output())


def image(width: int, height: int) -> bytes:
    from PIL import Image

    return sample_formats.png(Image.new("L", (width, height), 255))


def truncated_docx() -> bytes:
    data = sample_formats.docx()
    return data[: len(data) // 2]


def zip_without_document() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("content.xml", "<office/>")
    return buf.getvalue()


NAV_ONLY_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>株洲日报数字报</title></head><body>
<div class="nav"><a href="node_1.htm">第01版：要闻</a> <a href="node_2.htm">第02版：要闻</a></div>
<script>var a = 1;</script><div class="footer"><a href="#">版权所有</a></div></body></html>""".encode()


@pytest.mark.parametrize(
    "name, data, why",
    [
        ("locked.pdf", encrypted_pdf, "the PDF is encrypted (password protected)"),
        ("drawing.pdf", drawing_only_pdf, "the PDF has neither text nor images on any page"),
        ("broken.pdf", lambda: b"%PDF-1.7\n" + random.Random(1).randbytes(500), "not a readable PDF"),
        ("thumb.png", lambda: image(80, 60), "image too small to read (80×60 px)"),
        ("blank.png", lambda: image(1240, 1754), "no text found in the image"),
        ("cut.docx", truncated_docx, "corrupt .docx"),
        ("sheet.docx", zip_without_document, "a ZIP file that is not a Word .docx"),
        ("old.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "an old binary Word .doc"),
        ("nav.html", lambda: NAV_ONLY_HTML, "no article text found in the page"),
    ],
)
def test_unreadable_files_are_refused_in_one_line(tmp_path, name, data, why):
    path = tmp_path / name
    path.write_bytes(data())
    with pytest.raises(ParseError) as err:
        parse_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {why}")
    assert "\n" not in message


def test_one_bad_file_stops_the_issue_and_names_the_file(tmp_path, printed):
    bad = tmp_path / "02.png"
    bad.write_bytes(image(80, 60))
    with pytest.raises(ParseError, match=f"^{bad}: image too small"):
        parse_files([printed["pages"][0], bad])
    with pytest.raises(ParseError, match="no such file or folder"):
        parse_files([tmp_path / "missing.pdf"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ParseError, match="no issue files found"):
        parse_files(empty)
