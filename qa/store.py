"""On-disk index: SQLite is the source of truth; the FAISS and BM25 files are derived from it, one set per generation.

Layout of an index directory:
  qa.db                    issues, articles, passages (text, tokens, hashes), vectors, meta (SQLite, WAL)
  dense-<gen>.faiss        FAISS IndexIDMap2(IndexFlatIP) over normalised vectors, ids = passage ids
  lexical-<gen>/           bm25s index over the passages' tokens, plus ids.npy (row → passage id)
  manifest.json            self-description: format, model, dimension, chunker, issues and their source hashes

A write builds the derived files of generation g+1 *before* committing the database at g+1, so whatever
instant a writer dies, the committed generation always has its files (or they can be rebuilt from qa.db).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexBusy, IndexCorrupt, IndexMissing

FORMAT_VERSION = 1
DB_NAME = "qa.db"
MANIFEST = "manifest.json"
BUSY_TIMEOUT_S = 30
BM25_K1, BM25_B = 1.5, 0.75

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    issue_id TEXT PRIMARY KEY, paper TEXT, date TEXT, source TEXT, source_hash TEXT NOT NULL,
    added_at REAL NOT NULL, n_articles INTEGER NOT NULL, n_passages INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE, article_no INTEGER NOT NULL,
    title TEXT NOT NULL, kickers TEXT NOT NULL, reporters TEXT NOT NULL, bylines TEXT NOT NULL,
    PRIMARY KEY (issue_id, article_no));
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE,
    article_no INTEGER NOT NULL, paragraph_no INTEGER NOT NULL, part_no INTEGER NOT NULL,
    kind TEXT NOT NULL, section TEXT, text TEXT NOT NULL, text_hash TEXT NOT NULL,
    content_hash TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_issue ON passages(issue_id);
CREATE TABLE IF NOT EXISTS vectors (
    model_id TEXT NOT NULL, content_hash TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model_id, content_hash));
"""


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    db = path / DB_NAME
    if readonly:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    else:
        con = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


def get_meta(con: sqlite3.Connection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta"))


def generation(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return int(row[0]) if row else 0


def is_index(path: Path) -> bool:
    return (Path(path) / DB_NAME).is_file()


def open_readonly(path: Path) -> sqlite3.Connection:
    path = Path(path)
    if not is_index(path):
        raise IndexMissing(f"no index at {path}/ (build one: qa index build FILE...)")
    try:
        con = connect(path, readonly=True)
        meta = get_meta(con)
    except sqlite3.DatabaseError as e:
        raise IndexCorrupt(f"{path}/{DB_NAME} is not a readable index database ({e}); rebuild it: qa index build FILE...") from None
    if int(meta.get("format_version", FORMAT_VERSION)) > FORMAT_VERSION:
        raise IndexCorrupt(f"{path}/ was written by a newer newspaper-qa (format {meta['format_version']}); upgrade qa")
    return con


@contextmanager
def write_transaction(path: Path):
    """An exclusive write: one writer at a time (the next waits up to BUSY_TIMEOUT_S, then IndexBusy)."""
    path.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    try:
        con.executescript(SCHEMA)
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise IndexBusy(f"{path}/ is being written by another process; try again when it finishes") from None
            raise
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()


def commit(con: sqlite3.Connection, path: Path, gen: int) -> None:
    """Publish generation gen: its derived files are already on disk; the commit is the switch."""
    con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(gen),))
    con.execute("COMMIT")
    write_manifest(con, path)
    remove_stale_files(path, keep={gen, gen - 1})  # gen-1 stays for readers that opened just before the switch


# ---------- derived files ----------


def dense_path(path: Path, gen: int) -> Path:
    return path / f"dense-{gen}.faiss"


def lexical_path(path: Path, gen: int) -> Path:
    return path / f"lexical-{gen}"


