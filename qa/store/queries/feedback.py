"""SQL of reader feedback (kept across rebuilds: a fresh build leaves it alone)."""

from __future__ import annotations

import sqlite3
import time

from .common import has_table

FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, created_at REAL NOT NULL, rating INTEGER NOT NULL, question TEXT NOT NULL,
    answer TEXT, citations TEXT NOT NULL, model_id TEXT, generation INTEGER);
"""


def _feedback_comments(con: sqlite3.Connection) -> bool:
    """Does the feedback table have its comment column (older indexes gain it on the next feedback)?"""
    return "comment" in {r[1] for r in con.execute("PRAGMA table_info(feedback)")}


def _feedback_table(con: sqlite3.Connection) -> None:
    con.executescript(FEEDBACK_SCHEMA)
    if not _feedback_comments(con):
        con.execute("ALTER TABLE feedback ADD COLUMN comment TEXT")


def insert_feedback(con: sqlite3.Connection, row: tuple) -> int:
    """row: (rating, question, answer, citations JSON, model id, generation); the new row's id."""
    _feedback_table(con)
    cur = con.execute(
        "INSERT INTO feedback (created_at, rating, question, answer, citations, model_id, generation)"
        " VALUES (?,?,?,?,?,?,?)",
        (time.time(), *row),
    )
    return int(cur.lastrowid)


def set_feedback_comment(con: sqlite3.Connection, feedback_id: int, comment: str) -> bool:
    """The reader's comment on a stored rating; False when there is no such rating."""
    _feedback_table(con)
    return con.execute("UPDATE feedback SET comment=? WHERE id=?", (comment, feedback_id)).rowcount == 1


def feedback_rows(con: sqlite3.Connection) -> list[tuple]:
    if not has_table(con, "feedback"):
        return []
    comment = "comment" if _feedback_comments(con) else "NULL"
    return con.execute(
        "SELECT id, created_at, rating, question, answer, citations, model_id, generation, "
        f"{comment} FROM feedback ORDER BY id"
    ).fetchall()
