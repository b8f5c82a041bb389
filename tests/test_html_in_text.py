"""HTML inside a .txt file (an issue saved from a web page or a CMS export under a text name): told from its tags and
read as HTML, so the sample issue wrapped in <p>, <div>, <h2> or <html> reads to the same articles as the sample
itself, and no tag reaches the index, through the command line and the chat's upload alike (fake model)."""

import html

import pytest
from fake_embedding import FAKE_MODEL
from helpers import cli

from qa import chat
from qa.index import Index
from qa.parse import parse_bytes, parse_file
from qa.parse.formats import sniff


def shape(issue):
    return [(a.title, a.kickers, a.bylines, [p.text for p in a.paragraphs]) for a in issue.articles]


def wrapped(sample_path, tag: str, document: bool) -> str:
    """The sample's lines as HTML: `## ` titles as <h2>, `### ` subtitles as <h3>, every other line a <tag>."""
    out = []
    for line in sample_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            out.append(f"<h3>{html.escape(line[4:])}</h3>")
        elif line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.strip():
            out.append(f"<{tag}>{html.escape(line)}</{tag}>")
    body = "\n".join(out)
    return (
        f"<!DOCTYPE html>\n<html><head><title>株洲日报</title></head><body>\n{body}\n</body></html>"
        if document
        else body
    )


def mixed(sample_path) -> str:
    """The sample in its text format with every third paragraph in <p> tags (a CMS export gone half-way)."""
    parts = sample_path.read_text(encoding="utf-8").split("\n\n")
    return "\n\n".join(f"<p>{p}</p>" if i % 3 == 0 and not p.startswith("#") else p for i, p in enumerate(parts))


@pytest.mark.parametrize(
    ("tag", "document"),
    [("p", True), ("p", False), ("div", True), ("div", False)],
    ids=["p-page", "p", "div-page", "div"],
)
def test_the_sample_wrapped_in_html_in_a_txt_file_reads_to_the_sample_articles(sample_path, tag, document):
    data = wrapped(sample_path, tag, document).encode("utf-8")
    assert sniff(data, "issue.txt") == "html"
    issue = parse_bytes(data, "sample-issue.txt")
    assert shape(issue) == shape(parse_file(sample_path))
    assert issue.paper == "株洲日报" and len(issue.articles) == 8


def test_a_text_issue_with_some_paragraphs_in_p_tags_reads_to_the_sample_articles(sample_path):
    data = mixed(sample_path).encode("gb18030")
    assert shape(parse_bytes(data, "sample-issue.txt")) == shape(parse_file(sample_path))


def test_one_paragraph_in_p_tags_is_enough_to_read_the_file_as_html():
    data = "## 标题\n\n<p>株洲日报讯 这是一段。</p>\n\n另一段<br>有换行。\n".encode()
    issue = parse_bytes(data, "x.txt")
    assert [(a.title, [p.text for p in a.paragraphs]) for a in issue.articles] == [
        ("标题", ["株洲日报讯 这是一段。", "另一段有换行。"])
    ]


def test_the_command_line_indexes_html_in_a_txt_file_without_its_tags(capsys, tmp_path, sample_path):
    path = tmp_path / "株洲日报-2021-05-08.txt"
    path.write_text(wrapped(sample_path, "p", document=True), encoding="utf-8")
    index = tmp_path / "index"
    code, out, err = cli(capsys, "index", "add", path, "--index-dir", index, "--model", FAKE_MODEL, "-q")
    assert code == 0 and "株洲日报-2021-05-08: added, " in out, err
    texts = [p.text for p in Index.open(index).search("市派驻村工作队有多少支", k=10, mode="lexical")]
    assert texts and not any("<" in t or "&" in t for t in texts)
    assert any("市派驻村工作队45支" in t for t in texts)


def test_the_chat_upload_reads_html_in_a_txt_file_as_the_command_line_does(tmp_path, sample_path):
    path = tmp_path / "upload.txt"
    path.write_text(mixed(sample_path), encoding="utf-8")
    (issue,), refused = chat.read_uploads([str(path)])
    assert refused == [] and shape(issue) == shape(parse_file(sample_path))
