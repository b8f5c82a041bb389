"""One write to a Milvus archive (a base.Writer): changes are collected, then applied by publish() issue by issue.

Milvus has no transaction across requests. publish() makes each change safe to repeat instead: it first raises
next_passage_id (ids are never reused), marks each changed issue "adding" or "removing" in the issues collection,
deletes the issue's passages by filter (issue_id == X), inserts the new ones, then marks the issue "done" (or
deletes its record) and raises the generation. A crash in between leaves that issue marked: its passages may be
missing or partly inserted (searchable), never duplicated once repaired. `qa index check` names such issues;
running the same add (or remove) again deletes by filter and inserts again, which repairs it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ...errors import IndexMissing, ModelMismatch
from .client import (
    char_word,
    connect,
    create_passages,
    create_small,
    has,
    lexical_kind,
    names,
    query_all,
    quoted,
    token_word,
)
from .reader import PASSAGE_FIELDS, embed_texts, read_issues, read_meta

INSERT_BATCH = 2000


def _chars(tokens: str) -> str:
    from ...text import has_cjk

    return " ".join(sorted({char_word(c) for t in tokens.split() if len(t) > 1 for c in t if has_cjk(c)}))


class MilvusWriter:
    """Collects one write's changes; publish() applies them (see the module docstring for what a crash leaves)."""

    def __init__(self, where: str):
        self.where, self.client, self.names = where, connect(where), names()
        self._meta = read_meta(self.client, self.names)
        self.generation = int(self._meta.get("generation", 0))
        self._issues = {r["issue_id"]: r for r in read_issues(self.client, self.names, ("done", "removing"))}
        # an issue with no record in any state has no passages (its record is written before them, deleted after)
        self._recorded = set(self._issues) | {r["issue_id"] for r in read_issues(self.client, self.names, ("adding",))}
        self._new_meta: dict[str, str] = {}
        self._adds: dict[str, tuple] = {}  # issue id → (issue, rows, added_at)
        self._removes: set[str] = set()
        self._vectors: dict[str, np.ndarray] = {}
        self._next_id = int(self._meta.get("next_passage_id", 1))

    def meta(self) -> dict[str, str]:
        return {**self._meta, **self._new_meta}

    def issue_ids(self) -> set[str]:
        return (set(self._issues) - self._removes) | set(self._adds)

    def issue_records(self) -> list[dict]:
        keys = ("issue_id", "paper", "date", "source", "source_hash", "added_at")
        return [{**{k: r.get(k) for k in keys}, "sources": []} for r in self._issues.values()]

    def source_hash(self, issue_id: str) -> str | None:
        if issue_id in self._adds:
            return self._adds[issue_id][0].source_hash
        if issue_id in self._removes or issue_id not in self._issues:
            return None
        return self._issues[issue_id]["source_hash"]

    def add_issue(self, issue, rows: list[tuple], added_at: float | None = None) -> None:
        self._adds[issue.issue_id] = (issue, rows, time.time() if added_at is None else added_at)

    def restore_sources(self, issue) -> bool:
        """A Milvus archive keeps no source files: nothing to restore."""
        return False

    def remove_issue(self, issue_id: str) -> set[str]:
        if issue_id in self._adds:
            _, rows, _ = self._adds.pop(issue_id)
            return {r[8] for r in rows}
        self._removes.add(issue_id)
        rows = query_all(self.client, self.names[0], f"issue_id == {quoted([issue_id])[1:-1]}", ["content_hash"])
        return {r["content_hash"] for r in rows}

    def _stored(self, hashes: set[str], model_id: str) -> set[str]:
        """Of these content hashes, those a stored passage has a vector of the model for."""
        if self._meta.get("model_id") != model_id or not hashes or not has(self.client, self.names[0]):
            return set()
        rows = query_all(self.client, self.names[0], f"content_hash in {quoted(hashes)}", ["content_hash"])
        return {r["content_hash"] for r in rows}

    def missing_vectors(self, model_id: str, hashes: set[str] | None = None) -> list[str]:
        if hashes is None:
            hashes = {r[8] for _, rows, _ in self._adds.values() for r in rows}
        todo = {h for h in hashes if h not in self._vectors}
        return sorted(todo - self._stored(todo, model_id))

    def put_vectors(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        self._vectors.update(vectors)

    def put_tags(self, tags: dict[str, list[tuple[str, str]]]) -> None:
        """Milvus keeps no tags: its answers tag the sentences they read."""

    def embed_texts(self, hashes: list[str] | None = None) -> dict[str, str]:
        from ...chunk import embed_text

        texts = {r[8]: (issue, r) for issue, rows, _ in self._adds.values() for r in rows}
        out = {h: embed_text(_titles(issue).get(r[1], ""), r[5], r[6]) for h, (issue, r) in texts.items()}
        wanted = set(out if hashes is None else hashes)
        rest = wanted - set(out)
        if rest and has(self.client, self.names[0]):
            out.update(embed_texts(self.client, self.names[0], f"content_hash in {quoted(rest)}"))
        return {h: t for h, t in out.items() if h in wanted}

    def drop_vectors(self, models: dict[str, int], gone: set[str] | None = None) -> None:
        """Vectors live on the passage rows: they go with them. A new model's vectors of another size need every
        passage re-inserted (publish refuses to mix sizes)."""

    def set_meta(self, values: dict[str, object]) -> None:
        if len(json.loads(str(values.get("models", "{}")))) > 1:
            raise ModelMismatch(
                f"{self.where} is a Milvus archive, which keeps one model's vectors; give one --model"
                " (several models in one archive need the embedded store)"
            )
        self._new_meta.update({k: str(v) for k, v in values.items()})

    def _upsert(self, collection: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), INSERT_BATCH):
            self.client.upsert(
                collection, [{**r, "placeholder": [0.0, 0.0]} for r in rows[start : start + INSERT_BATCH]]
            )

    def _put_meta(self, values: dict[str, str]) -> None:
        self._upsert(self.names[2], [{"key": k, "value": v} for k, v in values.items()])

    def _prepare_collections(self) -> None:
        """The collections, created on the first write; a model of another size is refused unless every stored
        passage is being replaced (then the passages collection is made again)."""
        create_small(self.client)
        dim, old_dim = int(self.meta()["dim"]), self._meta.get("dim")
        exists = has(self.client, self.names[0])
        if exists and old_dim and int(old_dim) != dim:
            if set(self._issues) - self._removes - set(self._adds):
                raise ModelMismatch(
                    f"{self.where} holds {old_dim}-dimensional vectors; a {dim}-dimensional model needs a new archive:"
                    f" qa index build --fresh --model MODEL --store URI FILE..."
                )
            self.client.drop_collection(self.names[0])
            exists = False
        if not exists:
            create_passages(self.client, self.where, dim)
            self._new_meta["lexical"] = lexical_kind()

    def _vector_of(self, hashes: set[str]) -> dict[str, list[float]]:
        """Vectors for these content hashes: this write's, else a stored passage's (same model)."""
        out = {h: self._vectors[h] for h in hashes if h in self._vectors}
        rest = hashes - set(out)
        if rest:
            for r in query_all(
                self.client, self.names[0], f"content_hash in {quoted(rest)}", ["content_hash", "dense"]
            ):
                out[r["content_hash"]] = r["dense"]
        missing = hashes - set(out)
        if missing:
            raise IndexMissing(f"{self.where}: no vector for {len(missing)} passage(s); run the same write again")
        return {h: np.asarray(v, dtype=np.float32).tolist() for h, v in out.items()}

    def _passage_rows(self, issue, rows: list[tuple], first_id: int) -> list[dict]:
        titles, vectors = _titles(issue), self._vector_of({r[8] for r in rows})
        keys = ("issue_id", "article_no", "paragraph_no", "part_no", "kind", "section", "text", "text_hash")
        out = []
        for n, r in enumerate(rows):
            tokens = r[9]
            row = dict(zip(keys, r[:8]), id=first_id + n, paper=issue.paper or "", date=issue.date)
            row.update(article_title=titles.get(r[1], ""), content_hash=r[8], dense=vectors[r[8]])
            row.update(words=tokens, tokens=" ".join(token_word(t) for t in tokens.split()), chars=_chars(tokens))
            out.append(row)
        return out

    def _issue_row(self, issue, rows: list[tuple], added_at: float, state: str) -> dict:
        return {
            "issue_id": issue.issue_id,
            "paper": issue.paper,
            "date": issue.date,
            "source": str(issue.source),
            "source_hash": issue.source_hash,
            "added_at": float(added_at),
            "articles": len(issue.articles),
            "passages": len(rows),
            "article_titles": [[a.no, a.title] for a in issue.articles],
            "state": state,
        }

    def _delete_passages(self, issue_id: str) -> None:
        self.client.delete(self.names[0], filter=f"issue_id == {quoted([issue_id])[1:-1]}")

    def _apply_removes(self) -> None:
        for issue_id in sorted(self._removes - set(self._adds)):
            self._upsert(self.names[1], [{**self._issues[issue_id], "state": "removing"}])
            self._delete_passages(issue_id)
            self.client.delete(self.names[1], ids=[issue_id])

    def _new_passages(self) -> dict[str, list[dict]]:
        """The rows to insert, by issue id, with new ids and their vectors (read before any old row goes)."""
        first = self._next_id
        self._next_id += sum(len(rows) for _, rows, _ in self._adds.values())
        self._put_meta({"next_passage_id": str(self._next_id)})  # before any insert: ids are never reused
        out = {}
        for issue_id, (issue, rows, _) in self._adds.items():
            out[issue_id] = self._passage_rows(issue, rows, first)
            first += len(rows)
        return out

    def _apply_adds(self, passages: dict[str, list[dict]]) -> None:
        for issue_id, (issue, rows, added_at) in self._adds.items():
            self._upsert(self.names[1], [self._issue_row(issue, rows, added_at, "adding")])
            if issue_id in self._recorded:  # a new issue has none: a delete by filter scans the whole collection
                self._delete_passages(issue_id)
            for start in range(0, len(passages[issue_id]), INSERT_BATCH):
                self.client.insert(self.names[0], passages[issue_id][start : start + INSERT_BATCH])
            self._upsert(self.names[1], [self._issue_row(issue, rows, added_at, "done")])

    def _reembed_stored(self) -> None:
        """After a model change (qa index rebuild --model), the kept issues' passages get the new vectors."""
        if self._meta.get("model_id") in (None, self.meta()["model_id"]):
            return
        for issue_id in sorted(set(self._issues) - self._removes - set(self._adds)):
            expr = f"issue_id == {quoted([issue_id])[1:-1]}"
            rows = query_all(
                self.client, self.names[0], expr, [*PASSAGE_FIELDS, "content_hash", "words", "tokens", "chars"]
            )
            vectors = {h: self._vectors[h] for h in {r["content_hash"] for r in rows}}
            for start in range(0, len(rows), INSERT_BATCH):
                part = rows[start : start + INSERT_BATCH]
                self.client.upsert(self.names[0], [{**r, "dense": vectors[r["content_hash"]].tolist()} for r in part])

    def publish(self, incremental: bool) -> dict[str, str]:
        """Apply the changes, issue by issue, and raise the generation."""
        self._prepare_collections()
        passages = self._new_passages()
        self._apply_removes()
        self._apply_adds(passages)
        self._reembed_stored()
        self._put_meta({**self._new_meta, "generation": str(self.generation + 1), "store": "milvus"})
        self.client.flush(self.names[0])
        return {"lexical": "milvus bm25", "dense": "milvus " + self.meta().get("dim", "")}


def _titles(issue) -> dict[int, str]:
    return {a.no: a.title for a in issue.articles}


@contextmanager
def writing(path: str, *, create: bool = True, fresh: bool = False) -> Iterator[MilvusWriter]:
    """One write. Milvus has no writer lock: run one writer per archive at a time (README, "Scaling out")."""
    writer = MilvusWriter(path)
    if not create and "model_id" not in writer._meta:
        raise IndexMissing(f"no archive in Milvus at {path} (build one: qa index build --store {path} FILE...)")
    yield writer
