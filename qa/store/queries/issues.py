"""SQL of issues, their articles and kept source files: list, insert, delete, and one issue's dump for
`qa index copy`."""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from .common import has_table

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
    if not has_table(con, "sources"):
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
    if not has_table(con, "sources"):
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
