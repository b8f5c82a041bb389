"""Every SQL statement of the project: what the index, its writes, its checks and its search files ask the database."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import IndexCorrupt

BATCH = 500  # ids or hashes per IN (...) list


def _batches(values: list) -> Iterator[tuple[list, str]]:
    for s in range(0, len(values), BATCH):
        part = values[s : s + BATCH]
        yield part, ",".join("?" * len(part))


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


# ---------- issues ----------

ISSUE_KEYS = ("issue_id", "paper", "date", "articles", "passages", "source", "source_hash", "added_at")


def issue_list(con: sqlite3.Connection) -> list[dict]:
    """Indexed issues, newest first."""
    rows = con.execute(
        "SELECT issue_id, paper, date, n_articles, n_passages, source, source_hash, added_at FROM issues"
        " ORDER BY coalesce(date, '') DESC, added_at DESC"
    ).fetchall()
    return [dict(zip(ISSUE_KEYS, r)) for r in rows]


def issue_ids(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT issue_id FROM issues")}


def issue_count(con: sqlite3.Connection) -> int:
    return con.execute("SELECT count(*) FROM issues").fetchone()[0]


def source_hash(con: sqlite3.Connection, issue_id: str) -> str | None:
    row = con.execute("SELECT source_hash FROM issues WHERE issue_id=?", (issue_id,)).fetchone()
    return row[0] if row else None


def issue_sources(con: sqlite3.Connection) -> dict[str, list[tuple[str, str]]]:
    """issue id → its kept source files [(name, sha256)] in reading order (issues with none are absent)."""
    out: dict[str, list[tuple[str, str]]] = {}
    if not _has_table(con, "sources"):
        return out
    for issue_id, name, sha in con.execute("SELECT issue_id, name, sha256 FROM sources ORDER BY issue_id, position"):
        out.setdefault(issue_id, []).append((name, sha))
    return out


def issue_records(con: sqlite3.Connection) -> list[dict]:
    """Every issue as a rebuild needs it: issue_id, paper, date, source, source_hash, added_at, sources."""
    sources = issue_sources(con)
    keys = ("issue_id", "paper", "date", "source", "source_hash", "added_at")
    rows = con.execute(f"SELECT {', '.join(keys)} FROM issues ORDER BY added_at, issue_id")
    return [{**dict(zip(keys, r)), "sources": sources.get(r[0], [])} for r in rows]


def manifest_issues(con: sqlite3.Connection) -> dict[str, dict]:
    sources = issue_sources(con)
    return {
        r[0]: {
            "paper": r[1],
            "date": r[2],
            "source_hash": r[3],
            "passages": r[4],
            "sources": [{"name": n, "sha256": h} for n, h in sources.get(r[0], [])],
        }
        for r in con.execute("SELECT issue_id, paper, date, source_hash, n_passages FROM issues ORDER BY issue_id")
    }


def kept_sources(con: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """sha256 → (an issue id that keeps it, its size) of every kept source file."""
    if not _has_table(con, "sources"):
        return {}
    return {r[0]: (r[1], r[2]) for r in con.execute("SELECT sha256, issue_id, size FROM sources")}


def insert_issue(con: sqlite3.Connection, issue, rows: list[tuple], first_id: int, added_at: float) -> None:
    """An issue, its articles, its passages (ids first_id, first_id+1, …) and its source files' names and hashes."""
    con.execute(
        "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?)",
        (issue.issue_id, issue.paper, issue.date, str(issue.source), issue.source_hash, added_at)
        + (len(issue.articles), len(rows)),
    )
    con.executemany(
        "INSERT INTO articles VALUES (?,?,?,?,?,?)",
        [
            (issue.issue_id, a.no, a.title)
            + tuple(json.dumps(x, ensure_ascii=False) for x in (a.kickers, a.reporters, a.bylines))
            for a in issue.articles
        ],
    )
    con.executemany(
        "INSERT INTO passages (id, issue_id, article_no, paragraph_no, part_no, kind, section, text, text_hash,"
        " content_hash, tokens, page, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(first_id + n, *row) for n, row in enumerate(rows)],
    )
    insert_sources(con, issue)


def insert_sources(con: sqlite3.Connection, issue) -> None:
    """The names and hashes of the issue's source files, in reading order."""
    con.executemany(
        "INSERT INTO sources VALUES (?,?,?,?,?)",
        [(issue.issue_id, n, s.path, s.sha256, len(s.data)) for n, s in enumerate(issue.sources)],
    )


def delete_issue(con: sqlite3.Connection, issue_id: str) -> set[str]:
    """Delete an issue (articles, passages and sources cascade); the content hashes its passages had."""
    hashes = {r[0] for r in con.execute("SELECT content_hash FROM passages WHERE issue_id=?", (issue_id,))}
    con.execute("DELETE FROM issues WHERE issue_id=?", (issue_id,))
    return hashes


# ---------- passages ----------


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
    issues = [([], "")] if filters.issues is None else _batches(list(filters.issues))
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
    for part, marks in _batches([int(i) for i in ids]):
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
        for part, marks in _batches([int(i) for i in ids]):
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
    for part, marks in _batches(list(values)):
        yield from con.execute(EMBED_SQL + f" WHERE {column} IN ({marks})", part)


# ---------- vectors ----------


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
        for part, marks in _batches([int(i) for i in ids]):
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
    if not hashes or not _has_table(con, "vectors"):
        return set()
    known: set[str] = set()
    for part, marks in _batches(list(hashes)):
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


# ---------- meta ----------


def set_meta(con: sqlite3.Connection, values: dict[str, object]) -> None:
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])


# ---------- what check looks at ----------


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


def vector_models(con: sqlite3.Connection) -> list[str]:
    """The models that have stored vectors."""
    return [r[0] for r in con.execute("SELECT DISTINCT model_id FROM vectors ORDER BY model_id")]


# ---------- reader feedback (kept across rebuilds: a fresh build leaves it alone) ----------

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
    if not _has_table(con, "feedback"):
        return []
    comment = "comment" if _feedback_comments(con) else "NULL"
    return con.execute(
        "SELECT id, created_at, rating, question, answer, citations, model_id, generation, "
        f"{comment} FROM feedback ORDER BY id"
    ).fetchall()


# ---------- copy (qa index copy) ----------


def issue_dump(con: sqlite3.Connection, issue_id: str, model_id: str) -> tuple[dict, list[tuple], list[tuple], dict]:
    """(the issue's row, its articles (no, title, kickers, reporters, bylines as JSON), its passage rows as
    insert_issue takes them, its vectors of the model by content hash)."""
    keys = ("issue_id", "paper", "date", "source", "source_hash", "added_at")
    issue = dict(
        zip(keys, con.execute(f"SELECT {', '.join(keys)} FROM issues WHERE issue_id=?", (issue_id,)).fetchone())
    )
    articles = con.execute(
        "SELECT article_no, title, kickers, reporters, bylines FROM articles WHERE issue_id=? ORDER BY article_no",
        (issue_id,),
    ).fetchall()
    rows = con.execute(
        "SELECT issue_id, article_no, paragraph_no, part_no, kind, section, text, text_hash, content_hash, tokens"
        " FROM passages WHERE issue_id=? ORDER BY id",
        (issue_id,),
    ).fetchall()
    vectors = con.execute(
        "SELECT v.content_hash, v.vector FROM vectors v WHERE v.model_id=? AND v.content_hash IN"
        " (SELECT content_hash FROM passages WHERE issue_id=?)",
        (model_id, issue_id),
    ).fetchall()
    return issue, articles, rows, {h: np.frombuffer(v, dtype=np.float32) for h, v in vectors}
