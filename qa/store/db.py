"""The SQLite database: schema, connections (read-write, read-only, immutable) and the meta table."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..errors import IndexCorrupt, IndexMissing

FORMAT_VERSION = 3  # 2: kept source files (sources table, sources/ directory); 3: page, confidence of passages
DB_NAME = "qa.db"
BUSY_TIMEOUT_S = 30

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    issue_id TEXT PRIMARY KEY, paper TEXT, date TEXT, source TEXT, source_hash TEXT NOT NULL,
    added_at REAL NOT NULL, n_articles INTEGER NOT NULL, n_passages INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE, position INTEGER NOT NULL,
    name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (issue_id, position));
CREATE TABLE IF NOT EXISTS articles (
    issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE, article_no INTEGER NOT NULL,
    title TEXT NOT NULL, kickers TEXT NOT NULL, reporters TEXT NOT NULL, bylines TEXT NOT NULL,
    PRIMARY KEY (issue_id, article_no));
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE,
    article_no INTEGER NOT NULL, paragraph_no INTEGER NOT NULL, part_no INTEGER NOT NULL,
    kind TEXT NOT NULL, section TEXT, text TEXT NOT NULL, text_hash TEXT NOT NULL,
    content_hash TEXT NOT NULL, tokens TEXT NOT NULL, page INTEGER, confidence REAL);
CREATE INDEX IF NOT EXISTS passages_issue ON passages(issue_id);
CREATE INDEX IF NOT EXISTS passages_content ON passages(content_hash);
CREATE INDEX IF NOT EXISTS issues_source ON issues(source_hash);
CREATE INDEX IF NOT EXISTS sources_sha ON sources(sha256);
CREATE TABLE IF NOT EXISTS vectors (
    model_id TEXT NOT NULL, content_hash TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model_id, content_hash));
CREATE TABLE IF NOT EXISTS passage_tags (text_hash TEXT PRIMARY KEY, tagger TEXT NOT NULL, tags TEXT NOT NULL);
"""


def is_index(path: Path) -> bool:
    return (Path(path) / DB_NAME).is_file()


def connect(path: Path) -> sqlite3.Connection:
    """A read-write connection in autocommit mode (transactions are explicit), WAL journal."""
    con = sqlite3.connect(path / DB_NAME, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


def _has_pending_wal(path: Path) -> bool:
    wal = path / f"{DB_NAME}-wal"
    return wal.is_file() and wal.stat().st_size > 0


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. An index on read-only media (no -wal/-shm files, none creatable) opens immutable."""
    uri = (Path(path) / DB_NAME).resolve().as_uri()
    con = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        con.close()
        if _has_pending_wal(path):
            raise
        con = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    return con


def get_meta(con: sqlite3.Connection) -> dict[str, str]:
    if not con.execute("SELECT name FROM sqlite_master WHERE name='meta'").fetchone():
        return {}
    return dict(con.execute("SELECT key, value FROM meta"))


def index_models(meta: dict[str, str]) -> dict[str, int]:
    """The index's embedding models → dimension, the first one its main model (meta "models"; an index written
    before several models were kept has only model_id and dim)."""
    if "models" in meta:
        return {m: int(d) for m, d in json.loads(meta["models"]).items()}
    return {meta["model_id"]: int(meta["dim"])} if "model_id" in meta and "dim" in meta else {}


def generation(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return int(row[0]) if row else 0


def _readable(path: Path) -> tuple[sqlite3.Connection, dict[str, str]]:
    try:
        con = connect_readonly(path)
    except sqlite3.OperationalError as e:
        hint = (
            f"its {DB_NAME}-wal holds writes not yet in {DB_NAME}: open it once where it is writable"
            if _has_pending_wal(path)
            else "check the file's permissions"
        )
        raise IndexMissing(f"cannot open {path}/{DB_NAME} ({e}); {hint}") from None
    try:
        return con, get_meta(con)
    except sqlite3.DatabaseError as e:
        con.close()
        raise IndexCorrupt(
            f"{path}/{DB_NAME} is not a readable index database ({e}); "
            f"rebuild it from the issue files: qa index build --fresh FILE..."
        ) from None


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to a built index (IndexMissing, IndexCorrupt otherwise)."""
    path = Path(path)
    if not is_index(path):
        raise IndexMissing(f"no index at {path}/ (build one: qa index build FILE...)")
    con, meta = _readable(path)
    if "generation" not in meta:
        con.close()
        raise IndexMissing(
            f"no index at {path}/ yet (its first build did not finish); build one: qa index build FILE..."
        )
    if int(meta.get("format_version", FORMAT_VERSION)) > FORMAT_VERSION:
        con.close()
        raise IndexCorrupt(f"{path}/ was written by a newer newspaper-qa (format {meta['format_version']}); upgrade qa")
    return con
