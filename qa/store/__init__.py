"""The store: where an archive lives. `base` names what the index needs from a store; the embedded store (the
default, one directory) implements it with SQLite as the source of truth and FAISS and BM25 files derived from it,
one set per generation.

Layout of an index directory:
  qa.db                    issues, their kept sources, articles, passages (text, tokens, hashes), vectors, passage tags
                           (jieba's words and parts of speech, by text hash: the answer step's), meta, feedback
  sources/<sha256>         every file an issue was read from, content-addressed: a rebuild reads them again
  dense-<gen>.faiss        FAISS IndexIDMap2(IndexFlatIP) (IVF above 50k passages), ids = passage ids: main model
  dense-<gen>.<model>.faiss  the same for each further model (e.g. multilingual-e5-small)
  lexical-<gen>/           bm25s index over the passages' tokens, ids.npy, vocab.json, per-row term counts
  manifest.json            self-description: format, model, dimension, chunker, issues and their sources
  writer.lock              flock held by the one writer (the next waits up to $QA_LOCK_TIMEOUT s, then IndexBusy)

Modules: db (schema, connections), queries (all SQL, by concern), files (safe writes), lock, transaction (one write), dense,
lexical, derived (a generation's search files), tags, manifest, sources, check, feedback, embedded (the read side).
"""

from __future__ import annotations

from pathlib import Path

from . import check as _check
from . import db as _db
from . import embedded as _embedded
from . import transaction as _transaction
from .base import Backend, Filters, Problem, SearchFiles, Store, Writer
from .check import verify
from .db import DB_NAME, FORMAT_VERSION, connect, generation, get_meta, index_models, open_readonly
from .derived import Derived, preload
from .embedded import EmbeddedStore, stored_vectors
from .feedback import add_feedback, comment_feedback, feedback
from .files import dense_path, lexical_path
from .lock import LOCK_NAME, MARK_PREFIX, writer_lock
from .manifest import MANIFEST
from .manifest import read as read_manifest
from .milvus.client import is_uri
from .sources import SOURCES_DIR
from .sources import read as read_source
from .transaction import Transaction, seed_vectors

__all__ = [
    "Backend",
    "DB_NAME",
    "FORMAT_VERSION",
    "LOCK_NAME",
    "Filters",
    "MANIFEST",
    "MARK_PREFIX",
    "SOURCES_DIR",
    "Derived",
    "EmbeddedStore",
    "Problem",
    "SearchFiles",
    "Store",
    "Transaction",
    "Writer",
    "add_feedback",
    "comment_feedback",
    "check",
    "connect",
    "dense_path",
    "feedback",
    "generation",
    "get_meta",
    "index_models",
    "is_index",
    "location",
    "known_vectors",
    "lexical_path",
    "model_of",
    "models_of",
    "open",
    "open_readonly",
    "preload",
    "read_manifest",
    "read_source",
    "seed_vectors",
    "stored_vectors",
    "summary",
    "tidy",
    "verify",
    "writer_lock",
    "writing",
]


def location(where: str | Path) -> str | Path:
    """Where an archive lives: a Milvus URI as given (milvus:///abs/file.db, milvus://host:port, http(s)://…), else
    a directory of the embedded store."""
    return str(where) if is_uri(where) else Path(where)


def _backend(where: str | Path):
    """The module that implements base.Backend for this location."""
    if is_uri(where):
        from . import milvus

        return milvus
    return None


def open(path: str | Path) -> Store:
    """The archive at path (a directory or a Milvus URI), opened for reading."""
    backend = _backend(path)
    return backend.open(str(path)) if backend else EmbeddedStore(path)


def is_index(path: str | Path) -> bool:
    backend = _backend(path)
    return backend.is_index(str(path)) if backend else _db.is_index(Path(path))


def writing(path: str | Path, *, create: bool = True, fresh: bool = False):
    """One atomic write of the archive at path (base.Writer): see qa.store.transaction and qa.store.milvus.writer."""
    backend = _backend(path)
    return (backend or _transaction).writing(location(path), create=create, fresh=fresh)


def model_of(path: str | Path) -> str | None:
    return (_backend(path) or _embedded).model_of(location(path))


def models_of(path: str | Path) -> list[str]:
    """The models of the archive at path, its main model first ([] if there is none yet)."""
    return (_backend(path) or _embedded).models_of(location(path))


def known_vectors(path: str | Path, model_id: str, hashes: set[str]) -> set[str]:
    return (_backend(path) or _embedded).known_vectors(location(path), model_id, hashes)


def check(path: str | Path) -> tuple[list[Problem], list[str]]:
    """(problems, notes) of the archive at path, reading only."""
    return (_backend(path) or _check).check(location(path))


def tidy(path: str | Path) -> list[str]:
    return (_backend(path) or _check).tidy(location(path))


def summary(path: str | Path) -> str:
    """generation, issues, passages and model of the archive at path, in one line."""
    return (_backend(path) or _check).summary(location(path))
