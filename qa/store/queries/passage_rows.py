"""SQL of passages: ids, filters, the stored fields a search returns, tokens and what the model embeds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import numpy as np

from .common import batches


def passage_ids(con: sqlite3.Connection) -> np.ndarray:
    return np.fromiter((r[0] for r in con.execute("SELECT id FROM passages ORDER BY id")), dtype=np.int64)


def passage_count(con: sqlite3.Connection) -> int:
    return con.execute("SELECT count(*) FROM passages").fetchone()[0]


def ids_selected(con: sqlite3.Connection, filters) -> np.ndarray:
    """Ids of the passages of the issues that meet every condition of filters (a qa.store.base.Filters)."""
    bounds = [(bound, op) for bound, op in ((filters.since, ">="), (filters.until, "<=")) if bound is not None]
    where = ["1"] + [f"i.date {op} ?" for _, op in bounds]
    if filters.papers is not None:
        where.append(f"i.paper IN ({','.join('?' * len(filters.papers))})")
    args = [bound for bound, _ in bounds] + list(filters.papers or ())
    sql = f"SELECT p.id FROM passages p JOIN issues i ON i.issue_id = p.issue_id WHERE {' AND '.join(where)}"
    issues = [([], "")] if filters.issues is None else batches(list(filters.issues))
    ids = [
        r[0]
        for part, marks in issues
        for r in con.execute(sql + (marks and f" AND p.issue_id IN ({marks})"), [*args, *part])
    ]
    return np.array(sorted(ids), dtype=np.int64)


PASSAGE_KEYS = (
    "id text issue_id paper date article_no article_title paragraph_no part_no section kind page confidence"
    " text_hash".split()
)


PASSAGE_SQL = """
SELECT p.id, p.text, p.issue_id, i.paper, i.date, p.article_no, a.title, p.paragraph_no, p.part_no, p.section,
       p.kind, {}, p.text_hash
FROM passages p JOIN issues i ON i.issue_id = p.issue_id
JOIN articles a ON a.issue_id = p.issue_id AND a.article_no = p.article_no
WHERE p.id IN ({})
"""


def has_page_columns(con: sqlite3.Connection) -> bool:
    """Does the passages table record page and OCR confidence (format 3 on; older indexes gain them on a write)?"""
    return {"page", "confidence"} <= {r[1] for r in con.execute("PRAGMA table_info(passages)")}


def add_page_columns(con: sqlite3.Connection) -> None:
    """Format 2 → 3: page and OCR confidence of each passage; NULL for the passages already stored (text files
    have neither; an issue read from PDFs or scans gets them again on `qa index rebuild`)."""
    if not has_page_columns(con):
        con.execute("ALTER TABLE passages ADD COLUMN page INTEGER")
        con.execute("ALTER TABLE passages ADD COLUMN confidence REAL")


def passages(con: sqlite3.Connection, ids: list[int]) -> dict[int, dict]:
    """The stored fields (PASSAGE_KEYS) of these passages; page and confidence None in an index of format 2."""
    columns = "p.page, p.confidence" if has_page_columns(con) else "NULL, NULL"
    out = {}
    for part, marks in batches([int(i) for i in ids]):
        rows = con.execute(PASSAGE_SQL.format(columns, marks), part)
        out.update({r[0]: dict(zip(PASSAGE_KEYS, r)) for r in rows})
    return out


def preceding_text(con: sqlite3.Connection, issue_id: str, article_no: int, paragraph_no: int, part_no: int):
    row = con.execute(
        "SELECT text FROM passages WHERE issue_id=? AND article_no=? AND (paragraph_no < ? OR"
        " (paragraph_no = ? AND part_no < ?)) ORDER BY paragraph_no DESC, part_no DESC LIMIT 1",
        (issue_id, article_no, paragraph_no, paragraph_no, part_no),
    ).fetchone()
    return row[0] if row else None


def stored_tokens(con: sqlite3.Connection, ids: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """(passage ids, their stored token strings) of every passage or of the given ids, in id order."""
    if ids is None:
        rows = con.execute("SELECT id, tokens FROM passages ORDER BY id").fetchall()
    else:
        rows = []
        for part, marks in batches([int(i) for i in ids]):
            rows += con.execute(f"SELECT id, tokens FROM passages WHERE id IN ({marks})", part).fetchall()
        rows.sort()
    return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]


EMBED_SQL = (
    "SELECT p.content_hash, p.text, a.title, p.section FROM passages p JOIN articles a"
    " ON a.issue_id = p.issue_id AND a.article_no = p.article_no"
)


def embed_rows(
    con: sqlite3.Connection, hashes: list[str] | None = None, *, issue_ids: list[str] | None = None
) -> Iterable[tuple[str, str, str, str]]:
    """(content hash, text, article title, section) of every passage, or of those with the given content hashes,
    or of the given issues' passages."""
    if hashes is None and issue_ids is None:
        yield from con.execute(EMBED_SQL)
        return
    column, values = ("p.content_hash", hashes) if hashes is not None else ("p.issue_id", issue_ids)
    for part, marks in batches(list(values)):
        yield from con.execute(EMBED_SQL + f" WHERE {column} IN ({marks})", part)
