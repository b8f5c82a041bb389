"""The Milvus store, read side: Store and SearchFiles over the collections of qa.store.milvus.client."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from ...errors import IndexMissing, QAError
from ..base import Filters, check_known
from .client import char_word, connect, has, names, query_all, quoted, token_word

PASSAGE_FIELDS = [
    "id",
    "text",
    "issue_id",
    "paper",
    "date",
    "article_no",
    "article_title",
    "paragraph_no",
    "part_no",
    "section",
    "kind",
    "text_hash",
]
ISSUE_KEYS = ["issue_id", "paper", "date", "articles", "passages", "source", "source_hash", "added_at"]
LEXICAL_LIMIT = 1000  # BM25 hits fetched per query: the fusion uses the best 100-400
ONLY_ID = ["id"]  # a search's output fields: with none named, milvus-lite returns every field (~30x slower)


def read_meta(client, prefix_names) -> dict[str, str]:
    meta = prefix_names[2]
    if not has(client, meta):
        return {}
    return {r["key"]: r["value"] for r in client.query(meta, filter='key != ""', output_fields=["value"], limit=1000)}


def read_issues(client, prefix_names, states=("done",)) -> list[dict]:
    issues = prefix_names[1]
    if not has(client, issues):
        return []
    rows = query_all(client, issues, f"state in {quoted(states)}", ["*"])
    for r in rows:
        r.pop("placeholder", None)
    return rows


@dataclass(frozen=True)
class MilvusFilter:
    """A search's filters as a Milvus filter expression (what MilvusStore.select gives as `allowed`); len() is the
    number of passages it allows."""

    expr: str
    count: int

    def __len__(self) -> int:
        return self.count


def filter_expr(filters: Filters) -> str:
    """issue_id in [...] and paper in [...] and date >= "..." and date <= "...": the conditions given."""
    parts = [
        f"{name} in {quoted(values)}"
        for name, values in (("issue_id", filters.issues), ("paper", filters.papers))
        if values is not None
    ]
    parts += [
        f"date {op} {quoted([bound])[1:-1]}"
        for bound, op in ((filters.since, ">="), (filters.until, "<="))
        if bound is not None
    ]
    return " and ".join(parts)


def _id_filter(allowed: np.ndarray | MilvusFilter | None) -> str:
    if isinstance(allowed, MilvusFilter):
        return allowed.expr
    return "" if allowed is None else f"id in {[int(i) for i in allowed]}"


@dataclass
class MilvusFiles:
    """The search side of one generation of a Milvus archive (SearchFiles): BM25 and dense search run in Milvus,
    filters as Milvus expressions. ids: every passage id of the generation (the rows lexical_scores aligns with)."""

    client: object
    collection: str
    gen: int
    ids: np.ndarray
    lexical: str = "tokens"  # what BM25 reads: client.lexical_kind() when the collection was made
    _row: dict = field(default_factory=dict)
    _df: dict = field(default_factory=dict)  # (field, word) → passages holding it, for this generation

    def __post_init__(self):
        self._row = {int(i): n for n, i in enumerate(self.ids)}

    def lexical_scores(self, tokens: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        scores = np.zeros(len(self.ids), dtype=np.float32)
        words = " ".join(tokens if self.lexical == "jieba" else (token_word(t) for t in tokens))
        if not words or not len(self.ids):
            return scores
        hits = self.client.search(
            self.collection,
            data=[words],
            anns_field="lexical",
            limit=min(LEXICAL_LIMIT, len(self.ids)),
            filter=_id_filter(allowed),
            output_fields=ONLY_ID,
            search_params={"metric_type": "BM25"},
        )[0]
        for h in hits:
            row = self._row.get(int(h["id"]))
            if row is not None:
                scores[row] = abs(float(h["distance"]))  # milvus-lite reports BM25 scores negated
        return scores

    def dense_search(
        self, qvec: np.ndarray, n: int, allowed: np.ndarray | None, model: str | None = None
    ) -> dict[int, float]:
        """model: ignored, a Milvus archive holds one model's vectors (its writer refuses a second)."""
        if not len(self.ids) or n <= 0:
            return {}
        hits = self.client.search(
            self.collection,
            data=[qvec.astype(np.float32).tolist()],
            anns_field="dense",
            limit=min(n, len(self.ids), 16384),
            filter=_id_filter(allowed),
            output_fields=ONLY_ID,
            search_params={"metric_type": "IP", "params": {"ef": max(128, n)}},
        )[0]
        return {int(h["id"]): float(h["distance"]) for h in hits}

    def cosines(self, qvec: np.ndarray, ids: list[int], model: str | None = None) -> dict[int, float]:
        if not ids:
            return {}
        rows = self.client.get(self.collection, ids=[int(i) for i in ids], output_fields=["dense"])
        return {int(r["id"]): float(np.asarray(r["dense"], dtype=np.float32) @ qvec) for r in rows}

    def _hits(self, field: str, word: str) -> int:
        """Passages holding the word: its BM25 hits (at most 16384, Milvus's limit; idf barely moves beyond)."""
        key = (field, word)
        if key not in self._df:
            hits = self.client.search(
                self.collection,
                data=[word],
                anns_field=field,
                limit=min(16384, max(1, len(self.ids))),
                output_fields=ONLY_ID,
                search_params={"metric_type": "BM25"},
            )[0]
            self._df[key] = len(hits)
        return self._df[key]

    def document_frequency(self, token: str) -> int:
        if self.lexical == "jieba":
            return self._hits("lexical", token)
        return self._hits("lexical", token_word(token))

    def character_frequency(self, char: str) -> int:
        """Passages holding the character inside a word; 0 for a character that is a token of its own."""
        if self.document_frequency(char):
            return 0
        return self._hits("char_lexical", char_word(char))


