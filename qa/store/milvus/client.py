"""Milvus connection and schema: every pymilvus call of the project goes through this package.

An archive is three collections in one Milvus database: `<prefix>_passages` (one row per passage: its metadata,
text, dense vector and lexical tokens, BM25 computed by Milvus), `<prefix>_issues` (one row per issue, with the
state of an unfinished write) and `<prefix>_meta` (model, dimension, generation, next passage id). Milvus wants a
vector field in every collection: issues and meta carry a 2-dimensional placeholder.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

from ...errors import QAError

URI = re.compile(r"^(milvus|https?):/")
PREFIX = os.environ.get("QA_MILVUS_COLLECTION", "qa")
TEXT_MAX = 65535
PARTITIONS = int(os.environ.get("QA_MILVUS_PARTITIONS", "16"))  # papers are hashed into this many (Milvus's default)
PLACEHOLDER = [0.0, 0.0]
_clients: dict[str, object] = {}
_lock = threading.Lock()


class MilvusError(QAError):
    """A Milvus store that cannot be reached or used; the message names the fix."""


def is_uri(where: str | Path) -> bool:
    return bool(URI.match(str(where)))


def client_uri(where: str) -> str:
    """milvus:///abs/path.db → the milvus-lite file; milvus://host:port → http://host:port; http(s)://… as is."""
    where = str(where)
    if where.startswith("milvus:///"):
        return where[len("milvus://") :]
    if where.startswith("milvus://"):
        return "http://" + where[len("milvus://") :]
    if where.startswith("milvus:/"):  # an absolute file path that went through pathlib (one slash left)
        return where[len("milvus:") :]
    return where


def is_lite(where: str) -> bool:
    return not client_uri(where).startswith(("http://", "https://"))


def connect(where: str):
    """One MilvusClient per store location in this process (milvus-lite serves one process)."""
    uri = client_uri(where)
    with _lock:
        if uri not in _clients:
            import logging

            from pymilvus import MilvusClient

            logging.getLogger("pymilvus").setLevel(logging.ERROR)  # query_iterator warns on every milvus-lite call

            if is_lite(where):
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                _clients[uri] = MilvusClient(uri, token=os.environ.get("QA_MILVUS_TOKEN", ""))
            except Exception as e:  # pymilvus raises its own and grpc errors
                raise MilvusError(
                    f"cannot reach Milvus at {where} ({type(e).__name__}); start it or fix --store"
                ) from e
        return _clients[uri]


def names(prefix: str = PREFIX) -> tuple[str, str, str]:
    return f"{prefix}_passages", f"{prefix}_issues", f"{prefix}_meta"


def has(client, collection: str) -> bool:
    """Whether the collection exists; loaded into memory for search and query if it is not (after a restart)."""
    if not client.has_collection(collection):
        return False
    if "NotLoad" in str(client.get_load_state(collection).get("state")):
        client.load_collection(collection)
    return True


def token_word(token: str) -> str:
    """A lexical token as one ASCII word Milvus's standard analyzer keeps whole: the same tokens as the embedded
    store (jieba words + bigrams of opencc-simplified text) scored by Milvus's BM25."""
    return "t" + hashlib.blake2b(token.encode("utf-8"), digest_size=6).hexdigest()


def char_word(char: str) -> str:
    return "c" + hashlib.blake2b(char.encode("utf-8"), digest_size=6).hexdigest()


def _varchar(schema, name: str, length: int = 512, **kw) -> None:
    from pymilvus import DataType

    schema.add_field(name, DataType.VARCHAR, max_length=length, **kw)


