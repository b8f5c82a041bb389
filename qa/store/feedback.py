"""Readers' thumbs up/down on answers, kept in the index database across rebuilds."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import IndexMissing, QAError
from . import queries
from .db import connect, get_meta, is_index, open_readonly


def add_feedback(path: Path, question: str, answer: str | None, citations: list[dict], liked: bool) -> int:
    """Store a reader's thumbs up (liked) or down on an answer, with the question and its citations; the row id."""
    path = Path(path)
    if not is_index(path):
        raise IndexMissing(f"no index at {path}/ to store feedback in")
    con = connect(path)
    try:
        meta = get_meta(con)
        row = (1 if liked else -1, question, answer, json.dumps(citations, ensure_ascii=False))
        return queries.insert_feedback(con, (*row, meta.get("model_id"), int(meta.get("generation", 0))))
    finally:
        con.close()


def comment_feedback(path: Path, feedback_id: int, comment: str) -> None:
    """Add the reader's comment to a rating stored by add_feedback."""
    path = Path(path)
    if not is_index(path):
        raise IndexMissing(f"no index at {path}/ to store feedback in")
    con = connect(path)
    try:
        if not queries.set_feedback_comment(con, feedback_id, comment):
            raise QAError(f"no rating {feedback_id} in {path}/ to comment on; rate the answer again")
    finally:
        con.close()


def _record(r: tuple) -> dict:
    return {
        "id": r[0],
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r[1])),
        "rating": "up" if r[2] > 0 else "down",
        "question": r[3],
        "answer": r[4],
        "citations": json.loads(r[5]),
        "model_id": r[6],
        "generation": r[7],
        "comment": r[8],
    }


def feedback(path: Path) -> list[dict]:
    """Every stored feedback row, oldest first."""
    con = open_readonly(Path(path))
    try:
        return [_record(r) for r in queries.feedback_rows(con)]
    finally:
        con.close()
