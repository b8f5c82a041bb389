"""The store: where an archive lives. `base` names what the index needs from a store; the embedded store (the
default, one directory) implements it with SQLite as the source of truth and FAISS and BM25 files derived from it,
one set per generation.

Layout of an index directory:
  qa.db                    issues, their kept sources, articles, passages (text, tokens, hashes), vectors, meta, feedback
  sources/<sha256>         every file an issue was read from, content-addressed: a rebuild reads them again
  dense-<gen>.faiss        FAISS IndexIDMap2(IndexFlatIP) (IVF above 50k passages), ids = passage ids
  lexical-<gen>/           bm25s index over the passages' tokens, ids.npy, vocab.json, per-row term counts
  manifest.json            self-description: format, model, dimension, chunker, issues and their sources
  writer.lock              flock held by the one writer (the next waits up to $QA_LOCK_TIMEOUT s, then IndexBusy)

Modules: db (schema, connections), queries (all SQL), files (safe writes), lock, transaction (one write), dense,
lexical, derived (a generation's search files), manifest, sources, check, feedback, embedded (the read side).
"""

from __future__ import annotations

from pathlib import Path

from .base import Backend, Problem, SearchFiles, Store, Writer
from .check import check, summary, tidy, verify
from .db import DB_NAME, FORMAT_VERSION, connect, generation, get_meta, is_index, open_readonly
from .derived import Derived, preload
from .embedded import EmbeddedStore, known_vectors, model_of, stored_vectors
from .feedback import add_feedback, feedback
from .files import dense_path, lexical_path
from .lock import LOCK_NAME, MARK_PREFIX, writer_lock
from .manifest import MANIFEST
from .manifest import read as read_manifest
from .sources import SOURCES_DIR
from .sources import read as read_source
from .transaction import Transaction, seed_vectors, writing

__all__ = [
    "Backend",
    "DB_NAME",
    "FORMAT_VERSION",
    "LOCK_NAME",
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
    "check",
    "connect",
    "dense_path",
    "feedback",
    "generation",
    "get_meta",
    "is_index",
    "known_vectors",
    "lexical_path",
    "model_of",
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


def open(path: str | Path) -> Store:
    """The store at path, opened for reading (the embedded store; issue 16 adds others chosen by URI)."""
    return EmbeddedStore(path)
