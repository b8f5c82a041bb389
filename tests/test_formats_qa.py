"""The sample's questions find the right paragraph first as often in every format the issue comes in (an index built
with qa.index.write from the parsed issue) as in the text version; from scans within 0.03."""

import json

import pytest
import sample_formats

from qa.evaluate import normalize_answer
from qa.index import Index, write
from qa.parse import parse_bytes, parse_file, parse_files

ROOT = sample_formats.ROOT
QUESTIONS = [
    q
    for q in map(json.loads, (ROOT / "data" / "questions" / "sample-qa.jsonl").read_text(encoding="utf-8").splitlines())
    if q["answers"]
]


def right_paragraph_first(issue, folder, article_of: dict) -> float:
    """Share of answerable questions whose first hit is a paragraph of the question's article holding an answer."""
    write(folder / "index", [issue], fresh=True)
    index = Index.open(folder / "index")
    right = 0
    for q in QUESTIONS:
        top = index.search(q["question"], k=10)[0]
        text = normalize_answer(top.text)
        right += top.article_no == article_of[q["article_title"]] and any(
            normalize_answer(a) in text for a in q["answers"]
        )
    index.close()
    return right / len(QUESTIONS)


@pytest.fixture(scope="module")
def article_of(sample_path):
    return {a.title: a.no for a in parse_file(sample_path).articles}


@pytest.fixture(scope="module")
def text_rate(sample_path, article_of, tmp_path_factory):
    return right_paragraph_first(parse_file(sample_path), tmp_path_factory.mktemp("text"), article_of)


def read_as(fmt: str, request, tmp_path):
    if fmt == "pdf":
        return parse_file(request.getfixturevalue("printed")["pdf"])
    if fmt == "scan":
        return request.getfixturevalue("scanned_issue")
    if fmt == "docx":
        return parse_bytes(sample_formats.docx(), str(tmp_path / "sample.docx"))
    for i in range(8):
        (tmp_path / f"{i + 1:02d}.html").write_bytes(sample_formats.article_html(i))
    return parse_files(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("fmt, tolerance", [("html", 0.0), ("pdf", 0.0), ("docx", 0.0), ("scan", 0.03)])
def test_each_format_finds_the_right_paragraph_first_as_often_as_text(
    fmt, tolerance, request, tmp_path, article_of, text_rate
):
    issue = read_as(fmt, request, tmp_path)
    rate = right_paragraph_first(issue, tmp_path, article_of)
    print(f"{fmt}: right paragraph first {rate:.3f} (text {text_rate:.3f})")
    assert text_rate >= 0.8
    assert rate >= text_rate - tolerance