def _small_collection(client, name: str, key: str, fields: dict[str, str]) -> None:
    """A table-like collection: a VARCHAR key, scalar fields (VARCHAR, DOUBLE, INT64, JSON) and the placeholder."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    _varchar(schema, key, is_primary=True)
    kinds = {"INT64": DataType.INT64, "DOUBLE": DataType.DOUBLE, "JSON": DataType.JSON}
    for field, kind in fields.items():
        if kind == "VARCHAR":
            _varchar(schema, field, TEXT_MAX, nullable=True)
        else:
            schema.add_field(field, kinds[kind], nullable=True)
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)


ISSUE_FIELDS = {
    "paper": "VARCHAR",
    "date": "VARCHAR",
    "source": "VARCHAR",
    "source_hash": "VARCHAR",
    "added_at": "DOUBLE",
    "articles": "INT64",
    "passages": "INT64",
    "article_titles": "JSON",  # [[no, title], ...]: the articles, for `qa index copy` back
    "state": "VARCHAR",  # "done", or "adding"/"removing" while a write is under way (a crash leaves it)
}


def create_small(client, prefix: str = PREFIX) -> None:
    """The issues and meta collections, if missing."""
    _, issues, meta = names(prefix)
    if not client.has_collection(issues):
        _small_collection(client, issues, "issue_id", ISSUE_FIELDS)
    if not client.has_collection(meta):
        _small_collection(client, meta, "key", {"value": "VARCHAR"})


def dense_index(where: str) -> tuple[str, dict]:
    """FLAT on milvus-lite (exact, as the embedded store below 50k); HNSW on a server ($QA_MILVUS_INDEX overrides:
    IVF_SQ8 or IVF_PQ for 10 M passages and more, see README "Scaling out")."""
    kind = os.environ.get("QA_MILVUS_INDEX") or ("FLAT" if is_lite(where) else "HNSW")
    params = {"HNSW": {"M": 16, "efConstruction": 200}, "IVF_SQ8": {"nlist": 4096}, "IVF_PQ": {"nlist": 4096, "m": 32}}
    return kind, params.get(kind, {})


def lexical_kind() -> str:
    """What Milvus's BM25 reads: "tokens" (the default: the project's tokens as hashed words, the same tokens as the
    embedded store) or "jieba" (the passage text through Milvus's jieba analyzer; bench/milvus.py compares them)."""
    kind = os.environ.get("QA_MILVUS_LEXICAL", "tokens")
    if kind not in ("tokens", "jieba"):
        raise MilvusError(f"QA_MILVUS_LEXICAL={kind!r}: use tokens or jieba")
    return kind


def create_passages(client, where: str, dim: int, prefix: str = PREFIX) -> None:
    """The passages collection for vectors of dim, partitioned by paper (a search within one paper reads only its
    partition): scalar metadata, the text, the lexical tokens as hashed words
    (BM25 by Milvus into `lexical`), CJK characters inside words (into `char_lexical`: document frequencies are
    counted as BM25 hits, which the sparse inverted index answers without reading rows), the dense vector."""
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    _varchar(schema, "issue_id", 256)
    # a partition key cannot be null: "" stands for an unknown paper (read back as None)
    _varchar(schema, "paper", 1024, is_partition_key=True)
    for name in ("date", "kind", "section", "article_title"):
        _varchar(schema, name, 1024, nullable=True)
    for name in ("article_no", "paragraph_no", "part_no"):
        schema.add_field(name, DataType.INT64)
    jieba = lexical_kind() == "jieba"
    _varchar(schema, "text", TEXT_MAX, enable_analyzer=jieba, analyzer_params={"tokenizer": "jieba"} if jieba else None)
    _varchar(schema, "text_hash", 64)
    _varchar(schema, "content_hash", 64)
    _varchar(schema, "words", TEXT_MAX)  # the project's tokens as they are (for `qa index copy` back)
    standard = {"tokenizer": "standard"}
    _varchar(schema, "tokens", TEXT_MAX, enable_analyzer=True, analyzer_params=standard)
    _varchar(schema, "chars", TEXT_MAX, enable_analyzer=True, analyzer_params=standard)
    schema.add_field("lexical", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("char_lexical", DataType.SPARSE_FLOAT_VECTOR)  # only to count passages holding a character
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text" if jieba else "tokens"],
            output_field_names=["lexical"],
        )
    )
    schema.add_function(
        Function(
            name="bm25_chars",
            function_type=FunctionType.BM25,
            input_field_names=["chars"],
            output_field_names=["char_lexical"],
        )
    )
    from ..lexical import BM25_B, BM25_K1

    index = client.prepare_index_params()
    kind, params = dense_index(where)
    index.add_index("dense", index_type=kind, metric_type="IP", params=params)
    index.add_index(
        "lexical", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": BM25_K1, "bm25_b": BM25_B}
    )
    index.add_index("char_lexical", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    for name in ("issue_id", "content_hash", "paper", "date"):
        index.add_index(name, index_type="INVERTED")
    client.create_collection(names(prefix)[0], schema=schema, index_params=index, num_partitions=PARTITIONS)


def query_all(client, collection: str, filter: str, fields: list[str], batch: int = 4096) -> list[dict]:
    """Every row matching filter (query_iterator: no 16384-row limit)."""
    it = client.query_iterator(collection, filter=filter, output_fields=fields, batch_size=batch)
    rows: list[dict] = []
    try:
        while page := it.next():
            rows.extend(page)
    finally:
        it.close()
    return rows


def quoted(values) -> str:
    """A Milvus list literal of strings: ["a", "b"] (json escapes quotes and backslashes as Milvus reads them)."""
    import json

    return json.dumps([str(v) for v in values], ensure_ascii=False)
