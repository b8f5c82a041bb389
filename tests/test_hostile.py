"""Hostile conditions end in one line and leave the index exactly as it was (or as the write made it): links where qa
keeps files, readers during a write, a read-only index, a full disk, directories in place of files, unreadable and
empty files, ids with control characters, bad API values, a closed pipe."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from fake_embedding import FAKE_MODEL
from helpers import (
    A_ID,
    B_ID,
    QA_FAKE,
    ROOT,
    S_ID,
    assert_sound,
    cli,
    copy,
    cut_sample,
    fill,
    leftovers,
    one_line,
    read_only_view,
    run,
    state,
    tmpfs,
)

from qa import archive, store
from qa.index import Index
from qa.parse import parse_bytes, parse_file


@pytest.fixture(scope="module")
def files(tmp_path_factory, sample_path) -> dict[str, Path]:
    return cut_sample(sample_path, tmp_path_factory.mktemp("issues"))


@pytest.fixture(scope="module")
def base(tmp_path_factory, files) -> Path:
    """Index of A and the sample with the fake model, no writer.lock in it. Copy before writing."""
    path = tmp_path_factory.mktemp("base") / "index"
    archive.build(path, [parse_file(files["A"]), parse_file(files["S"])], model=FAKE_MODEL)
    (path / store.LOCK_NAME).unlink()
    return path


def after_adding(before: tuple, issue_file: Path) -> tuple:
    """The state a successful add of the issue file makes from state before."""
    issue = parse_file(issue_file)
    return before[0] + 1, before[1] | {(issue.issue_id, issue.source_hash)}


# ---------- links where qa keeps files ----------

READS = {"check": ["index", "check"], "list": ["index", "list"], "ask": ["ask", "驻村工作队", "-k", "1"]}
WRITES = {"add": ["index", "add", "B"], "remove": ["index", "remove", A_ID], "repair": ["index", "check", "--repair"]}


@pytest.mark.parametrize("command", [*READS, *WRITES])
def test_a_symlinked_lock_is_never_followed(capsys, tmp_path, files, base, command):
    path = copy(base, tmp_path / "ix")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (path / store.LOCK_NAME).symlink_to(victim)
    before = state(path)
    argv = [files["B"] if a == "B" else a for a in {**READS, **WRITES}[command]]
    code, _, err = cli(capsys, *argv, "--index-dir", path)
    assert victim.read_text(encoding="utf-8") == "precious"
    if command in READS:
        assert code == 0, err
    else:
        assert code == 1 and one_line(err) and "symbolic link" in err
    assert state(path) == before


def test_a_hard_linked_lock_is_refused(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    os.link(victim, path / store.LOCK_NAME)
    before = state(path)
    code, _, err = cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")
    assert code == 1 and one_line(err) and "not the lock file qa makes" in err
    assert victim.read_text(encoding="utf-8") == "precious" and state(path) == before


def test_temp_names_planted_during_a_write_are_never_written_through(tmp_path, files, base, monkeypatch):
    """Links planted under the writer's own temp names right before it writes them (after it tidied up)."""
    import qa.store.derived
    import qa.store.sources

    path = copy(base, tmp_path / "ix")
    victim, victim_dir = tmp_path / "victim.txt", tmp_path / "victim-dir"
    victim.write_text("precious", encoding="utf-8")
    victim_dir.mkdir()
    (victim_dir / "keep.txt").write_text("precious", encoding="utf-8")
    gen, pid = state(path)[0] + 1, os.getpid()

    def plant(link: Path, target: Path) -> None:
        link.unlink(missing_ok=True)
        link.symlink_to(target)

    real_build, real_keep = qa.store.derived.build, qa.store.sources.keep

    def build(con, p, g, prev=None):
        plant(p / f".dense-{gen}.faiss.tmp-{pid}", victim)
        plant(p / f".lexical-{gen}.tmp-{pid}", victim_dir)
        plant(p / f".manifest.json.tmp-{pid}", victim)
        return real_build(con, p, g, prev)

    def keep(p, name, sha256, data):
        (p / store.SOURCES_DIR).mkdir(exist_ok=True)
        plant(p / store.SOURCES_DIR / f".{sha256}.tmp-{pid}", victim)
        return real_keep(p, name, sha256, data)

    monkeypatch.setattr(qa.store.derived, "build", build)
    monkeypatch.setattr(qa.store.sources, "keep", keep)
    archive.add(path, [parse_file(files["B"])])
    assert victim.read_text(encoding="utf-8") == "precious"
    assert [f.name for f in victim_dir.iterdir()] == ["keep.txt"]
    assert (victim_dir / "keep.txt").read_text(encoding="utf-8") == "precious"
    assert B_ID in {i["issue_id"] for i in Index(path).issues()}
    assert_sound(path)


