"""The machinery of the chaos runs (tests/test_chaos.py, bench/chaos.py): `qa index …` writers started as processes
of a tag (in their environment, so in every process they start), killed or signalled at a moment or at an exact step,
the processes of the tag found, and the index checked to be exactly as before or after."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psutil
from helpers import A_ID, QA_FAKE, ROOT, TESTS, assert_sound, copy, state

from qa import store
from qa.index import Index

OPS = {  # name: argv of `qa index …`
    "add": lambda f: ["add", f["B"]],
    "replace": lambda f: ["add", f["A2"], "--issue-id", A_ID, "--replace"],
    "remove": lambda f: ["remove", A_ID],
    "rebuild": lambda f: ["rebuild"],
    "big add": lambda f: ["add", f["BIG"]],  # 4221 passages: tokenizer processes, then embedding workers
}
# the steps of a write's publication, in order (the last one is after the commit): exact kill points
KILL_POINTS = ("qa.store.dense._write", "qa.store.lexical._write", "qa.store.manifest.prepare", "qa.store.manifest.put")
# `qa` (with the fake model) that sends itself a signal on the n-th call of module.function
SIGNALLER = f"""
import importlib, os, sys
sys.path.insert(0, {str(TESTS)!r})
import fake_embedding
fake_embedding.register_fake()
point, nth, signum = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
module, name = point.rsplit(".", 1)
module = importlib.import_module(module)
real, calls = getattr(module, name), [0]

def signalled(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth:
        os.kill(os.getpid(), signum)
    return real(*args, **kwargs)

setattr(module, name, signalled)
from qa.cli import main
sys.exit(main(sys.argv[4:]))
"""
TAG = "QA_CHAOS_TAG"  # in the writer's environment, so in every process it starts


def big_issue(sample_path: Path, d: Path) -> Path:
    """63 copies of the sample's 67 paragraphs, each made distinct: 4221 passages (the worker processes' range)."""
    text = sample_path.read_text(encoding="utf-8")
    pages = []
    for n in range(63):
        lines = [f"（第{n + 1}版）{line}" if line and not line.startswith("#") else line for line in text.splitlines()]
        pages.append("\n".join(lines))
    path = d / "zz-big-2021-06-01.txt"
    path.write_text("\n".join(pages), encoding="utf-8")
    return path


def start(argv: list, tag: str, at: tuple[str, int, int] | None = None) -> subprocess.Popen:
    """`qa index …` as a process of the tag; at=(module.function, n, signal): it signals itself on that call."""
    head = [QA_FAKE[0], "-c", SIGNALLER, at[0], str(at[1]), str(at[2])] if at else QA_FAKE
    return subprocess.Popen(
        [*head, "index", *map(str, argv), "-q"],
        cwd=ROOT,
        env={**os.environ, TAG: tag},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ours(tag: str) -> list[psutil.Process]:
    """Live processes started with the tag in their environment."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get(TAG) == tag:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def orphans_after(tag: str, seconds: float = 10) -> list[str]:
    """The processes of the tag still alive `seconds` after their writer was killed."""
    deadline = time.monotonic() + seconds
    while (alive := ours(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [" ".join(p.cmdline()[:4]) for p in alive]


def locked_phase(proc: subprocess.Popen, path: Path, timeout: float = 300) -> tuple[float, float] | None:
    """(when the writer took the lock, when it let go), polled from its marker file; None if it ended first."""
    mark = path / f"{store.MARK_PREFIX}{proc.pid}"
    deadline = time.monotonic() + timeout
    while not mark.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            return None
        time.sleep(0.0005)
    began = time.monotonic()
    while mark.exists() and proc.poll() is None:
        time.sleep(0.0005)
    return began, time.monotonic()


def kill_at(proc: subprocess.Popen, path: Path, delay: float | None) -> None:
    """SIGKILL the writer `delay` s after it took the lock (None: right now)."""
    if delay is not None:
        mark, deadline = path / f"{store.MARK_PREFIX}{proc.pid}", time.monotonic() + 300
        while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(delay)
    proc.send_signal(signal.SIGKILL)


def assert_before_or_after(path: Path, before: tuple, after: tuple | None) -> str:
    """The index after a kill: exactly before or after, sound, answering; tidied by check --repair."""
    problems, _ = store.check(path)
    assert problems == []
    now = state(path)
    assert now == before or now == after, now
    assert Index(path).search("驻村工作队", k=3)
    store.tidy(path)
    assert_sound(path)
    return "before" if now == before else "after"


def calibrate(op: str, files, base: Path, tmp_path: Path) -> tuple[tuple, float]:
    """(the state the op makes, how long it holds the lock), from one run to its end."""
    path = copy(base, tmp_path / f"{op}-calibrate")
    proc = start([*OPS[op](files), "--index-dir", path], uuid.uuid4().hex)
    phase = locked_phase(proc, path)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and phase is not None, err
    return state(path), phase[1] - phase[0]
