"""Processes and signals: helper processes that die with their parent, and steps a signal must not cut in two."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def die_with_parent(parent_pid: int) -> None:
    """In a helper process: be killed when the parent dies (Linux PR_SET_PDEATHSIG; elsewhere a watchdog thread),
    and exit now if it is already gone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        threading.Event().wait(1.0)
    os._exit(1)


def detach_output() -> None:
    """In a helper process: point stdout and stderr at /dev/null, so no caller waits on a pipe the helper holds."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def helper_process(parent_pid: int) -> None:
    """Start of a forked helper process (e.g. a tokenizer): dies with its parent, holds none of its output, and
    leaves SIGINT to the parent and SIGTERM to the kernel (a Python handler inherited from the parent could stop it
    half-way through a queue's lock, and its pool would wait for it forever)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    detach_output()


def _raise_interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM, like SIGINT, raises KeyboardInterrupt (so a write unwinds: rolled back, its files removed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_interrupt) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive during the block take effect right after it (a commit and its manifest)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])