# ---------- readers take no lock ----------


def test_read_only_commands_take_no_lock(capsys, tmp_path, base, monkeypatch):
    path = copy(base, tmp_path / "ix")
    for argv in READS.values():
        assert cli(capsys, *argv, "--index-dir", path)[0] == 0
    assert not (path / store.LOCK_NAME).exists()  # not even created
    monkeypatch.setenv("QA_LOCK_TIMEOUT", "0")
    with store.writer_lock(path):  # a writer holds it: readers go on
        for argv in READS.values():
            code, _, err = cli(capsys, *argv, "--index-dir", path)
            assert code == 0, err


# ---------- a read-only index ----------


def test_a_read_only_index_answers_and_refuses_writes_in_one_line(capsys, tmp_path, files, base):
    src = copy(base, tmp_path / "ix")
    assert not list(src.glob(f"{store.DB_NAME}-*"))  # closed cleanly: no -wal, no -shm
    with read_only_view(src, tmp_path / "ro") as path:
        before = state(path)
        for argv in READS.values():
            code, _, err = cli(capsys, *argv, "--index-dir", path)
            assert code == 0, err
        for argv in WRITES.values():
            argv = [files["B"] if a == "B" else a for a in argv]
            code, _, err = cli(capsys, *argv, "--index-dir", path)
            assert code == 1 and one_line(err) and "not writable" in err, err
        assert state(path) == before


# ---------- a full disk ----------

# free space left on the index's file system: from none (the lock file) through the kept source, the dense file,
# the lexical files and the database commit, to enough (measured with the fake model's 64-dimensional vectors)
LEVELS_KB = (0, 4, 16, 32, 64, 128, 256, 384, 448, 512, 2048)
STAGES = ("writer.lock", "sources/", "dense-", "lexical-", "qa.db")


def test_a_full_disk_at_any_stage_leaves_the_index_as_it_was(capsys, tmp_path, files, base):
    size_kb = sum(f.stat().st_size for f in base.rglob("*") if f.is_file()) // 1024 + 3072
    stopped_at, succeeded = set(), 0
    for free_kb in LEVELS_KB:
        with tmpfs(tmp_path / f"small-{free_kb}", size_kb) as disk:
            path = copy(base, disk / "ix")
            before = state(path)
            fill(disk, free_kb * 1024)
            code, _, err = cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")
            if code == 0:
                assert state(path) == after_adding(before, files["B"])
                succeeded += 1
            else:
                assert one_line(err) and "no space left on the device" in err and "nothing was written" in err, err
                assert state(path) == before
                assert not leftovers(path)  # the unpublished generation's files are gone
                stopped_at |= {stage for stage in STAGES if f"(writing {stage}" in err}
            (disk / "filler").unlink()
            assert_sound(path)
            assert cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")[0] == 0
    assert stopped_at == set(STAGES) and succeeded


# ---------- directories where qa keeps files ----------


