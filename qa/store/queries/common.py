"""What the query modules share: IN (...) lists in batches, whether a table exists; the meta table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

BATCH = 500  # ids or hashes per IN (...) list


def batches(values: list) -> Iterator[tuple[list, str]]:
    for s in range(0, len(values), BATCH):
        part = values[s : s + BATCH]
        yield part, ",".join("?" * len(part))


def has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def set_meta(con: sqlite3.Connection, values: dict[str, object]) -> None:
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])
