"""One write to the embedded store: the writer lock, one SQLite transaction, the next generation's files.

A write, holding the lock, builds the derived files of generation g+1 and the manifest that describes it *before*
committing the database at g+1, then renames the manifest into place and deletes files of generations older than
g and kept sources no issue refers to. Whatever instant a writer dies, the committed generation has its files; what
it leaves behind (temp files, files of an uncommitted generation, a manifest one generation old, its marker) is
tidied by the next writer or `qa index check --repair`. A write that fails (a full disk, a signal) rolls back and
removes the files it made. Passage ids are never reused, so a reader still on g never maps an old vector to a new
passage.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import IndexMissing, Interrupted
from ..procs import signals_deferred
from . import derived, manifest, queries, sources
from . import tags as kept_tags
from .db import DB_NAME, FORMAT_VERSION, SCHEMA, connect, generation, get_meta, is_index
from .files import as_one_line, generation_files, remove, temp_files
from .lock import MARK_PREFIX, marked, writer_lock


def _tidy(con: sqlite3.Connection, path: Path, keep_mark: Path | None = None) -> list[Path]:
    """Remove temp files, files of generations other than the committed one and the one before, and kept sources
    no committed issue refers to (none before a first publication: a lost qa.db is re-created from them); what was
    removed (kept sources not listed)."""
    gen = generation(con)
    stale = [f for f in temp_files(path) if f != keep_mark] + generation_files(path, keep={gen, gen - 1})
    for f in stale:
        remove(f)
    if gen:
        sources.tidy(path, set(queries.kept_sources(con)))
    return stale


def recover(con: sqlite3.Connection, path: Path) -> list[str]:
    """Finish what a writer that died left behind (call holding the writer lock): what was done, one line each.
    The manifest is rewritten from the database if that writer died between its commit and the manifest."""
    interrupted = any(f.name.startswith(MARK_PREFIX) for f in temp_files(path))
    stale = _tidy(con, path)
    notes = []
    temps = [f.name for f in stale if f.name.startswith(".")]
    if temps:
        notes.append(f"removed {len(temps)} temp file(s) of an interrupted write")
    gens = sorted(f.name for f in stale if not f.name.startswith("."))
    if gens:
        notes.append(f"removed {len(gens)} file(s) of uncommitted or old generations: {', '.join(gens)}")
    if interrupted and generation(con) and manifest.problems(con, path):
        manifest.write(con, path)
        notes.append(f"rewrote {manifest.MANIFEST} (an interrupted write had not updated it)")
    return notes


class Transaction:
    """One atomic write of the embedded store (a base.Writer): nothing is visible to readers until publish()."""

    def __init__(self, con: sqlite3.Connection, path: Path):
        self.con, self.path = con, path
        self.generation = generation(con)
        self.prev_ids = queries.passage_ids(con)
        stored = int(get_meta(con).get("next_passage_id", 1))
        self._next_id = max(stored, int(self.prev_ids[-1]) + 1 if len(self.prev_ids) else 1)
        self.published = False

    def meta(self) -> dict[str, str]:
        return get_meta(self.con)

    def issue_records(self) -> list[dict]:
        return queries.issue_records(self.con)

    def issue_ids(self) -> set[str]:
        return queries.issue_ids(self.con)

    def source_hash(self, issue_id: str) -> str | None:
        return queries.source_hash(self.con, issue_id)

    def add_issue(self, issue, rows: list[tuple], added_at: float | None = None) -> None:
        for s in issue.sources:
            sources.keep(self.path, s.path, s.sha256, s.data)
        queries.insert_issue(self.con, issue, rows, self._next_id, time.time() if added_at is None else added_at)
        self._next_id += len(rows)

    def restore_sources(self, issue) -> bool:
        """Keep an indexed issue's source files again (a kept copy lost or damaged, or an index from before kept
        files); whether the database had to record them."""
        for s in issue.sources:
            sources.keep(self.path, s.path, s.sha256, s.data)
        if not issue.sources or queries.issue_sources(self.con).get(issue.issue_id):
            return False
        queries.insert_sources(self.con, issue)
        return True

    def remove_issue(self, issue_id: str) -> set[str]:
        return queries.delete_issue(self.con, issue_id)

    def missing_vectors(self, model_id: str, hashes: set[str] | None = None) -> list[str]:
        return queries.missing_vectors(self.con, model_id, hashes)

    def put_vectors(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        queries.put_vectors(self.con, model_id, vectors)

    def put_tags(self, tags: dict[str, list[tuple[str, str]]]) -> None:
        kept_tags.put(self.con, tags)

    def embed_texts(self, hashes: list[str] | None = None) -> dict[str, str]:
        from ..chunk import embed_text

        return {h: embed_text(title, section, text) for h, text, title, section in queries.embed_rows(self.con, hashes)}

    def drop_vectors(self, models: dict[str, int], gone: set[str] | None = None) -> None:
        if gone is None:
            queries.keep_only_vectors_of(self.con, models)
            return
        for model_id in models:
            queries.drop_unused_vectors(self.con, model_id, gone)

    def set_meta(self, values: dict[str, object]) -> None:
        queries.set_meta(self.con, values)

    def publish(self, incremental: bool) -> dict[str, str]:
        """Build generation g+1's files and manifest, commit, put the manifest in place, remove what g+1 no longer
        needs. A signal during the commit and what follows it takes effect once they are done."""
        gen = self.generation + 1
        self.set_meta({"generation": gen, "format_version": FORMAT_VERSION, "next_passage_id": self._next_id})
        prev = (self.generation, self.prev_ids) if incremental and self.generation else None
        kept_tags.fill(self.con)
        how = derived.build(self.con, self.path, gen, prev)
        prepared = manifest.prepare(self.con, self.path)
        with signals_deferred():
            self.con.execute("COMMIT")
            self.published = True
            manifest.put(prepared, self.path)
            try:
                _tidy(self.con, self.path)  # files g+1 no longer needs (g stays for readers that opened just before)
            except OSError:
                pass  # the next write tidies up
        return how


def _foreign_files(path: Path) -> list[str]:
    """Files of an index in a directory that has no database."""
    names = [
        f.name
        for f in path.iterdir()
        if f.name in (manifest.MANIFEST, f"{DB_NAME}-wal", f"{DB_NAME}-shm", sources.SOURCES_DIR)
        or f.name.startswith(("dense-", "lexical-"))
    ]
    return sorted(names)


def _start_over_or_refuse(path: Path, fresh: bool) -> None:
    """A directory without qa.db but with another index's files: refused, unless starting afresh on purpose (a
    stale qa.db-wal would otherwise be replayed into the new database)."""
    found = [] if is_index(path) else _foreign_files(path)
    if found and not fresh:
        raise IndexMissing(
            f"{path}/ has no {DB_NAME} but holds files of an index ({', '.join(found[:4])}); re-create it from its"
            f" manifest and kept files: qa index rebuild (or start over: qa index build --fresh FILE...)"
        )
    for name in found:
        if name in (manifest.MANIFEST, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
            remove(path / name)


def _abandon(con: sqlite3.Connection, path: Path, mark: Path) -> None:
    """Roll back (SQLite may have done so itself, e.g. on a full disk), and remove the files of the generation that
    was not published."""
    if con.in_transaction:
        con.execute("ROLLBACK")
    _tidy(con, path, keep_mark=mark)


@contextmanager
def writing(path: Path, *, create: bool = True, fresh: bool = False) -> Iterator[Transaction]:
    """An exclusive write: the writer lock, then one SQLite transaction; what is not published is rolled back and
    its files removed. OS and SQLite errors end in one line (DiskFull, IndexReadOnly, …); a KeyboardInterrupt
    (SIGINT, or SIGTERM under the CLI) comes out as Interrupted, saying whether the write was published."""
    path = Path(path)
    with as_one_line(path):
        if not create and not is_index(path):
            raise IndexMissing(f"no index at {path}/ (build one: qa index build FILE...)")
        path.mkdir(parents=True, exist_ok=True)
        with writer_lock(path):
            _start_over_or_refuse(path, fresh)
            con = connect(path)
            try:
                con.executescript(SCHEMA)
                queries.add_page_columns(con)  # an index of format 2 (no-op on a new one)
                recover(con, path)
                with marked(path) as mark:
                    con.execute("BEGIN IMMEDIATE")
                    tx = Transaction(con, path)
                    try:
                        yield tx
                    except KeyboardInterrupt as e:
                        raise Interrupted(tx.published) from e
                    finally:
                        if not tx.published:
                            _abandon(con, path, mark)
            finally:
                con.close()


def seed_vectors(path: Path, model_id: str, vectors: dict[str, np.ndarray]) -> None:
    """Put vectors in the index's cache (keyed by content hash) before a write that will use them (bench/synthetic)."""
    path = Path(path)
    with as_one_line(path):
        path.mkdir(parents=True, exist_ok=True)
        with writer_lock(path):
            con = connect(path)
            try:
                con.executescript(SCHEMA)
                con.execute("BEGIN IMMEDIATE")
                queries.put_vectors(con, model_id, vectors)
                con.execute("COMMIT")
            finally:
                con.close()
