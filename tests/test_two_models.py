"""An index of two embedding models (USE and multilingual-e5-small) on a few articles of the sample: added to a USE
index without re-embedding it, listed in the manifest, fused at search time. e5 embeds passages slowly (~5 a
second here), so only these tests embed with it; the other fixtures stay USE-only."""

import json
import sqlite3

import pytest
from helpers import copy

from qa import archive, store
from qa.cli import main
from qa.e5 import E5_MODEL
from qa.embed import DEFAULT_MODEL, load
from qa.index import Index
from qa.inputs import read_issue_files

BOTH = [DEFAULT_MODEL, E5_MODEL]


@pytest.fixture(scope="module")
def articles(sample_path, tmp_path_factory):
    """Issue files of the sample's first two articles (the work teams) and of its third."""
    arts = ["## " + a for a in sample_path.read_text(encoding="utf-8").split("\n## ")[1:]]
    d = tmp_path_factory.mktemp("two-models")
    first, third = d / "zz-2021-05-09.txt", d / "zz-2021-05-10.txt"
    first.write_text("\n".join(arts[:2]), encoding="utf-8")
    third.write_text(arts[2], encoding="utf-8")
    return first, third


def use_vectors(path) -> dict:
    con = sqlite3.connect(path / store.DB_NAME)
    try:
        return dict(con.execute("SELECT content_hash, vector FROM vectors WHERE model_id = ?", (DEFAULT_MODEL,)))
    finally:
        con.close()


@pytest.fixture(scope="module")
def both(articles, tmp_path_factory):
    """A USE index of the first file, to which `qa index rebuild --add-model` adds e5; (path, USE vectors before)."""
    path = tmp_path_factory.mktemp("both") / "ix"
    archive.build(path, read_issue_files([articles[0]]))
    before = use_vectors(path)
    use = load(DEFAULT_MODEL)
    mp = pytest.MonkeyPatch()
    mp.setattr(use, "encode_documents", lambda *a, **k: pytest.fail("USE re-embedded while adding a model"))
    try:
        assert main(["index", "rebuild", "--add-model", E5_MODEL, "--index-dir", str(path), "-q"]) == 0
    finally:
        mp.undo()
    return path, before


def test_adding_a_model_keeps_the_other_models_vectors(both):
    path, before = both
    assert use_vectors(path) == before
    assert Index(path).models == BOTH
    assert store.check(path)[0] == []


def test_manifest_lists_every_model_and_its_dense_file(both):
    path, before = both
    manifest = json.loads((path / store.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["model_id"] == DEFAULT_MODEL and list(manifest["models"]) == BOTH
    assert manifest["models"][E5_MODEL]["dim"] == 384 and manifest["models"][DEFAULT_MODEL]["dim"] == 512
    for entry in manifest["models"].values():
        assert (path / entry["dense"]).is_file()
    con = sqlite3.connect(path / store.DB_NAME)
    counts = dict(con.execute("SELECT model_id, count(*) FROM vectors GROUP BY model_id"))
    assert counts == {DEFAULT_MODEL: len(before), E5_MODEL: len(before)}


def test_search_fuses_lexical_and_both_models(both):
    """The reader's 市里派 for the paper's 市派: the part, not the total, comes first."""
    hits = Index(both[0]).search("市里派了多少支驻村工作队?", k=3)
    assert "市派驻村工作队45支" in hits[0].text
    assert set(hits[0].scores) == {"lexical", *BOTH}


def test_an_added_issue_is_embedded_by_both_models_and_readding_it_embeds_nothing(both, articles, tmp_path):
    path = copy(both[0], tmp_path / "ix")
    stats: dict = {}
    report = archive.add(path, read_issue_files([articles[1]]), stats=stats)[0]
    assert report.status == "added" and stats["embedded"] == 2 * report.embedded > 0
    assert set(stats) >= {f"embed_s {DEFAULT_MODEL}", f"embed_s {E5_MODEL}"}
    stats = {}
    assert archive.add(path, read_issue_files([articles[1]]), stats=stats)[0].status == "unchanged"
    assert stats["embedded"] == 0
    stats = {}
    archive.build(path, read_issue_files(list(articles)), model=",".join(BOTH), stats=stats)
    assert stats["embedded"] == 0 and Index(path).models == BOTH and store.check(path)[0] == []


def test_a_model_the_index_lacks_is_refused_with_the_fix(both, articles, capsys):
    code = main(["index", "add", str(articles[1]), "--index-dir", str(both[0]), "--model", DEFAULT_MODEL, "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "qa index rebuild --model use-multilingual-v3" in err
