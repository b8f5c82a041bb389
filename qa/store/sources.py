"""Kept source files: every file an issue was read from, stored content-addressed as sources/<sha256>, so an issue
is never lost with its original file and a rebuild can read it again (after a parser, chunker or model change)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import IndexCorrupt
from .base import Problem
from .files import NOFOLLOW, atomic_write, remove, temp_files

SOURCES_DIR = "sources"


def sources_dir(path: Path) -> Path:
    d = path / SOURCES_DIR
    if d.is_symlink():
        raise IndexCorrupt(f"{d} is a symbolic link; qa follows no link in the index directory: remove it")
    return d


def _read(f: Path) -> bytes:
    fd = os.open(f, os.O_RDONLY | NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _intact(f: Path, sha256: str) -> bool:
    try:
        return hashlib.sha256(_read(f)).hexdigest() == sha256
    except OSError:
        return False


def keep(path: Path, name: str, sha256: str, data: bytes) -> None:
    """Store a source file under its hash (a copy already there and intact is kept as it is)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{name}: its recorded sha256 is not the hash of its bytes")
    d = sources_dir(path)
    d.mkdir(exist_ok=True)
    target = d / sha256
    if not _intact(target, sha256):
        remove(target)
        atomic_write(target, lambda f: f.write(data))


def read(path: Path, sha256: str, issue_id: str, name: str) -> bytes:
    """A kept source file's bytes; IndexCorrupt naming the fix if it is missing or damaged."""
    f = sources_dir(path) / sha256
    try:
        data = _read(f)
    except OSError as e:
        raise IndexCorrupt(
            f"the kept copy of {name} (issue {issue_id}) is unreadable ({e.strerror}); "
            f"add the file again: qa index add --replace --issue-id {issue_id} FILE"
        ) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise IndexCorrupt(
            f"the kept copy of {name} (issue {issue_id}) is damaged; "
            f"add the file again: qa index add --replace --issue-id {issue_id} FILE"
        )
    return data


def unreferenced(path: Path, referenced: set[str]) -> list[Path]:
    """Kept files no issue refers to (those of removed issues, or written by a write that was not committed), and
    temp files in the sources directory."""
    d = sources_dir(path)
    if not d.is_dir():
        return []
    return [f for f in d.iterdir() if f.name not in referenced and not f.name.startswith(".")] + temp_files(d)


def tidy(path: Path, referenced: set[str]) -> int:
    """Remove the kept files no issue refers to; how many there were."""
    stale = unreferenced(path, referenced)
    for f in stale:
        remove(f)
    return len(stale)


def problems(path: Path, kept: dict[str, tuple[str, int]]) -> list[Problem]:
    """Kept files the database names that are missing, of another size or another content (not repairable from the
    database: the issue's file must be added again)."""
    d = sources_dir(path)
    out = []
    for sha, (issue_id, size) in sorted(kept.items(), key=lambda kv: kv[1]):
        f = d / sha
        try:
            found = os.lstat(f).st_size
        except FileNotFoundError:
            found = None
        if found is None or found != size or not _intact(f, sha):
            state = "missing" if found is None else "damaged"
            fix = f"add its file again: qa index add --replace --issue-id {issue_id} FILE"
            out.append(Problem(f"{SOURCES_DIR}/{sha[:12]}… (kept file of issue {issue_id}) is {state}; {fix}", False))
    return out
