"""Files in the index directory, written safely: never through a symbolic link, never over a file qa did not create
(temp files are new files, O_EXCL | O_NOFOLLOW), published by an atomic rename; OS errors become one line."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import DiskFull, IndexBusy, IndexCorrupt, IndexReadOnly, QAError
from .db import DB_NAME

TMP_TAG = ".tmp-"  # temp names: .<name>.tmp-<pid>
NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def dense_path(path: Path, gen: int, model: str | None = None) -> Path:
    """The dense file of generation gen: the main model's dense-<gen>.faiss, another model's
    dense-<gen>.<model>.faiss (its name made safe for a file name)."""
    if model is None:
        return path / f"dense-{gen}.faiss"
    return path / f"dense-{gen}.{re.sub(r'[^A-Za-z0-9_-]+', '_', model)}.faiss"


def lexical_path(path: Path, gen: int) -> Path:
    return path / f"lexical-{gen}"


def generation_files(path: Path, keep: set[int]) -> list[Path]:
    """Dense and lexical files of generations not in keep."""
    out = []
    for f in path.iterdir():
        for prefix in ("dense-", "lexical-"):
            if f.name.startswith(prefix):
                gen = f.name[len(prefix) :].split(".")[0]
                if gen.isdigit() and int(gen) not in keep:
                    out.append(f)
    return out


def tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{TMP_TAG}{os.getpid()}")


def temp_files(path: Path) -> list[Path]:
    """Temp files and directories (of any writer) in the directory."""
    return [f for f in path.iterdir() if f.name.startswith(".") and TMP_TAG in f.name]


def remove(f: Path) -> None:
    """Remove a file, a directory tree, or a symbolic link itself (never what it points to); gone already is fine."""
    try:
        mode = os.lstat(f).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(f, ignore_errors=True)
    else:
        f.unlink(missing_ok=True)


def create_new(path: Path) -> BinaryIO:
    """A new file opened for writing; refused if anything is there already (a file, a directory, a symbolic link)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o644), "wb")


def refuse_directory(target: Path) -> None:
    """IndexCorrupt if a directory (or a link) stands where qa keeps a file: a rename over it would fail later."""
    if target.is_symlink() or target.is_dir():
        kind = "a symbolic link" if target.is_symlink() else "a directory"
        raise IndexCorrupt(f"{target} is {kind}, not the file qa keeps there; move it away and run the command again")


def _short_write(e: OSError) -> bool:
    """numpy reports a write the disk cut short without an errno: "N requested and M written"."""
    return e.errno is None and "requested and" in str(e) and "written" in str(e)


@contextmanager
def naming(target: Path) -> Iterator[None]:
    """OS errors raised without a file name name target; a write the disk cut short is ENOSPC."""
    try:
        yield
    except OSError as e:
        if _short_write(e):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from None
        if not e.filename:
            e.filename = str(target)
        raise


def write_temp(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """What write() puts in a new temp file beside target (synced to disk); the temp file's path."""
    tmp = tmp_name(target)
    remove(tmp)  # left by an earlier process with our pid; the writer lock is held
    try:
        with naming(target), create_new(tmp) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        remove(tmp)
        raise
    return tmp


def atomic_write(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Replace target by what write() produces, or leave it as it was."""
    refuse_directory(target)
    tmp = write_temp(target, write)
    try:
        os.replace(tmp, target)
    except BaseException:
        remove(tmp)
        raise


def fsync_tree(d: Path) -> None:
    for f in d.iterdir():
        fd = os.open(f, os.O_RDONLY | NOFOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def _name_in(path: Path, filename) -> str:
    """filename as the index directory's reader knows it (relative to it when inside it)."""
    if not filename:
        return f"{path}/"
    try:
        return str(Path(filename).relative_to(path))
    except ValueError:
        return str(filename)


def _os_line(e: OSError, path: Path) -> QAError:
    what = _name_in(path, e.filename)
    if e.errno in _FULL:
        return DiskFull(
            f"no space left on the device of {path}/ (writing {what}); nothing was written: free some space and try again"
        )
    if e.errno in _READ_ONLY:
        return IndexReadOnly(
            f"{path}/ is not writable ({what}: {e.strerror}); writes need a writable index directory"
            f" (qa ask, qa index list and qa index check still work)"
        )
    if e.errno == errno.ELOOP:
        return IndexCorrupt(f"{what} is a symbolic link; qa follows no link in the index directory: remove it")
    if e.errno == errno.EISDIR:
        return IndexCorrupt(f"{what} is a directory, not the file qa keeps there; move it away and try again")
    return IndexCorrupt(f"cannot write the index at {path}/ ({what}: {e.strerror or e})")


def _sqlite_line(e: sqlite3.Error, path: Path) -> QAError:
    text = str(e)
    if "full" in text:
        return DiskFull(
            f"no space left on the device of {path}/ (writing {DB_NAME}); nothing was written: free some space and try again"
        )
    if "readonly" in text or "read-only" in text:
        return IndexReadOnly(f"{path}/{DB_NAME} is not writable ({text}); writes need a writable index directory")
    if "locked" in text or "busy" in text:
        return IndexBusy(f"{path}/ is being written by another process; try again when it finishes")
    return IndexCorrupt(f"{path}/{DB_NAME}: {text}; see what is wrong with: qa index check")


def one_line(e: OSError | sqlite3.Error, path: Path) -> QAError:
    """The QAError that says in one line what an OS or SQLite error means for a write to the index at path."""
    return _os_line(e, path) if isinstance(e, OSError) else _sqlite_line(e, path)


@contextmanager
def as_one_line(path: Path) -> Iterator[None]:
    """Turn OS and SQLite errors of a write into one-line QAErrors."""
    try:
        yield
    except (OSError, sqlite3.Error) as e:
        raise one_line(e, path) from None
