"""The passages' part-of-speech tags, made once when a write plans (qa.inputs.prepare_issues, before the lock) or, for
what a write did not plan, when it publishes, rather than at every ask: the answer step's name and term types read
their candidate sentences' words from them (qa.answer.sentences.StoredTags)."""

from __future__ import annotations

import sqlite3

from . import queries


def fill(con: sqlite3.Connection) -> None:
    """Tag every passage text not yet tagged by this jieba (those of a write planned before are: put), drop tags no
    passage uses."""
    from ..text import pos_tags_many, tagger

    name = tagger()
    queries.drop_unused_tags(con, name)
    rows = queries.untagged(con, name)
    put(con, dict(zip((h for h, _ in rows), pos_tags_many([t for _, t in rows]))))


def put(con: sqlite3.Connection, tags: dict[str, list[tuple[str, str]]]) -> None:
    """Tags made before the write (qa.text.pos_tags of each text, by text hash), kept as qa.text.tag_string writes
    them (~1.3 bytes a character)."""
    from ..text import tag_string, tagger

    queries.put_tags(con, tagger(), {h: tag_string(pairs) for h, pairs in tags.items()})


def read(con: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    from ..text import tagger

    return queries.passage_tags(con, ids, tagger())
