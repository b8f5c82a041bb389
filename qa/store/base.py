"""What the index needs from a store: the boundary the embedded store and the Milvus store (qa.store.milvus) implement.

`Backend` is a kind of store, reached by an archive's location; `Store` is the read side an `Index` searches;
`SearchFiles` is one published generation of its search structures; `Writer` is one atomic write that the verbs of
`qa.archive` drive (plan → apply → publish); `Problem` is what `check` reports. The embedded store (SQLite + FAISS +
bm25s files in one directory) implements them all: the module qa.store is its Backend.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Problem:
    """One way an index disagrees with itself. repairable: `qa index check --repair` can fix it from the database."""

    message: str
    repairable: bool

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Filters:
    """Which passages a search may return: those of issues among `issues`, of a paper among `papers`, printed from
    `since` to `until` (ISO dates, inclusive: an issue of unknown date is outside any range). None: no condition."""

    issues: tuple[str, ...] | None = None
    papers: tuple[str, ...] | None = None
    since: str | None = None
    until: str | None = None


def check_known(issue_ids, known: set[str]) -> None:
    """ValueError naming the first of these issue ids that is not among the known ones."""
    unknown = sorted(set(issue_ids) - known)
    if unknown:
        raise ValueError(
            f"unknown issue id {unknown[0]!r}{f' (and {len(unknown) - 1} more)' if len(unknown) > 1 else ''};"
            f" the indexed ones are listed by Index.issues() (qa index list)"
        )


class SearchFiles(Protocol):
    """The search side of one published generation: lexical (BM25) and dense (cosine) scores by passage id."""

    gen: int
    ids: np.ndarray  # passage ids, in the row order of lexical_scores

    def lexical_scores(self, tokens: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage (0 for those not among allowed ids, if given) for the query tokens, aligned
        with ids."""

    def dense_search(
        self, qvec: np.ndarray, n: int, allowed: np.ndarray | None, model: str | None = None
    ) -> dict[int, float]:
        """The n passages (of allowed ids, if given) nearest to the query vector of the model (None: the index's
        main model): id → cosine."""

    def cosines(self, qvec: np.ndarray, ids: list[int], model: str | None = None) -> dict[int, float]:
        """Cosine of the model's query vector with each given passage."""

    def document_frequency(self, token: str) -> int:
        """Passages holding the lexical token."""

    def character_frequency(self, char: str) -> int:
        """Passages holding the Chinese character inside a word (a lower bound)."""


class Store(Protocol):
    """An archive opened for reading: its metadata, issues and passages, and its current search files."""

    def generation(self) -> int: ...

    def meta(self) -> dict[str, str]:
        """model_id, dim (of the main model), models (JSON: every model → dimension), generation, chunker_version, …"""

    def search_files(self) -> SearchFiles:
        """The files of the committed generation, reloaded when a writer has published a newer one."""

    def issues(self) -> list[dict]:
        """issue_id, paper, date, articles, passages, source, source_hash, added_at; newest first."""

    def passage_count(self) -> int: ...

    def passage_ids(self, issue_ids: list[str]) -> np.ndarray:
        """Ids of the passages of these issues (ValueError naming an unknown issue id)."""

    def select(self, filters: Filters):
        """What this store's SearchFiles take as `allowed` for these filters, with len() = the passages it allows:
        the passage ids (embedded store) or a filter expression run in Milvus (ValueError naming an unknown issue
        id)."""

    def passages(self, ids: list[int]) -> dict[int, dict]:
        """id → the fields of a qa.Passage (id, text, issue_id, paper, date, article_no, article_title,
        paragraph_no, part_no, section, kind) and text_hash, for the ids that exist."""

    def passage_tags(self, ids: list[int]) -> dict[int, str]:
        """id → the part-of-speech tags of its simplified text (qa.text.pos_tags, as qa.text.tag_string writes them),
        for the passages whose tags the store keeps (the embedded store tags on every write; Milvus keeps none)."""

    def preceding_text(self, issue_id: str, article_no: int, paragraph_no: int, part_no: int) -> str | None:
        """The passage printed just before this one in its article."""

    def close(self) -> None: ...

    # what a rebuild reads before it takes the writer lock

    def issue_records(self) -> list[dict]:
        """Every issue: issue_id, paper, date, source, source_hash, added_at, sources [(name, sha256)]."""

    def read_source(self, sha256: str, issue_id: str, name: str) -> bytes:
        """A kept source file, checked against its hash (IndexCorrupt naming the fix otherwise)."""

    def embed_texts(self, issue_ids: list[str]) -> dict[str, str]:
        """What the model embeds for each content hash of these issues' passages."""

    def issue_dump(self, issue_id: str) -> tuple[object, list[tuple], dict[str, np.ndarray], float]:
        """(the issue as a qa.parse.Issue with its articles and kept source files, its passage rows, the vectors of
        the archive's model by content hash, when it was added): what `qa index copy` writes into another store."""


