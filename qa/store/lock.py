"""One writer at a time: an flock on writer.lock (released by the kernel when its holder dies, even by SIGKILL), and a
marker file .write.tmp-<pid> that says, without taking any lock, that a write is under way."""

from __future__ import annotations

import fcntl
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import IndexBusy, IndexCorrupt
from .files import NOFOLLOW, TMP_TAG, create_new, naming, remove

LOCK_NAME = "writer.lock"
MARK_PREFIX = ".write" + TMP_TAG  # + pid: a write is under way (left behind only by a writer that died)
LOCK_TIMEOUT_S = 30
PID_FIELD = 20  # the holder's pid, written over the start of the lock file, which is never truncated


def lock_timeout() -> float:
    """Seconds a writer waits for another one: $QA_LOCK_TIMEOUT, default LOCK_TIMEOUT_S."""
    value = os.environ.get("QA_LOCK_TIMEOUT", "")
    try:
        return float(value) if value else float(LOCK_TIMEOUT_S)
    except ValueError:
        raise ValueError(f"QA_LOCK_TIMEOUT must be a number of seconds, not {value!r}") from None


def _open_lock_file(path: Path) -> int:
    """The lock file, opened without following a symbolic link and refused unless it is a plain file of one link."""
    f = path / LOCK_NAME
    fd = os.open(f, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o644)  # no O_TRUNC: nothing in it is ever cut
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise IndexCorrupt(f"{f} is not the lock file qa makes (a special file or a hard link); remove it")
    return fd


def _wait(fd: int, path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, PID_FIELD, 0).decode("ascii", "replace").strip()
                by = f"process {holder}" if holder.isdigit() else "another process"
                raise IndexBusy(
                    f"{path}/ is being written by {by} (waited {timeout:g} s); "
                    f"try again when it finishes, or raise QA_LOCK_TIMEOUT"
                ) from None
            time.sleep(0.05)


@contextmanager
def writer_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the index's writer lock, waiting up to timeout seconds (default lock_timeout()) for another writer."""
    fd = _open_lock_file(Path(path))
    try:
        _wait(fd, Path(path), lock_timeout() if timeout is None else timeout)
        with naming(Path(path) / LOCK_NAME):
            os.pwrite(fd, f"{os.getpid():<{PID_FIELD - 1}}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def marked(path: Path) -> Iterator[Path]:
    """The marker of this process's write, there for as long as the write is under way."""
    mark = path / f"{MARK_PREFIX}{os.getpid()}"
    remove(mark)
    with naming(mark):
        create_new(mark).close()
    try:
        yield mark
    finally:
        remove(mark)


def pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def writers(path: Path) -> tuple[list[int], list[Path]]:
    """(pids of writers under way, markers left by writers that died), read from the markers alone."""
    live, dead = [], []
    for f in path.glob(f"{MARK_PREFIX}*"):
        pid = f.name[len(MARK_PREFIX) :]
        if pid_alive(pid):
            live.append(int(pid))
        else:
            dead.append(f)
    return live, dead
