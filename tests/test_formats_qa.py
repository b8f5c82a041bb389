"""The sample's questions find the right paragraph first as often in every format the issue comes in, added the way a
user adds it (`qa index build` on the files or their folder; scans, slow to OCR, read once as `qa index add` reads
them), as in the text version; from scans within 0.03. Each right first hit from pages is cited with the page its
article was printed on. (Scans through `qa index build` on the four PNGs measured 0.826, text 0.841.)"""

import json

import pytest
import sample_formats

from qa import archive
from qa.cli import main
from qa.evaluate import normalize_answer
from qa.index import Index
from qa.parse import parse_file

ROOT = sample_formats.ROOT
QUESTIONS = [
    q
    for q in map(json.loads, (ROOT / "data" / "questions" / "sample-qa.jsonl").read_text(encoding="utf-8").splitlines())
    if q["answers"]
]
PAGE_OF_ARTICLE = [1, 1, 2, 2, 2, 3, 4, 4]


def right_paragraph_first(folder, article_of: dict, *argv, issue=None) -> tuple[float, set]:
    """(share of answerable questions whose first hit is a paragraph of the question's article holding an answer,
    the pages those first hits are cited with); the index built by `qa index build ARGV` as one issue (or, for the
    scans already read once by OCR, by archive.build from the issue read_issue_files made of them)."""
    if issue is not None:
        archive.build(folder / "index", [issue])
    else:
        assert main(["index", "build", *map(str, argv), "--index-dir", str(folder / "index"), "-q"]) == 0
    index = Index.open(folder / "index")
    assert len(index.issues()) == 1
    right, pages = 0, set()
    for q in QUESTIONS:
        top = index.search(q["question"], k=10)[0]
        text = normalize_answer(top.text)
        if top.article_no == article_of[q["article_title"]] and any(normalize_answer(a) in text for a in q["answers"]):
            right += 1
            pages.add((top.page, PAGE_OF_ARTICLE[top.article_no - 1], f"第{top.page}版" in top.citation))
    index.close()
    return right / len(QUESTIONS), pages


@pytest.fixture(scope="module")
def article_of(sample_path):
    return {a.title: a.no for a in parse_file(sample_path).articles}


@pytest.fixture(scope="module")
def text_rate(sample_path, article_of, tmp_path_factory):
    return right_paragraph_first(tmp_path_factory.mktemp("text"), article_of, sample_path)[0]


def files_of(fmt: str, request, tmp_path) -> list:
    """What `qa index build` is given for the format: PDF pages with --date, a .docx, a folder of article pages."""
    if fmt == "pdf":
        return [*request.getfixturevalue("printed")["pages"], "--date", "2021-05-08"]
    if fmt == "docx":
        (tmp_path / "zzrb-2021-05-08.docx").write_bytes(sample_formats.docx())
        return [tmp_path / "zzrb-2021-05-08.docx"]
    folder = tmp_path / "zzrb-2021-05-08"
    folder.mkdir()
    for i in range(8):
        (folder / f"content_{i + 1}.htm").write_bytes(sample_formats.article_html(i))
    return [folder]


@pytest.mark.slow
@pytest.mark.parametrize("fmt, tolerance", [("html", 0.0), ("pdf", 0.0), ("docx", 0.0), ("scan", 0.03)])
def test_each_format_finds_the_right_paragraph_first_as_often_as_text(
    fmt, tolerance, request, tmp_path, article_of, text_rate
):
    if fmt == "scan":  # OCR is slow: the session's scan, read as `qa index add` reads it (qa.inputs)
        rate, pages = right_paragraph_first(tmp_path, article_of, issue=request.getfixturevalue("scanned_issue"))
    else:
        rate, pages = right_paragraph_first(tmp_path, article_of, *files_of(fmt, request, tmp_path))
    print(f"{fmt}: right paragraph first {rate:.3f} (text {text_rate:.3f})")
    assert text_rate >= 0.8
    assert rate >= text_rate - tolerance
    if fmt == "docx":  # a Word file has no printed pages
        assert all(page is None and not cited for page, _, cited in pages)
    else:
        assert all(page == printed and cited for page, printed, cited in pages)