class Writer(Protocol):
    """One atomic write, holding the archive's writer lock: nothing is visible to readers until publish()."""

    generation: int  # the committed generation the write started from

    def meta(self) -> dict[str, str]: ...

    def issue_ids(self) -> set[str]: ...

    def source_hash(self, issue_id: str) -> str | None: ...

    def add_issue(self, issue, rows: list[tuple], added_at: float | None = None) -> None:
        """Insert the issue and its passage rows (new passage ids), and keep its source files."""

    def restore_sources(self, issue) -> bool:
        """Keep an indexed issue's source files again; whether the archive had to record them (a change)."""

    def remove_issue(self, issue_id: str) -> set[str]:
        """Delete the issue; the content hashes its passages had."""

    def missing_vectors(self, model_id: str, hashes: set[str] | None = None) -> list[str]:
        """Content hashes (of these, or of every passage) that have no vector of the model."""

    def put_vectors(self, model_id: str, vectors: dict[str, np.ndarray]) -> None: ...

    def put_tags(self, tags: dict[str, list[tuple[str, str]]]) -> None:
        """Part-of-speech tags made before the write, by text hash (a store that keeps none ignores them)."""

    def embed_texts(self, hashes: list[str] | None = None) -> dict[str, str]:
        """What the model embeds for each content hash (every passage's if None), from the stored passages."""

    def drop_vectors(self, models: dict[str, int], gone: set[str] | None = None) -> None:
        """Vectors of these models (name → dimension) no passage uses (of gone, or all such), and, when gone is
        None, those of other models or sizes."""

    def set_meta(self, values: dict[str, object]) -> None: ...

    def publish(self, incremental: bool) -> dict[str, str]:
        """Make the write visible (the next generation); how each search file was made."""


class Backend(Protocol):
    """A kind of store, given an archive's location: what qa.archive, qa.index and `qa index check` call."""

    def is_index(self, path: Path) -> bool: ...

    def open(self, path: Path) -> Store: ...

    def writing(self, path: Path, *, create: bool = True, fresh: bool = False) -> AbstractContextManager[Writer]:
        """One atomic write (create: make the archive if there is none; fresh: start over on purpose)."""

    def model_of(self, path: Path) -> str | None:
        """The archive's (main) embedding model, None if it has none yet."""

    def models_of(self, path: Path) -> list[str]:
        """The archive's embedding models, the main one first ([] if it has none yet)."""

    def known_vectors(self, path: Path, model_id: str, hashes: set[str]) -> set[str]:
        """The content hashes among these that already have a vector of the model (they are not embedded again)."""

    def check(self, path: Path) -> tuple[list[Problem], list[str]]:
        """(problems, notes), reading only."""

    def tidy(self, path: Path) -> list[str]:
        """Remove what interrupted writes left behind; what was done."""