def test_a_manifest_made_a_directory_stops_the_write_before_its_commit(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    (path / store.MANIFEST).unlink()
    (path / store.MANIFEST).mkdir()
    before = state(path)
    code, _, err = cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")
    assert code == 1 and one_line(err) and "manifest.json is a directory" in err
    assert state(path) == before  # the add is not left committed
    code, out, _ = cli(capsys, "index", "check", "--index-dir", path)
    assert code == 1 and "manifest.json is a directory" in out and "move it away" in out


def test_a_lock_made_a_directory_stops_writes_only(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    (path / store.LOCK_NAME).mkdir()
    before = state(path)
    code, _, err = cli(capsys, "index", "add", files["B"], "--index-dir", path, "-q")
    assert code == 1 and one_line(err) and "writer.lock is a directory" in err
    for argv in READS.values():
        assert cli(capsys, *argv, "--index-dir", path)[0] == 0
    assert state(path) == before


# ---------- bad files and ids ----------


def test_an_unreadable_file_is_one_line(tmp_path, files, base):
    """As a user who may not read the file (root reads anything: the command runs as nobody)."""
    d = Path(tempfile.mkdtemp(prefix="qa-unreadable-"))
    try:
        d.chmod(0o777)
        path = copy(base, d / "ix")
        shutil.chown(path, "nobody")
        for f in path.rglob("*"):
            shutil.chown(f, "nobody")
        secret = d / "zz-2021-06-01.txt"
        shutil.copy(files["B"], secret)
        secret.chmod(0o000)
        before = state(path)
        r = run("index", "add", secret, "--index-dir", path, "-q", user=65534 if os.geteuid() == 0 else None)
        assert r.returncode == 1 and one_line(r.stderr) and "Permission denied" in r.stderr, r.stderr
        assert state(path) == before
    finally:
        shutil.rmtree(d)


def test_an_issue_without_paragraphs_is_refused(capsys, tmp_path, base):
    path = copy(base, tmp_path / "ix")
    empty = tmp_path / "headings-2021-06-01.txt"
    empty.write_text("## 第一篇的标题\n### 它的副题\n## 第二篇的标题\n", encoding="utf-8")
    before = state(path)
    code, _, err = cli(capsys, "index", "add", empty, "--index-dir", path, "-q")
    assert code == 1 and one_line(err) and "no paragraphs to index" in err
    assert state(path) == before


def test_an_issue_id_with_control_characters_is_refused_or_cleaned(capsys, tmp_path, files, base):
    path = copy(base, tmp_path / "ix")
    before = state(path)
    code, _, err = cli(capsys, "index", "add", files["B"], "--issue-id", "b\nforged line", "--index-dir", path)
    assert code == 1 and one_line(err) and "control characters" in err
    assert state(path) == before
    named = tmp_path / "读者\n来信\x1b[31m.txt"  # an id taken from a file name is cleaned
    named.write_bytes(files["A2"].read_bytes())
    assert cli(capsys, "index", "add", named, "--index-dir", path, "-q")[0] == 0
    uploaded = parse_bytes(files["B"].read_bytes(), "upload\r\n\t.txt")  # the library path too
    archive.add(path, [uploaded])
    ids = {i["issue_id"] for i in Index(path).issues()}
    assert "读者 来信[31m" in ids and "upload" in ids
    assert all(i.isprintable() for i in ids)


# ---------- the Python API ----------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"k": 0}, "k must be a whole number of passages, 1 or more"),
        ({"k": -1}, "k must be a whole number"),
        ({"k": 2.5}, "k must be a whole number"),
        ({"k": True}, "k must be a whole number"),
        ({"question": "城铁".encode()}, r"must be a str, not bytes: decode it first"),
        ({"question": None}, "must be a str, not NoneType"),
        ({"issues": ["no-such-issue"]}, r"unknown issue id 'no-such-issue'.*qa index list"),
        ({"issues": [S_ID, 7]}, "issues must be issue ids"),
        ({"mode": "fuzzy"}, "unknown search mode"),
    ],
)
def test_bad_api_values_raise_value_error_naming_the_fix(base, kwargs, message):
    index = Index(base)
    args = {"question": "城铁", **kwargs}
    for call in (index.search, index.ask):
        with pytest.raises(ValueError, match=message):
            call(**args)


# ---------- a closed pipe ----------


def test_ask_into_a_closed_pipe_ends_quietly(base):
    proc = subprocess.Popen(
        [*QA_FAKE, "ask", "驻村工作队", "-k", "5", "--index-dir", str(base)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()  # as `qa ask … | head` once head has what it wants
    err = proc.stderr.read()
    assert proc.wait(120) == 141 and err == ""