class MilvusStore:
    """A Milvus archive opened for reading (Store). Safe to share between threads; several processes and machines
    can read one Milvus server at once."""

    def __init__(self, where: str):
        self.path = where
        self.client = connect(where)
        self.names = names()
        self._lock = threading.RLock()
        self._files: MilvusFiles | None = None
        if "model_id" not in self.meta() or not has(self.client, self.names[0]):
            raise IndexMissing(f"no archive in Milvus at {where} (build one: qa index build --store {where} FILE...)")

    def generation(self) -> int:
        return int(self.meta().get("generation", 0))

    def meta(self) -> dict[str, str]:
        return read_meta(self.client, self.names)

    def search_files(self) -> MilvusFiles:
        with self._lock:
            gen = self.generation()
            if self._files is None or self._files.gen != gen:
                rows = query_all(self.client, self.names[0], "id >= 0", ["id"], batch=16384)
                ids = np.array(sorted(int(r["id"]) for r in rows), dtype=np.int64)
                self._files = MilvusFiles(self.client, self.names[0], gen, ids, self.meta().get("lexical", "tokens"))
            return self._files

    def issues(self) -> list[dict]:
        rows = [{k: r.get(k) for k in ISSUE_KEYS} for r in read_issues(self.client, self.names)]
        return sorted(rows, key=lambda r: (r["date"] or "", r["added_at"]), reverse=True)

    def passage_count(self) -> int:
        rows = self.client.query(self.names[0], filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def passage_ids(self, issue_ids: list[str]) -> np.ndarray:
        expr = self.select(Filters(issues=tuple(issue_ids))).expr
        rows = query_all(self.client, self.names[0], expr, ["id"])
        return np.array(sorted(int(r["id"]) for r in rows), dtype=np.int64)

    def select(self, filters: Filters) -> MilvusFilter:
        """The filters as a Milvus expression: run by Milvus on every search (a paper condition searches only that
        paper's partitions: `paper` is the passages' partition key)."""
        if filters.issues:
            rows = self.client.query(
                self.names[1],
                filter=f'issue_id in {quoted(filters.issues)} and state == "done"',
                output_fields=["issue_id"],
                limit=len(filters.issues),
            )
            check_known(filters.issues, {r["issue_id"] for r in rows})
        expr = filter_expr(filters)
        count = self.client.query(self.names[0], filter=expr, output_fields=["count(*)"])[0]["count(*)"]
        return MilvusFilter(expr, int(count))

    def passages(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        rows = self.client.get(self.names[0], ids=[int(i) for i in ids], output_fields=PASSAGE_FIELDS)
        return {int(r["id"]): {**{k: r[k] for k in PASSAGE_FIELDS}, "paper": r["paper"] or None} for r in rows}

    def passage_tags(self, ids: list[int]) -> dict[int, str]:
        return {}  # the answer step tags the sentences it reads

    def preceding_text(self, issue_id: str, article_no: int, paragraph_no: int, part_no: int) -> str | None:
        expr = (
            f"issue_id == {quoted([issue_id])[1:-1]} and article_no == {int(article_no)} and (paragraph_no < "
            f"{int(paragraph_no)} or (paragraph_no == {int(paragraph_no)} and part_no < {int(part_no)}))"
        )
        rows = query_all(self.client, self.names[0], expr, ["paragraph_no", "part_no", "text"])
        return max(rows, key=lambda r: (r["paragraph_no"], r["part_no"]))["text"] if rows else None

    def close(self) -> None:
        """Nothing to release: the client is shared by every store of this location in the process."""

    def issue_records(self) -> list[dict]:
        """The issues, without kept source files: a Milvus archive keeps passages, not files (a rebuild re-embeds
        the stored passages)."""
        keys = ("issue_id", "paper", "date", "source", "source_hash", "added_at")
        return [{**{k: r.get(k) for k in keys}, "sources": []} for r in read_issues(self.client, self.names)]

    def read_source(self, sha256: str, issue_id: str, name: str) -> bytes:
        raise QAError(
            f"{self.path} keeps no source files ({issue_id}: {name}); read the issue from its file again: "
            f"qa index add --replace --store {self.path} FILE"
        )

    def embed_texts(self, issue_ids: list[str]) -> dict[str, str]:
        return embed_texts(self.client, self.names[0], f"issue_id in {quoted(issue_ids)}")

    def issue_dump(self, issue_id: str) -> tuple[object, list[tuple], dict[str, np.ndarray], float]:
        """Articles keep their numbers and titles (kickers, reporters and bylines stay in the embedded store); no
        source files (a Milvus archive keeps none), no page or OCR confidence."""
        from ...parse import Article, Issue

        expr = f"issue_id == {quoted([issue_id])[1:-1]}"
        (r,) = self.client.query(self.names[1], filter=expr, output_fields=ISSUE_KEYS + ["article_titles"], limit=1)
        issue = Issue(issue_id, r["paper"], r["date"], r["source"], r["source_hash"])
        issue.articles = [Article(no, title) for no, title in r["article_titles"]]
        fields = [*PASSAGE_FIELDS, "content_hash", "words", "dense"]
        rows = sorted(
            query_all(self.client, self.names[0], expr, fields),
            key=lambda p: p["id"],
        )
        keys = (
            "issue_id",
            "article_no",
            "paragraph_no",
            "part_no",
            "kind",
            "section",
            "text",
            "text_hash",
            "content_hash",
            "words",
        )
        vectors = {p["content_hash"]: np.asarray(p["dense"], dtype=np.float32) for p in rows}
        # printed page and OCR confidence are not kept in Milvus yet: a copy back has them unknown
        return issue, [(*(p[k] for k in keys), None, None) for p in rows], vectors, r["added_at"]


def embed_texts(client, collection: str, expr: str) -> dict[str, str]:
    """What the model embeds for each content hash of the passages matching expr."""
    from ...chunk import embed_text

    rows = query_all(client, collection, expr, ["content_hash", "article_title", "section", "text"])
    return {r["content_hash"]: embed_text(r["article_title"], r["section"], r["text"]) for r in rows}
