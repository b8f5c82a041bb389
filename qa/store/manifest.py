"""manifest.json: the index's self-description (format, generation, model, files, issues and their kept sources).

A write prepares the manifest of what it is about to commit in a temp file *before* its commit (so a manifest that
cannot be written — a full disk, a directory in its place — stops the write with nothing committed), and renames it
into place right after the commit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from . import queries
from .base import Problem
from .db import DB_NAME, FORMAT_VERSION, get_meta, index_models
from .files import dense_path, lexical_path, refuse_directory, remove, write_temp

MANIFEST = "manifest.json"


def data(con: sqlite3.Connection, path: Path) -> dict:
    """What manifest.json should say about the state con sees (without its written_at)."""
    meta = get_meta(con)
    gen = int(meta.get("generation", 0))
    models = index_models(meta)
    return {
        "format": "newspaper-qa index",
        "format_version": FORMAT_VERSION,
        "generation": gen,
        "model_id": meta.get("model_id"),
        "dim": int(meta["dim"]) if "dim" in meta else None,
        "models": {
            m: {"dim": dim, "dense": dense_path(path, gen, m if n else None).name}
            for n, (m, dim) in enumerate(models.items())
        },
        "chunker_version": int(meta.get("chunker_version", 0)),
        "passages": queries.passage_count(con),
        "files": {"database": DB_NAME, "dense": dense_path(path, gen).name, "lexical": lexical_path(path, gen).name},
        "issues": queries.manifest_issues(con),
    }


def prepare(con: sqlite3.Connection, path: Path) -> Path:
    """The manifest of the state con sees, in a temp file beside manifest.json; its path."""
    target = path / MANIFEST
    refuse_directory(target)
    manifest = {**data(con, path), "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    text = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    return write_temp(target, lambda f: f.write(text))


def put(tmp: Path, path: Path) -> None:
    """Rename a prepared manifest into place."""
    try:
        os.replace(tmp, path / MANIFEST)
    except BaseException:
        remove(tmp)
        raise


def write(con: sqlite3.Connection, path: Path) -> None:
    put(prepare(con, path), path)


def read(path: Path) -> dict:
    """manifest.json of the index at path (IndexMissing if there is none to read)."""
    from ..errors import IndexMissing

    f = path / MANIFEST
    try:
        found = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexMissing(
            f"no {DB_NAME} and no readable {MANIFEST} at {path}/ ({e}); build one: qa index build FILE..."
        ) from None
    if not isinstance(found, dict) or not isinstance(found.get("issues"), dict):
        raise IndexMissing(f"{f} lists no issues; build the index: qa index build FILE...")
    return found


def _differences(found: dict, want: dict) -> list[str]:
    out = [
        f"{MANIFEST} says {key} = {found.get(key)!r}, the database {want[key]!r}"
        for key in ("format_version", "generation", "model_id", "dim", "models", "chunker_version", "passages", "files")
        if found.get(key) != want[key]
    ]
    issues = found.get("issues") if isinstance(found.get("issues"), dict) else {}
    if issues != want["issues"]:
        extra, missing = sorted(set(issues) - set(want["issues"])), sorted(set(want["issues"]) - set(issues))
        changed = sorted(i for i in set(issues) & set(want["issues"]) if issues[i] != want["issues"][i])
        detail = "; ".join(
            f"{label}: {', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}"
            for label, ids in (("not in the database", extra), ("not in the manifest", missing), ("different", changed))
            if ids
        )
        out.append(f"{MANIFEST} lists other issues than the database ({detail})")
    return out


def problems(con: sqlite3.Connection, path: Path) -> list[Problem]:
    """Where manifest.json disagrees with the database (missing, unreadable, or saying something else): all
    repairable, the manifest is rewritten from the database."""
    f = path / MANIFEST
    if f.is_symlink() or f.is_dir():
        kind = "symbolic link" if f.is_symlink() else "directory"
        return [Problem(f"{MANIFEST} is a {kind}, not a file; move it away, then: qa index check --repair", False)]
    if not f.is_file():
        return [Problem(f"{MANIFEST} is missing", True)]
    try:
        found = json.loads(f.read_text(encoding="utf-8"))
        if not isinstance(found, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as e:
        return [Problem(f"{MANIFEST} is not valid JSON ({e})", True)]
    return [Problem(p, True) for p in _differences(found, data(con, path))]
