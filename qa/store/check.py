"""Does the index agree with itself? Typed problems (`Problem.repairable`), found without taking any lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import dense, lexical, manifest, queries, sources
from .base import Problem
from .db import DB_NAME, connect, generation, get_meta, index_models, open_readonly
from .files import as_one_line, generation_files, temp_files
from .lock import writer_lock, writers
from .transaction import recover


def _vector_problems(con: sqlite3.Connection, models: dict[str, int]) -> list[Problem]:
    out = []
    for model_id, dim in models.items():
        no_vector, bad_size = queries.vector_problems(con, model_id, dim)
        if no_vector:
            out.append(Problem(f"{no_vector} passages have no vector for the index model {model_id}", True))
        if bad_size:
            out.append(
                Problem(f"{bad_size} stored vectors of {model_id} are not {dim}-dimensional (another model's?)", True)
            )
    others = [m for m in queries.vector_models(con) if m not in models]
    if others:
        names = ", ".join(models)
        out.append(
            Problem(f"{DB_NAME} holds vectors of models other than the index's ({names}): {', '.join(others)}", True)
        )
    return out


def _database_problems(con: sqlite3.Connection, models: dict[str, int]) -> list[Problem]:
    out = [
        Problem(
            f"issue {issue_id}: recorded {n_art} articles / {n_pass} passages, stored {found_art} / {found_pass};"
            f" read it again from its kept file: qa index rebuild",
            False,
        )
        for issue_id, n_art, found_art, n_pass, found_pass in queries.miscounted_issues(con)
    ]
    orphans = queries.orphan_passages(con)
    if orphans:
        out.append(Problem(f"{orphans} passages belong to no issue; start over: qa index build --fresh FILE...", False))
    return out + _vector_problems(con, models)


def verify(con: sqlite3.Connection, path: Path, *, with_manifest: bool = True) -> list[Problem]:
    """Every way the committed index disagrees with itself (empty: sound)."""
    quick = queries.quick_check(con)
    if quick != "ok":
        return [Problem(f"{DB_NAME} is damaged: {quick}; start over: qa index build --fresh FILE...", False)]
    meta = get_meta(con)
    missing = [k for k in ("generation", "model_id", "dim") if k not in meta]
    if missing:
        return [
            Problem(f"{DB_NAME} records no {', '.join(missing)}; start over: qa index build --fresh FILE...", False)
        ]
    gen, models = int(meta["generation"]), index_models(meta)
    problems = _database_problems(con, models)
    if problems:
        return problems  # the derived files are checked against a sound database only
    ids = queries.passage_ids(con)
    problems += sources.problems(path, queries.kept_sources(con))
    for n, (model_id, dim) in enumerate(models.items()):
        problems += dense.problems(con, path, gen, model_id, dim, ids, slot=model_id if n else None)
    problems += lexical.problems(path, gen, ids)
    if with_manifest:
        problems += manifest.problems(con, path)
    return problems


def _leftovers(con: sqlite3.Connection, path: Path) -> list[str]:
    """What writers that died left behind: harmless to readers, removed by the next write or check --repair."""
    gen = generation(con)
    stale = temp_files(path) + generation_files(path, keep={gen, gen - 1})
    stale += sources.unreferenced(path, set(queries.kept_sources(con)))
    if not stale:
        return []
    names = ", ".join(sorted(f.name for f in stale)[:4]) + (" ..." if len(stale) > 4 else "")
    return [f"{len(stale)} file(s) left by an interrupted write ({names}); qa index check --repair removes them"]


def check(path: Path) -> tuple[list[Problem], list[str]]:
    """(problems, notes) of the committed index at path. Reads only: no lock, nothing written. An interrupted
    write's leftovers (and the manifest it did not update) are notes, since readers never see them."""
    path = Path(path)
    con = open_readonly(path)
    try:
        con.execute("BEGIN")  # one snapshot of the database for the whole check
        live, dead = writers(path)
        if live:
            note = (
                f"a write is in progress (process {live[0]}): checked the last committed generation, not the manifest"
            )
            return verify(con, path, with_manifest=False), [note]
        problems, notes = verify(con, path, with_manifest=False), _leftovers(con, path)
        lagging = manifest.problems(con, path)
        if dead and all(p.repairable for p in lagging):
            notes += [
                f"{p} (an interrupted write did not update it; qa index check --repair rewrites it)" for p in lagging
            ]
        else:
            problems += lagging
        return problems, notes
    finally:
        con.close()


def tidy(path: Path) -> list[str]:
    """Remove what interrupted writes left behind (taking the writer lock); what was done, one line each."""
    path = Path(path)
    open_readonly(path).close()
    with as_one_line(path), writer_lock(path):
        con = connect(path)
        try:
            return recover(con, path)
        finally:
            con.close()


def summary(path: Path) -> str:
    """generation, issues, passages and model of the index at path, in one line."""
    con = open_readonly(Path(path))
    try:
        meta = get_meta(con)
        issues, passages = queries.issue_count(con), queries.passage_count(con)
    finally:
        con.close()
    models = ", ".join(index_models(meta))
    return f"generation {meta['generation']}, {issues} issues, {passages} passages, model {models}"