def _atomic_write_bytes(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def load_vectors(con: sqlite3.Connection, model_id: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(passage ids, vectors) of every passage, in id order."""
    rows = con.execute(
        "SELECT p.id, v.vector FROM passages p JOIN vectors v ON v.content_hash = p.content_hash AND v.model_id = ? "
        "ORDER BY p.id",
        (model_id,),
    ).fetchall()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
    return ids, vecs


def build_dense(con: sqlite3.Connection, path: Path, gen: int, model_id: str, dim: int) -> None:
    import faiss

    ids, vecs = load_vectors(con, model_id, dim)
    n_passages = con.execute("SELECT count(*) FROM passages").fetchone()[0]
    if len(ids) != n_passages:
        raise IndexCorrupt(f"{path}/: {n_passages - len(ids)} passages have no vector for model {model_id}")
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if len(ids):
        index.add_with_ids(vecs, ids)
    _atomic_write_bytes(dense_path(path, gen), faiss.serialize_index(index).tobytes())


def build_lexical(con: sqlite3.Connection, path: Path, gen: int) -> None:
    import bm25s

    rows = con.execute("SELECT id, tokens FROM passages ORDER BY id").fetchall()
    vocab: dict[str, int] = {"": 0}  # bm25s wants at least one token; "" never matches a query token
    corpus = [[vocab.setdefault(t, len(vocab)) for t in tokens.split(" ") if t] or [0] for _, tokens in rows]
    target = lexical_path(path, gen)
    tmp = path / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    if corpus:
        retriever.index(bm25s.tokenization.Tokenized(ids=corpus, vocab=vocab), show_progress=False)
        retriever.save(tmp, show_progress=False)
    np.save(tmp / "ids.npy", np.array([r[0] for r in rows], dtype=np.int64))
    (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for f in tmp.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)


def build_derived(con: sqlite3.Connection, path: Path, gen: int) -> None:
    meta = get_meta(con)
    build_dense(con, path, gen, meta["model_id"], int(meta["dim"]))
    build_lexical(con, path, gen)


def remove_stale_files(path: Path, keep: set[int]) -> None:
    for f in path.iterdir():
        name = f.name
        if name.startswith("."):  # temp files of a writer that died
            if ".tmp-" in name and not _pid_alive(name.rsplit("-", 1)[-1]):
                shutil.rmtree(f, ignore_errors=True) if f.is_dir() else f.unlink(missing_ok=True)
            continue
        for prefix in ("dense-", "lexical-"):
            if name.startswith(prefix):
                gen = name[len(prefix) :].split(".")[0]
                if gen.isdigit() and int(gen) not in keep:
                    shutil.rmtree(f, ignore_errors=True) if f.is_dir() else f.unlink(missing_ok=True)


def _pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return int(pid) != os.getpid()


def write_manifest(con: sqlite3.Connection, path: Path) -> dict:
    meta = get_meta(con)
    issues = {
        r[0]: {"paper": r[1], "date": r[2], "source_hash": r[3], "passages": r[4]}
        for r in con.execute("SELECT issue_id, paper, date, source_hash, n_passages FROM issues ORDER BY issue_id")
    }
    gen = int(meta.get("generation", 0))
    manifest = {
        "format": "newspaper-qa index",
        "format_version": FORMAT_VERSION,
        "generation": gen,
        "model_id": meta.get("model_id"),
        "dim": int(meta["dim"]) if "dim" in meta else None,
        "chunker_version": int(meta.get("chunker_version", 0)),
        "passages": con.execute("SELECT count(*) FROM passages").fetchone()[0],
        "files": {"database": DB_NAME, "dense": dense_path(path, gen).name, "lexical": lexical_path(path, gen).name},
        "issues": issues,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _atomic_write_bytes(path / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    return manifest


@dataclass
class Derived:
    """The loaded derived files of one generation."""

    gen: int
    dense: object  # faiss index
    bm25: object | None  # bm25s.BM25, None for an empty index
    bm25_ids: np.ndarray
    vocab: dict[str, int]


def load_derived(path: Path, gen: int) -> Derived:
    import bm25s
    import faiss

    dpath, lpath = dense_path(path, gen), lexical_path(path, gen)
    if not dpath.is_file() or not (lpath / "ids.npy").is_file():
        raise IndexCorrupt(f"{path}/ is missing its search files for generation {gen}; repair it: qa index check --repair")
    try:
        dense = faiss.read_index(str(dpath))
        ids = np.load(lpath / "ids.npy")
        vocab = json.loads((lpath / "vocab.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(lpath, mmap=False, load_vocab=False, show_progress=False) if len(ids) else None
    except Exception as e:  # noqa: BLE001 - a damaged file of any kind
        raise IndexCorrupt(f"{path}/ has a damaged search file ({type(e).__name__}); repair it: qa index check --repair") from None
    if dense.ntotal != len(ids):
        raise IndexCorrupt(f"{path}/: dense and lexical files disagree ({dense.ntotal} vs {len(ids)} passages); repair it: qa index check --repair")
    return Derived(gen, dense, bm25, ids, vocab)
