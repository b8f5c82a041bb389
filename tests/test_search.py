"""Build and search the sample issue: the Python API contract, hybrid ranking, filters, errors."""

import json
import sqlite3

import pytest

import qa
from qa.archive import add, remove
from qa.errors import IndexMissing
from qa.index import Index
from qa.parse import parse_file


@pytest.fixture(scope="module")
def index(sample_index):
    ix = Index.open(sample_index)
    yield ix
    ix.close()


def test_search_returns_cited_passages(index):
    hits = index.search("市派驻村工作队有多少支?", k=5)
    assert 1 <= len(hits) <= 5
    p = hits[0]
    assert isinstance(p, qa.Passage)
    assert "市派驻村工作队45支" in p.text
    assert p.issue_id == "sample-issue"
    assert p.article_title == "362支工作队驻村助力乡村振兴"
    assert p.paragraph_no == 1
    assert p.citation == "株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    "question, title, fragment, max_rank",
    [
        ("市派驻村工作队有多少支?", "362支工作队驻村助力乡村振兴", "市派驻村工作队45支", 1),
        ("长株潭城际铁路上线运营的动车组车底有多少组?", "长株潭城铁实现“公交化”运营", "车底将达到21组", 1),
        ("高新技术产业增加值增长了多少?", "株洲四项工作获国务院督查激励", "增长13.8%", 1),
        ("how many work teams were dispatched?", "362支工作队驻村助力乡村振兴", "362支驻村工作队", 3),
        ("Who is the Party secretary of Zhuzhou?", "这场座谈会,他们成为座上宾", "市委书记曹慧泉", 3),
        ("What did high-tech industry value added grow by in 2020?", "株洲四项工作获国务院督查激励", "增长13.8%", 5),
    ],
)
def test_right_paragraph_ranks_high(index, question, title, fragment, max_rank):
    hits = index.search(question, k=10)
    ranks = [r for r, h in enumerate(hits, 1) if h.article_title == title and fragment in h.text]
    assert ranks and ranks[0] <= max_rank, [(h.article_title, h.text[:30]) for h in hits]


def test_modes_and_issue_filter(index):
    for mode in ("hybrid", "dense", "lexical"):
        assert index.search("城际铁路开行多少对列车", k=3, mode=mode)
    with pytest.raises(ValueError, match="unknown issue id 'no-such-issue'.*qa index list"):
        index.search("城际铁路", k=3, issues=["no-such-issue"])
    assert index.search("城际铁路", k=3, issues="sample-issue")
    with pytest.raises(ValueError, match="mode"):
        index.search("城际铁路", mode="fuzzy")


def test_no_text_returned_twice(tmp_path, sample_path):
    """The same issue indexed under two ids: each paragraph text comes back once."""
    path = tmp_path / "ix"
    add(path, [parse_file(sample_path), parse_file(sample_path, issue_id="copy")])
    hits = Index.open(path).search("驻村工作队", k=10)
    texts = [h.text for h in hits]
    assert len(texts) == len(set(texts)) == 10


def test_question_errors(index):
    with pytest.raises(ValueError, match="empty"):
        index.search("   ")
    with pytest.raises(ValueError, match="too long"):
        index.search("问" * 501)


def test_missing_index_is_one_clear_error(tmp_path):
    with pytest.raises(IndexMissing, match="qa index build"):
        Index.open(tmp_path / "nothing")


def test_retrieve_uses_default_index(sample_index, monkeypatch):
    monkeypatch.setenv("QA_INDEX", str(sample_index))
    hits = qa.retrieve("how many work teams were dispatched?", k=5)
    assert any("362支驻村工作队" in h.text for h in hits)


def test_index_is_self_describing(sample_index):
    manifest = json.loads((sample_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_id"] == "use-multilingual-v3" and manifest["dim"] == 512
    assert manifest["issues"]["sample-issue"]["passages"] == manifest["passages"] == 67
    assert (sample_index / manifest["files"]["dense"]).is_file()
    assert (sample_index / manifest["files"]["lexical"]).is_dir()
    con = sqlite3.connect(sample_index / "qa.db")
    assert con.execute("SELECT count(*) FROM passages").fetchone()[0] == 67
    assert con.execute("SELECT count(DISTINCT content_hash) FROM vectors").fetchone()[0] == 67


def test_index_answers_without_source_files(tmp_path, sample_path):
    src = tmp_path / "issue.txt"
    src.write_bytes(sample_path.read_bytes())
    add(tmp_path / "ix", [parse_file(src)])
    src.unlink()
    assert Index.open(tmp_path / "ix").search("车底", k=1)[0].article_title == "长株潭城铁实现“公交化”运营"


def test_ivf_dense_index_above_threshold(tmp_path, sample_path, monkeypatch):
    """Above QA_IVF_MIN passages the dense file is IVF; search, issue filters, add/remove and check still work."""
    import faiss

    from qa.store import check, dense

    monkeypatch.setenv("QA_IVF_MIN", "60")
    path = tmp_path / "ix"
    add(path, [parse_file(sample_path)])
    ix = Index.open(path)
    assert dense.is_ivf(ix.search_files().dense) and ix.search_files().dense.nlist == int(4 * 67**0.5)
    assert "市派驻村工作队45支" in ix.search("市派驻村工作队有多少支?", k=1)[0].text
    assert ix.search("车底", k=2, issues=["sample-issue"])
    copy = tmp_path / "copy.txt"
    copy.write_text("## 新闻\n\n株洲今天召开了一次关于城际铁路票价的座谈会。\n", encoding="utf-8")
    add(path, [parse_file(copy)])
    assert dense.is_ivf(ix.search_files().dense) and ix.search_files().dense.ntotal == 68
    assert ix.search("城际铁路票价座谈会", k=1)[0].issue_id == "copy"
    remove(path, ["copy"])
    assert ix.search_files().dense.ntotal == 67 and check(path)[0] == []
    monkeypatch.setenv("QA_IVF_MIN", "1000")  # below the threshold again: back to exact flat search
    remove(path, ["sample-issue"])
    add(path, [parse_file(sample_path)])
    assert isinstance(Index.open(path).search_files().dense, faiss.IndexIDMap2)
