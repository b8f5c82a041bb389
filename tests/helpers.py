"""What the archive tests share: issue files cut from the sample, an index's exact state, `qa` runs (in this process
or as a process with the fake model registered), and privileged mounts (a small tmpfs, a read-only view)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from qa import store
from qa.cli import main

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
A_ID, B_ID, S_ID = "株洲日报-2021-05-09", "株洲日报-2021-05-10", "sample-issue"
# `qa` as a process that knows the fake model (conftest registers it in this one)
QA_FAKE = [
    sys.executable,
    "-c",
    f"import sys; sys.path.insert(0, {str(TESTS)!r}); import fake_embedding; fake_embedding.register_fake();"
    " from qa.cli import main; sys.exit(main(sys.argv[1:]))",
]


def cut_sample(sample_path: Path, d: Path) -> dict[str, Path]:
    """The sample cut into two issues (A: articles 1-4, B: 5-8), A without its last article (A2), and the sample."""
    arts = ["## " + a for a in sample_path.read_text(encoding="utf-8").split("\n## ")[1:]]
    out = {"A": d / "zz-2021-05-09.txt", "B": d / "zz-2021-05-10.txt", "A2": d / "zz2-2021-05-09.txt", "S": sample_path}
    out["A"].write_text("\n".join(arts[:4]), encoding="utf-8")
    out["B"].write_text("\n".join(arts[4:]), encoding="utf-8")
    out["A2"].write_text("\n".join(arts[:3]), encoding="utf-8")
    return out


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(store.LOCK_NAME))
    return dst


def state(path: Path) -> tuple[int, frozenset]:
    """(generation, {(issue id, source hash)}): what a write either changed completely or not at all."""
    con = store.open_readonly(path)
    try:
        return store.generation(con), frozenset(con.execute("SELECT issue_id, source_hash FROM issues"))
    finally:
        con.close()


def leftovers(path: Path) -> list[str]:
    """Files no committed state needs: temp files, files of other generations, kept sources of no issue."""
    _, notes = store.check(path)
    return [n for n in notes if "left by an interrupted write" in n]


def assert_sound(path: Path) -> None:
    problems, _ = store.check(path)
    assert problems == []
    assert not leftovers(path)


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> bool:
    return err.startswith("qa: ") and err.count("\n") == 1 and "Traceback" not in err


def run(*argv, env=None, user: int | None = None, **kw) -> subprocess.CompletedProcess:
    """`qa` (with the fake model) as a process; user: run it as that uid (via setpriv)."""
    head = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    return subprocess.run(
        [*head, *QA_FAKE, *map(str, argv)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        **kw,
    )


def _mount(*argv: str) -> None:
    r = subprocess.run(["mount", *argv], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"needs root to mount ({' '.join(argv[:3])}: {r.stderr.strip() or 'not permitted'})")


@contextmanager
def tmpfs(where: Path, size_kb: int):
    """A small tmpfs at where (CI runs as root; skipped where mounting is not permitted)."""
    where.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where))
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@contextmanager
def read_only_view(src: Path, where: Path):
    """src seen read-only at where (a read-only bind mount: even root cannot write through it)."""
    where.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(src), str(where))
    try:
        r = subprocess.run(["mount", "-o", "remount,ro,bind", str(where)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot remount read-only: {r.stderr.strip()}")
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(where: Path, leave_bytes: int) -> None:
    """Fill the file system of where until only about leave_bytes are free."""
    remaining = max(0, shutil.disk_usage(where).free - leave_bytes)
    with open(where / "filler", "wb", buffering=0) as f:
        try:
            while remaining > 0:
                remaining -= f.write(b"\0" * min(remaining, 1 << 20))
        except OSError:  # full a little early: block accounting
            pass
