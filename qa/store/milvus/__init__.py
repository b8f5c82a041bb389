"""The Milvus store (issue 16): the same archive in Milvus, so several chat servers can serve it and any machine
can write to it. Chosen by a location URI: milvus:///abs/path/archive.db (milvus-lite, one process),
milvus://host:19530 or http(s)://host:19530 (a Milvus server; token from $QA_MILVUS_TOKEN).

Modules: client (connection, schema, hashed lexical words), reader (Store, SearchFiles), writer (Writer).
This package is the Backend of such locations; qa.store dispatches to it.
"""

from __future__ import annotations

from ..base import Problem
from .client import connect, is_uri, names, query_all
from .reader import MilvusFiles, MilvusStore, read_issues, read_meta
from .writer import MilvusWriter, writing

__all__ = [
    "MilvusFiles",
    "MilvusStore",
    "MilvusWriter",
    "check",
    "is_index",
    "is_uri",
    "known_vectors",
    "model_of",
    "open",
    "summary",
    "tidy",
    "writing",
]


def is_index(path: str) -> bool:
    return "model_id" in read_meta(connect(path), names())


def open(path: str) -> MilvusStore:
    return MilvusStore(path)


def model_of(path: str) -> str | None:
    return read_meta(connect(path), names()).get("model_id")


def models_of(path: str) -> list[str]:
    """A Milvus archive keeps one model's vectors: [its model], or [] if there is no archive yet."""
    model = model_of(path)
    return [model] if model else []


def known_vectors(path: str, model_id: str, hashes: set[str]) -> set[str]:
    """The content hashes among these that a stored passage has a vector of the model for."""
    from .writer import MilvusWriter

    return MilvusWriter(path)._stored(set(hashes), model_id)


def _count_problems(client, path: str, issues: list[dict]) -> list[Problem]:
    """Each issue's recorded passage count against the passages Milvus holds for it, and passages of no issue."""
    rows = query_all(client, names()[0], "id >= 0", ["issue_id"], batch=16384)
    held: dict[str, int] = {}
    for r in rows:
        held[r["issue_id"]] = held.get(r["issue_id"], 0) + 1
    problems = []
    for i in issues:
        if i["state"] != "done":
            verb = "add" if i["state"] == "adding" else "remove"
            problems.append(
                Problem(
                    f"issue {i['issue_id']}: a write stopped while {i['state']} it; run the same {verb} again "
                    f"(qa index {verb} --store {path} ...)",
                    False,
                )
            )
        elif held.get(i["issue_id"], 0) != i["passages"]:
            problems.append(
                Problem(
                    f"issue {i['issue_id']}: {held.get(i['issue_id'], 0)} passages in Milvus, {i['passages']} "
                    f"recorded; add its file again: qa index add --replace --store {path} FILE",
                    False,
                )
            )
    orphans = sorted(set(held) - {i["issue_id"] for i in issues})
    if orphans:
        problems.append(
            Problem(
                f"passages of {len(orphans)} unknown issue(s) ({', '.join(orphans[:3])}); "
                f"remove them: qa index remove --store {path} {' '.join(orphans[:3])}",
                False,
            )
        )
    return problems


def check(path: str) -> tuple[list[Problem], list[str]]:
    """(problems, notes): issue states, per-issue passage counts and ids against Milvus's, reading only."""
    client = connect(path)
    meta = read_meta(client, names())
    if "model_id" not in meta:
        return [
            Problem(f"no archive in Milvus at {path} (build one: qa index build --store {path} FILE...)", False)
        ], []
    issues = read_issues(client, names(), ("done", "adding", "removing"))
    problems = _count_problems(client, path, issues)
    ids = query_all(client, names()[0], "id >= 0", ["id"], batch=16384)
    if ids and max(int(r["id"]) for r in ids) >= int(meta.get("next_passage_id", 1)):
        problems.append(Problem("passage ids at or above next_passage_id; run the last write again", False))
    return problems, [f"Milvus at {path}: {len(ids)} passages, {len(issues)} issues"]


def tidy(path: str) -> list[str]:
    """Nothing is left behind on disk by a Milvus write: an interrupted one is repaired by running it again."""
    return []


def summary(path: str) -> str:
    store = MilvusStore(path)
    meta = store.meta()
    return (
        f"generation {meta['generation']}, {len(store.issues())} issues, {store.passage_count()} passages, "
        f"model {meta['model_id']}"
    )
