"""The embedded store, read side: one index directory opened for search (the default Store)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..errors import IndexCorrupt, IndexMissing
from . import derived, queries, sources, tags
from .base import Filters, check_known
from .db import connect_readonly, generation, get_meta, index_models, is_index, open_readonly


class EmbeddedStore:
    """An index directory opened read-only: SQLite for passages and metadata, the search files of the committed
    generation (reloaded when a writer publishes a new one). Safe to share between threads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._con = open_readonly(self.path)
        self._lock = threading.RLock()
        self._files: derived.Derived | None = None
        if "model_id" not in self.meta():
            self._con.close()
            raise IndexCorrupt(f"{self.path}/ has no model recorded; rebuild it: qa index build --fresh FILE...")

    def generation(self) -> int:
        with self._lock:
            return generation(self._con)

    def meta(self) -> dict[str, str]:
        with self._lock:
            return get_meta(self._con)

    def _load(self, gen: int) -> derived.Derived:
        return derived.load(self.path, gen, index_models(self.meta()))

    def search_files(self) -> derived.Derived:
        with self._lock:
            gen = self.generation()
            if self._files is None or self._files.gen != gen:
                try:
                    self._files = self._load(gen)
                except IndexCorrupt:
                    # a writer may have published and cleaned up between our two reads: look once more
                    newer = self.generation()
                    if newer == gen:
                        raise
                    self._files = self._load(newer)
            return self._files

    def issues(self) -> list[dict]:
        with self._lock:
            return queries.issue_list(self._con)

    def passage_count(self) -> int:
        with self._lock:
            return queries.passage_count(self._con)

    def passage_ids(self, issue_ids: list[str]) -> np.ndarray:
        return self.select(Filters(issues=tuple(issue_ids)))

    def select(self, filters: Filters) -> np.ndarray:
        with self._lock:
            if filters.issues is not None:
                check_known(filters.issues, queries.issue_ids(self._con))
            if () in (filters.issues, filters.papers):
                return np.zeros(0, dtype=np.int64)
            return queries.ids_selected(self._con, filters)

    def passages(self, ids: list[int]) -> dict[int, dict]:
        with self._lock:
            return queries.passages(self._con, ids)

    def passage_tags(self, ids: list[int]) -> dict[int, str]:
        with self._lock:
            return tags.read(self._con, ids)

    def preceding_text(self, issue_id: str, article_no: int, paragraph_no: int, part_no: int) -> str | None:
        with self._lock:
            return queries.preceding_text(self._con, issue_id, article_no, paragraph_no, part_no)

    def close(self) -> None:
        self._con.close()

    def issue_records(self) -> list[dict]:
        with self._lock:
            return queries.issue_records(self._con)

    def read_source(self, sha256: str, issue_id: str, name: str) -> bytes:
        return sources.read(self.path, sha256, issue_id, name)

    def embed_texts(self, issue_ids: list[str]) -> dict[str, str]:
        from ..chunk import embed_text

        with self._lock:
            rows = list(queries.embed_rows(self._con, issue_ids=issue_ids))
        return {h: embed_text(title, section, text) for h, text, title, section in rows}

    def issue_dump(self, issue_id: str) -> tuple[object, list[tuple], dict[str, np.ndarray], float]:
        import json

        from ..parse import Article, Issue, SourceFile

        with self._lock:
            row, articles, rows, vectors = queries.issue_dump(self._con, issue_id, self.meta()["model_id"])
            kept = queries.issue_sources(self._con).get(issue_id, [])
        issue = Issue(row["issue_id"], row["paper"], row["date"], row["source"], row["source_hash"])
        issue.articles = [Article(no, title, *(json.loads(x) for x in rest)) for no, title, *rest in articles]
        issue.sources = [SourceFile(name, sha, "", data=self.read_source(sha, issue_id, name)) for name, sha in kept]
        return issue, [tuple(r) for r in rows], vectors, row["added_at"]


def known_vectors(path: Path, model_id: str, hashes: set[str]) -> set[str]:
    """The content hashes among these that have a vector of the model in the index at path (vectors put in before a
    first build count too; none if there is no database)."""
    path = Path(path)
    if not is_index(path) or not hashes:
        return set()
    con = connect_readonly(path)
    try:
        return queries.known_vectors(con, model_id, hashes)
    finally:
        con.close()


def model_of(path: Path) -> str | None:
    """The model of the index at path, None if there is none yet (or its first build did not finish)."""
    try:
        store = EmbeddedStore(path)
    except IndexMissing:
        return None
    try:
        return store.meta().get("model_id")
    finally:
        store.close()


def models_of(path: Path) -> list[str]:
    """The models of the index at path, its main model first ([] if there is none yet)."""
    try:
        store = EmbeddedStore(path)
    except IndexMissing:
        return []
    try:
        return list(index_models(store.meta()))
    finally:
        store.close()


def stored_vectors(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(passage ids, vectors of the index model) of every passage of the index at path (bench/speed.py)."""
    con = open_readonly(Path(path))
    try:
        meta = get_meta(con)
        return queries.vectors(con, meta["model_id"], int(meta["dim"]))
    finally:
        con.close()
