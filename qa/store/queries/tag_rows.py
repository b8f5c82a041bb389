"""SQL of the passages' part-of-speech tags (kept by text hash and tagger, like vectors by content hash and model)."""

from __future__ import annotations

import sqlite3

from .common import batches, has_table


def untagged(con: sqlite3.Connection, tagger: str) -> list[tuple[str, str]]:
    """(text hash, text) of each distinct passage text without tags of this tagger."""
    return con.execute(
        "SELECT DISTINCT p.text_hash, p.text FROM passages p LEFT JOIN passage_tags t"
        " ON t.text_hash = p.text_hash AND t.tagger = ? WHERE t.text_hash IS NULL",
        (tagger,),
    ).fetchall()


def put_tags(con: sqlite3.Connection, tagger: str, tags: dict[str, str]) -> None:
    con.executemany(
        "INSERT OR REPLACE INTO passage_tags (text_hash, tagger, tags) VALUES (?, ?, ?)",
        ((h, tagger, t) for h, t in tags.items()),
    )


def drop_unused_tags(con: sqlite3.Connection, tagger: str) -> None:
    """Tags of another tagger, or of a text no passage has any more."""
    con.execute(
        "DELETE FROM passage_tags WHERE tagger != ? OR text_hash NOT IN (SELECT text_hash FROM passages)", (tagger,)
    )


def passage_tags(con: sqlite3.Connection, ids: list[int], tagger: str) -> dict[int, str]:
    """Passage id → its text's tags by this tagger, for the passages that have them."""
    out: dict[int, str] = {}
    if not has_table(con, "passage_tags"):  # an index from before tags were kept: until its next write
        return out
    sql = (
        "SELECT p.id, t.tags FROM passages p JOIN passage_tags t ON t.text_hash = p.text_hash"
        " WHERE t.tagger = ? AND p.id IN ({})"
    )
    for part, marks in batches([int(i) for i in ids]):
        out.update(con.execute(sql.format(marks), [tagger, *part]))
    return out
