"""Never lose an issue: build refuses to drop issues added since, every added file is kept in the index, rebuild
re-reads those kept files, and a lost qa.db is never silently replaced by a new index."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from fake_embedding import FAKE_MODEL
from helpers import A_ID, B_ID, S_ID, cli, copy, state

from qa import store
from qa.cli import main
from qa.index import Index, write
from qa.parse import parse_bytes


@pytest.fixture(scope="module")
def files(tmp_path_factory, sample_path) -> dict[str, Path]:
    """The sample cut into two issues (A: articles 1-4, B: 5-8), and the sample itself, as copies we may delete."""
    d = tmp_path_factory.mktemp("issues")
    arts = ["## " + a for a in sample_path.read_text(encoding="utf-8").split("\n## ")[1:]]
    out = {"A": d / "zz-2021-05-09.txt", "B": d / "zz-2021-05-10.txt", "S": d / "sample-issue.txt"}
    out["A"].write_text("\n".join(arts[:4]), encoding="utf-8")
    out["B"].write_text("\n".join(arts[4:]), encoding="utf-8")
    shutil.copy(sample_path, out["S"])
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory, files) -> Path:
    """Index of A and the sample built by `qa index build`. Copy before writing."""
    path = tmp_path_factory.mktemp("base") / "index"
    argv = ["index", "build", str(files["A"]), str(files["S"]), "--index-dir", str(path), "--model", FAKE_MODEL, "-q"]
    assert main(argv) == 0
    return path


def issue_ids(path: Path) -> set[str]:
    return {i["issue_id"] for i in Index(path).issues()}


def kept(path: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in (path / "sources").iterdir()} if (path / "sources").is_dir() else {}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_build_refuses_to_drop_issues_added_since_and_names_them(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    assert cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")[0] == 0
    code, _, err = cli(capsys, "index", "build", files["A"], files["S"], "--index-dir", path, "-q")
    assert code == 1 and err.startswith("qa: error: ") and err.count("\n") == 1
    assert B_ID in err and "--fresh" in err
    assert issue_ids(path) == {A_ID, B_ID, S_ID}
    code, _, err = cli(capsys, "index", "build", files["A"], files["S"], files["B"], "--index-dir", path, "-q")
    assert code == 0, err
    assert issue_ids(path) == {A_ID, B_ID, S_ID}
    code, _, err = cli(capsys, "index", "build", "--fresh", files["A"], "--index-dir", path, "-q")
    assert code == 0, err
    assert issue_ids(path) == {A_ID}
    assert set(kept(path)) == {sha(files["A"].read_bytes())}  # starting over drops the other issues' files too


def test_every_added_file_is_kept_under_its_sha256(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    assert set(kept(path)) == {sha(files["A"].read_bytes()), sha(files["S"].read_bytes())}
    assert cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")[0] == 0
    data = files["B"].read_bytes()
    assert kept(path)[sha(data)] == data
    manifest = json.loads((path / store.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["issues"][B_ID]["sources"] == [{"name": str(files["B"]), "sha256": sha(data)}]
    assert cli(capsys, "index", "remove", B_ID, "--index-dir", path)[0] == 0
    assert sha(data) not in kept(path)  # a removed issue's file goes with it


def test_a_library_add_of_bytes_keeps_them(tmp_path, files, base):
    """What the web chat does with an upload: bytes parsed under the upload's name, a file that exists nowhere."""
    path = copy(base, tmp_path / "ix")
    data = files["B"].read_bytes()
    write(path, [parse_bytes(data, "zz-2021-05-10.txt")])
    assert kept(path)[sha(data)] == data


