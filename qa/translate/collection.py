"""Candidates weighed by the collection: those it cannot match dropped, the more frequent the heavier."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from ..text import CJK_RUN, to_simplified, tokens

MAX_CANDIDATES = 6  # Chinese candidates kept per English term
MAX_CHARACTERS = 2  # ... and one-character candidates besides
PARTIAL_WEIGHT = 0.5  # a candidate the collection holds only parts of (工作组 when it says 工作队)
FREQUENCY_WEIGHT = 1.0  # weight × (1 + this × log(1 + passages holding the candidate))


def _weighed(
    zh: str, w: float, df: Callable[[str], int], chars: Callable[[str], int] | None
) -> tuple[float, bool] | None:
    """The candidate's weight in the collection and whether it is a character found only inside its words, or None
    when the collection cannot match it."""
    n = df(zh)
    inner = chars(zh) if n == 0 and len(zh) == 1 and chars is not None else 0
    if inner:
        return w * PARTIAL_WEIGHT * (1 + FREQUENCY_WEIGHT * math.log1p(inner)), True
    if n == 0:
        n = max((df(t) for t in _parts(zh)), default=0)
        if n == 0:
            return None
        w *= PARTIAL_WEIGHT
    w *= 1 + FREQUENCY_WEIGHT * math.log1p(n)
    return w, False


@lru_cache(maxsize=100_000)
def _parts(zh: str) -> tuple[str, ...]:
    """The candidate's lexical tokens longer than one character, memoised (the dictionary offers the same words
    question after question). A word of one or two simplified Chinese characters needs no jieba: its one bigram is
    all of them (2610 of the 3600 candidates looked up for the sample's English questions)."""
    if len(zh) <= 2 and CJK_RUN.fullmatch(zh) and to_simplified(zh) == zh:
        return (zh,) if len(zh) == 2 else ()
    return tuple(t for t in tokens(zh) if len(t) > 1)


def collection_weighted(
    cands: list[tuple[str, float]], df: Callable[[str], int] | None, chars: Callable[[str], int] | None = None
) -> list[tuple[str, float]]:
    """Candidates the collection can match (whole word, or some of its character bigrams), the more frequent in the
    collection the more weight, best MAX_CANDIDATES, scaled so the best has weight 1. With chars(c) (passages that
    hold the character inside a word), also up to MAX_CHARACTERS one-character candidates that are no token of the
    collection (购 in 新购), weaker, besides: the search never matches them, the answer step does."""
    out, inside = [], []
    for zh, w in cands:
        weighed = (w, False) if df is None else _weighed(zh, w, df, chars)
        if weighed is not None:
            (inside if weighed[1] else out).append((zh, weighed[0]))
    out = sorted(out, key=lambda kv: -kv[1])[:MAX_CANDIDATES]
    inside = sorted(inside, key=lambda kv: -kv[1])[:MAX_CHARACTERS]
    top = out[0][1] if out else inside[0][1] if inside else 1.0
    return sorted(((zh, min(w / top, 1.0)) for zh, w in out + inside), key=lambda kv: -kv[1])
