"""SQL of what `qa index check` looks at: integrity, counts against records, orphans, vector sizes."""

from __future__ import annotations

import sqlite3


def quick_check(con: sqlite3.Connection) -> str:
    return con.execute("PRAGMA quick_check").fetchone()[0]


def miscounted_issues(con: sqlite3.Connection) -> list[tuple[str, int, int, int, int]]:
    """(issue id, recorded articles, stored articles, recorded passages, stored passages) where they differ."""
    return con.execute(
        "SELECT * FROM (SELECT i.issue_id, i.n_articles,"
        " (SELECT count(*) FROM articles a WHERE a.issue_id = i.issue_id) AS na, i.n_passages,"
        " (SELECT count(*) FROM passages p WHERE p.issue_id = i.issue_id) AS np FROM issues i)"
        " WHERE n_articles != na OR n_passages != np"
    ).fetchall()


def orphan_passages(con: sqlite3.Connection) -> int:
    return con.execute("SELECT count(*) FROM passages WHERE issue_id NOT IN (SELECT issue_id FROM issues)").fetchone()[
        0
    ]


def vector_problems(con: sqlite3.Connection, model_id: str, dim: int) -> tuple[int, int]:
    """(passages without a vector of the model, its vectors of another size)."""
    no_vector = con.execute(
        "SELECT count(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model_id = ?"
        " AND v.content_hash = p.content_hash)",
        (model_id,),
    ).fetchone()[0]
    bad_size = con.execute(
        "SELECT count(*) FROM vectors WHERE model_id = ? AND length(vector) != ?", (model_id, 4 * dim)
    ).fetchone()[0]
    return no_vector, bad_size