def test_rebuild_rereads_kept_files_after_the_originals_are_gone(capsys, tmp_path, files, monkeypatch):
    """A chunker change (here: an old chunker that cut every paragraph in two) is undone by a rebuild from the
    kept files alone."""
    import qa.chunk

    issue_file = tmp_path / "zz-2021-05-10.txt"
    shutil.copy(files["B"], issue_file)
    path = tmp_path / "ix"
    real_split = qa.chunk.split_text
    monkeypatch.setattr(
        qa.chunk, "split_text", lambda text, max_chars: [text[: len(text) // 2], text[len(text) // 2 :]]
    )
    assert cli(capsys, "index", "add", issue_file, "--index-dir", path, "--model", FAKE_MODEL, "-q")[0] == 0
    assert len(Index(path)) == 2 * 41
    monkeypatch.setattr(qa.chunk, "split_text", real_split)
    issue_file.unlink()
    code, out, err = cli(capsys, "index", "rebuild", "--index-dir", path, "-q")
    assert code == 0, err
    assert len(Index(path)) == 41
    assert issue_ids(path) == {B_ID}
    assert store.check(path)[0] == []


def test_an_issue_of_several_files_is_kept_whole_and_rebuilt_from_its_kept_files(capsys, tmp_path, files):
    """An issue read from two files (parse_files: two halves of a day's paper) keeps both, and a rebuild after the
    originals are gone reads both again into the same issue."""
    from qa import archive
    from qa.parse import parse_files

    halves = [tmp_path / "zz-2021-05-10-p1.txt", tmp_path / "zz-2021-05-10-p2.txt"]
    shutil.copy(files["A"], halves[0])
    shutil.copy(files["B"], halves[1])
    issue = parse_files(halves, issue_id="zz-two-files", date="2021-05-10")
    path = tmp_path / "ix"
    archive.add(path, [issue], model=FAKE_MODEL, progress=False)
    assert set(kept(path)) == {sha(f.read_bytes()) for f in halves}
    before = len(Index(path))
    for f in halves:
        f.unlink()
    code, _, err = cli(capsys, "index", "rebuild", "--index-dir", path, "-q")
    assert code == 0, err
    assert len(Index(path)) == before == sum(len(a.paragraphs) for a in issue.articles)
    assert issue_ids(path) == {"zz-two-files"}
    assert store.check(path)[0] == []


def test_add_refuses_when_the_database_is_gone_but_another_index_is_there(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    manifest = (path / store.MANIFEST).read_bytes()
    for f in path.glob(f"{store.DB_NAME}*"):
        f.unlink()
    code, _, err = cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")
    assert code == 1 and err.startswith("qa: error: ") and err.count("\n") == 1
    assert store.MANIFEST in err and "qa index rebuild" in err and "--fresh" in err
    assert not (path / store.DB_NAME).exists()
    assert (path / store.MANIFEST).read_bytes() == manifest
    code, _, err = cli(capsys, "index", "build", files["B"], "--index-dir", path, "-q")
    assert code == 1 and "--fresh" in err and (path / store.MANIFEST).read_bytes() == manifest


def test_the_index_build_of_make_index_is_refused_after_an_upload(tmp_path, files, base):
    """`make index` runs `qa index build data/issues/*.txt`: an issue uploaded in the chat survives it."""
    path = copy(base, tmp_path / "ix")
    write(path, [parse_bytes(files["B"].read_bytes(), files["B"].name)])  # as the chat's Archive tab does
    assert main(["index", "build", str(files["A"]), str(files["S"]), "--index-dir", str(path), "-q"]) == 1
    assert issue_ids(path) == {A_ID, B_ID, S_ID}


def test_check_repairs_what_it_can_and_names_the_fix_of_the_rest(capsys, tmp_path, files, base):
    """A lost kept file cannot be repaired from the database (its issue's file must be added again); a lost FAISS
    file can: --repair decides by Problem.repairable."""
    path = copy(base, tmp_path / "ix")
    (path / "sources" / sha(files["A"].read_bytes())).unlink()
    store.dense_path(path, state(path)[0]).unlink()
    problems, _ = store.check(path)
    assert sorted(p.repairable for p in problems) == [False, True]
    code, out, err = cli(capsys, "index", "check", "--repair", "--index-dir", path)
    assert code == 1 and "repairing: dense-" in out and "cannot repair: sources/" in out
    assert f"qa index add --replace --issue-id {A_ID} FILE" in out and err.count("\n") == 1
    (problem,) = store.check(path)[0]
    assert not problem.repairable and "kept file of issue" in problem.message
    assert cli(capsys, "index", "add", files["A"], "--replace", "--index-dir", path, "-q")[0] == 0
    assert store.check(path)[0] == []


def test_an_issue_indexed_before_files_were_kept_keeps_its_file_when_added_again(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    con = store.connect(path)  # as an index of format 1 (before kept files) looks
    con.execute("DELETE FROM sources")
    con.close()
    shutil.rmtree(path / "sources")
    code, out, _ = cli(capsys, "index", "rebuild", "--index-dir", path, "-q")
    assert code == 0 and "0 issue(s) read again from their kept files, 2 from their stored passages" in out
    code, out, _ = cli(capsys, "index", "add", files["A"], "--index-dir", path, "-q")
    assert code == 0 and f"{A_ID}: file kept" in out
    assert kept(path) == {sha(files["A"].read_bytes()): files["A"].read_bytes()}
    code, out, _ = cli(capsys, "index", "rebuild", "--index-dir", path, "-q")
    assert code == 0 and f"{A_ID}: reread" in out and f"{S_ID}: reembedded" in out
    assert store.check(path)[0] == []


def test_a_lost_database_is_made_again_from_the_manifest_and_kept_files(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    before = state(path)[1]
    for f in path.glob(f"{store.DB_NAME}*"):
        f.unlink()
    code, out, err = cli(capsys, "index", "rebuild", "--index-dir", path, "-q")
    assert code == 0, err
    assert "2 issue(s) read again from their kept files" in out
    assert state(path)[1] == before and len(Index(path)) == 26 + 67
    assert store.check(path)[0] == []


def test_the_chat_never_starts_over_on_its_own(tmp_path, files, base):
    """app.py builds an index where it finds no qa.db (qa.index.write(fresh=True)): never over another index's
    manifest and kept files."""
    from qa.errors import IndexMissing

    path = copy(base, tmp_path / "ix")
    for f in path.glob(f"{store.DB_NAME}*"):
        f.unlink()
    before = kept(path)
    with pytest.raises(IndexMissing, match="qa index rebuild"):
        write(path, [parse_bytes(files["B"].read_bytes(), files["B"].name)], fresh=True)
    assert kept(path) == before and not (path / store.DB_NAME).exists()
