"""Issues as papers publish them, through the command line: which files make one issue, page numbers and OCR
confidence stored per passage and shown in citations, rebuilds that read a multi-file issue again, bad pages
refused with nothing lost, an index of format 2 read and upgraded (fake model: archive mechanics, not retrieval)."""

import json
import shutil
import sqlite3

import pytest
import sample_formats
from fake_embedding import FAKE_MODEL
from helpers import cli, cut_sample, one_line, state

from qa import store
from qa.index import Index
from qa.inputs import read_uploads
from qa.search import LOW_CONFIDENCE_FLAG

PAGE_OF_ARTICLE = [1, 1, 2, 2, 2, 3, 4, 4]
ISSUE = "株洲日报-2021-05-08"
VILLAGE = "362支工作队驻村助力乡村振兴"  # article 1, page 1
FLASH_MOB = "红歌“快闪”颂党"  # article 5, page 2


@pytest.fixture(scope="module")
def pages(printed, tmp_path_factory):
    """The four printed pages as separate PDFs named without a date, as a paper's download page may name them."""
    d = tmp_path_factory.mktemp("pages")
    out = []
    for no, f in enumerate(printed["pages"], 1):
        out.append(d / f"page{no}.pdf")
        shutil.copy(f, out[-1])
    return out


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The digital edition: one GBK page per article in a folder named after the day."""
    folder = tmp_path_factory.mktemp("edition") / "zzrb-2021-05-08"
    folder.mkdir()
    for i in range(8):
        (folder / f"content_{i + 1}.htm").write_bytes(sample_formats.article_html(i))
    return folder


def add(capsys, index, *argv):
    return cli(capsys, "index", "add", *argv, "--index-dir", index, "--model", FAKE_MODEL, "-q")


def issues(capsys, index) -> list[dict]:
    code, out, _ = cli(capsys, "index", "list", "--json", "--index-dir", index)
    assert code == 0
    return json.loads(out)


def ask_json(capsys, index, question: str, *argv) -> dict:
    code, out, err = cli(capsys, "ask", question, "--json", "--mode", "lexical", "--index-dir", index, *argv)
    assert code == 0, err
    return json.loads(out)


def test_pdf_pages_given_with_a_date_are_one_issue_cited_by_page(capsys, tmp_path, pages):
    index = tmp_path / "index"
    code, out, err = add(capsys, index, *pages, "--date", "2021-05-08")
    assert code == 0, err
    assert [(i["issue_id"], i["date"], i["articles"]) for i in issues(capsys, index)] == [(ISSUE, "2021-05-08", 8)]
    top = ask_json(capsys, index, "快闪 红歌")["passages"][0]
    assert (top["article_title"], top["page"], top["low_confidence"]) == (FLASH_MOB, 2, False)
    assert top["citation"] == f"株洲日报 · 2021-05-08 · 第2版 · {FLASH_MOB} · 第{top['paragraph_no']}段"
    code, out, _ = cli(capsys, "ask", "驻村工作队 多少支", "--mode", "lexical", "--index-dir", index)
    assert f"[1] 株洲日报 · 2021-05-08 · 第1版 · {VILLAGE} · 第1段" in out


def test_every_passage_keeps_the_page_its_article_was_printed_on(tmp_path, pages):
    from qa.archive import add as add_issues
    from qa.inputs import read_issue_files

    add_issues(tmp_path / "index", read_issue_files(pages, date="2021-05-08"), model=FAKE_MODEL)
    index = Index.open(tmp_path / "index")
    ids = [int(i) for i in index.search_files().ids]
    by_article = {(p["article_no"], p["page"]) for p in index.store.passages(ids).values()}
    index.close()
    assert sorted(by_article) == [(no, page) for no, page in enumerate(PAGE_OF_ARTICLE, 1)]


def test_a_folder_of_article_pages_is_one_issue_named_after_its_day(capsys, tmp_path, edition):
    index = tmp_path / "index"
    code, _, err = add(capsys, index, edition)
    assert code == 0, err
    assert [(i["issue_id"], i["articles"]) for i in issues(capsys, index)] == [(ISSUE, 8)]
    top = ask_json(capsys, index, "快闪 红歌")["passages"][0]
    assert (top["article_title"], top["page"]) == (FLASH_MOB, 2)
    assert "第2版" in top["citation"]


def test_text_files_given_together_stay_one_issue_each(capsys, tmp_path, sample_path):
    files = cut_sample(sample_path, tmp_path)
    code, _, err = add(capsys, tmp_path / "index", files["A"], files["B"])
    assert code == 0, err
    got = issues(capsys, tmp_path / "index")
    assert sorted(i["issue_id"] for i in got) == ["株洲日报-2021-05-09", "株洲日报-2021-05-10"]
    top = ask_json(capsys, tmp_path / "index", "驻村工作队 多少支")["passages"][0]
    assert top["page"] is None and "版" not in top["citation"]


def test_page_files_of_two_days_given_together_make_one_issue_a_day(capsys, tmp_path, printed):
    named = []
    for day, f in zip(("2021-05-08", "2021-05-08", "2021-05-09", "2021-05-09"), printed["pages"]):
        named.append(tmp_path / f"zzrb-{day}-{len(named) + 1}.pdf")
        shutil.copy(f, named[-1])
    code, _, err = add(capsys, tmp_path / "index", *named)
    assert code == 0, err
    got = {i["issue_id"]: i["articles"] for i in issues(capsys, tmp_path / "index")}
    assert got == {ISSUE: 5, "株洲日报-2021-05-09": 3}


def test_a_folder_holding_two_days_is_refused_in_one_line(capsys, tmp_path, printed):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(printed["pages"][0], folder / "zzrb-2021-05-08.pdf")
    shutil.copy(printed["pages"][1], folder / "zzrb-2021-05-09.pdf")
    code, _, err = add(capsys, tmp_path / "index", folder)
    assert code == 1 and one_line(err)
    assert "a folder is one issue" in err and "2021-05-08, 2021-05-09" in err
    assert not (tmp_path / "index").exists()


def test_rebuild_reads_a_multi_page_issue_again_with_its_pages(capsys, tmp_path, pages):
    index = tmp_path / "index"
    assert add(capsys, index, *pages, "--date", "2021-05-08")[0] == 0
    before = ask_json(capsys, index, "快闪 红歌")["passages"]
    code, out, err = cli(capsys, "index", "rebuild", "--index-dir", index, "-q")
    assert code == 0, err
    assert f"{ISSUE}: reread, 67 passages" in out and "1 issue(s) read again from their kept files" in out
    after = ask_json(capsys, index, "快闪 红歌")["passages"]
    assert [(p["citation"], p["page"]) for p in after] == [(p["citation"], p["page"]) for p in before]
    assert after[0]["page"] == 2


def test_a_bad_page_refuses_the_whole_call_and_loses_nothing(capsys, tmp_path, pages, sample_path):
    index = tmp_path / "index"
    assert add(capsys, index, sample_path)[0] == 0
    was = state(index)
    broken = tmp_path / "page5.pdf"
    broken.write_bytes(pages[0].read_bytes()[:2000])  # cut short in the download
    code, _, err = add(capsys, index, *pages, broken, "--date", "2021-05-08")
    assert code == 1 and one_line(err)
    assert "page5.pdf" in err and "nothing was indexed" in err
    assert state(index) == was


def test_page_progress_bars_go_to_stderr_unless_quiet(capsys, tmp_path, pages):
    argv = ["index", "add", pages[0], "--index-dir", tmp_path / "index", "--model", FAKE_MODEL]
    code, _, err = cli(capsys, *argv)
    assert code == 0 and "reading page1.pdf" in err and "page/s" in err
    code, _, err = cli(capsys, *argv, "--replace", "-q")
    assert code == 0 and err == ""


def test_uploads_group_like_files_given_by_name_and_report_a_bad_one(pages, sample_path):
    blobs = [(p.name, p.read_bytes()) for p in pages] + [
        ("sample-issue.txt", sample_path.read_bytes()),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
    ]
    got, failed = read_uploads(blobs)
    assert [(i.issue_id, len(i.articles), len(i.sources)) for i in got] == [
        ("sample-issue", 8, 1),
        ("page1", 8, 4),
    ]
    assert [p.page for p in got[1].articles[4].paragraphs][:1] == [2]
    assert len(failed) == 1 and failed[0].startswith("old.doc: an old binary Word .doc")


def test_an_index_of_format_2_is_read_and_gains_page_columns_on_its_next_write(capsys, tmp_path, pages, sample_path):
    index = tmp_path / "index"
    assert add(capsys, index, sample_path)[0] == 0
    con = sqlite3.connect(index / store.DB_NAME)
    con.execute("ALTER TABLE passages DROP COLUMN page")
    con.execute("ALTER TABLE passages DROP COLUMN confidence")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    con.commit()
    con.close()
    top = ask_json(capsys, index, "驻村工作队 多少支")["passages"][0]
    assert top["page"] is None and top["citation"].endswith(f"{VILLAGE} · 第1段")
    assert add(capsys, index, *pages, "--date", "2021-05-08")[0] == 0
    top = ask_json(capsys, index, "快闪 红歌", "--issue", ISSUE)["passages"][0]
    assert top["page"] == 2
    code, out, _ = cli(capsys, "index", "check", "--index-dir", index)
    assert code == 0, out
    assert json.loads((index / store.MANIFEST).read_text())["format_version"] == store.FORMAT_VERSION == 3


@pytest.mark.slow
def test_a_blurred_scan_paragraph_is_cited_with_an_ocr_warning(capsys, tmp_path, printed):
    from PIL import Image, ImageFilter

    image = Image.open(printed["pngs"][1])
    blurred = image.crop((800, 1040, 1241, 1420)).filter(ImageFilter.GaussianBlur(2.2))  # 红歌“快闪”颂党, blurred
    scan = tmp_path / "zzrb-2021-05-08-blurred.png"
    scan.write_bytes(sample_formats.png(blurred))
    index = tmp_path / "index"
    code, _, err = add(capsys, index, scan)
    assert code == 0, err
    hits = ask_json(capsys, index, "快闪 红歌", "-k", "10")["passages"]
    flagged = [h for h in hits if h["low_confidence"]]
    assert flagged and all(h["confidence"] < 0.85 and h["citation"].endswith(LOW_CONFIDENCE_FLAG) for h in flagged)
    assert all(not h["citation"].endswith(LOW_CONFIDENCE_FLAG) for h in hits if not h["low_confidence"])
    code, out, _ = cli(capsys, "ask", "快闪 红歌", "-k", "10", "--mode", "lexical", "--index-dir", index)
    assert LOW_CONFIDENCE_FLAG in out
