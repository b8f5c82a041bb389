"""SQL of the vectors table: each model's vector of a content hash."""

from __future__ import annotations

import sqlite3

import numpy as np

from ...errors import IndexCorrupt
from .common import batches, has_table


def vectors(
    con: sqlite3.Connection, model_id: str, dim: int, ids: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(passage ids, vectors) of every passage (or of the given ids) that has a vector of the model, in id order."""
    # CROSS JOIN keeps passages the outer loop: with a long IN list SQLite would otherwise scan every vector
    sql = "SELECT p.id, v.vector FROM passages p CROSS JOIN vectors v ON v.content_hash = p.content_hash AND v.model_id = ?"
    if ids is None:
        rows = con.execute(sql + " ORDER BY p.id", (model_id,)).fetchall()
    else:
        rows = []
        for part, marks in batches([int(i) for i in ids]):
            rows += con.execute(sql + f" WHERE p.id IN ({marks})", (model_id, *part)).fetchall()
        rows.sort()
    blob = b"".join(r[1] for r in rows)
    if len(blob) != len(rows) * dim * 4:
        raise IndexCorrupt(
            f"stored vectors of model {model_id} do not all have dimension {dim}; re-embed: qa index rebuild"
        )
    ids_out = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids_out, np.frombuffer(blob, dtype=np.float32).reshape(len(rows), dim)


def known_vectors(con: sqlite3.Connection, model_id: str, hashes: set[str]) -> set[str]:
    """The content hashes among these that have a vector of the model (none if the database has no vectors yet)."""
    if not hashes or not has_table(con, "vectors"):
        return set()
    known: set[str] = set()
    for part, marks in batches(list(hashes)):
        sql = f"SELECT content_hash FROM vectors WHERE model_id=? AND content_hash IN ({marks})"
        known.update(r[0] for r in con.execute(sql, [model_id, *part]))
    return known


def missing_vectors(con: sqlite3.Connection, model_id: str, hashes: set[str] | None = None) -> list[str]:
    """Content hashes of passages (of these hashes, if given) without a vector of the model."""
    if hashes is not None:
        return sorted(set(hashes) - known_vectors(con, model_id, set(hashes)))
    sql = (
        "SELECT DISTINCT content_hash FROM passages p WHERE NOT EXISTS"
        " (SELECT 1 FROM vectors v WHERE v.model_id = ? AND v.content_hash = p.content_hash)"
    )
    return [r[0] for r in con.execute(sql, (model_id,))]


def put_vectors(con: sqlite3.Connection, model_id: str, items: dict[str, np.ndarray]) -> None:
    con.executemany(
        "INSERT OR REPLACE INTO vectors VALUES (?,?,?)",
        [(model_id, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
    )


def drop_unused_vectors(con: sqlite3.Connection, model_id: str, hashes: set[str]) -> None:
    con.executemany(
        "DELETE FROM vectors WHERE model_id = ? AND content_hash = ? AND NOT EXISTS"
        " (SELECT 1 FROM passages WHERE content_hash = ?)",
        [(model_id, h, h) for h in hashes],
    )


def keep_only_vectors_of(con: sqlite3.Connection, models: dict[str, int]) -> None:
    """Drop vectors of other models (models: name → dimension), of the wrong size, and those no passage uses."""
    marks = ",".join("?" * len(models))
    con.execute(f"DELETE FROM vectors WHERE model_id NOT IN ({marks})", list(models))
    for model_id, dim in models.items():
        con.execute("DELETE FROM vectors WHERE model_id = ? AND length(vector) != ?", (model_id, 4 * dim))
    con.execute("DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM passages)")


def vector_models(con: sqlite3.Connection) -> list[str]:
    """The models that have stored vectors."""
    return [r[0] for r in con.execute("SELECT DISTINCT model_id FROM vectors ORDER BY model_id")]
