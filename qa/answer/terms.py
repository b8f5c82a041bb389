"""The question's words, weighted, and how much of them a piece of text holds."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..text import STOP_WORDS, bigrams, has_cjk, to_simplified, words
from .patterns import FILLER_ZH, FUNCTION_CHARS, GENERIC_ZH, INTERROGATIVE, dictionary_verb

Terms = list[tuple[list[tuple[str, float]], float]]  # (alternatives with their weights, weight of the term)

PART_MATCH = 0.5  # a longer word's character bigram counts this much of the word (工作组 ~ 工作队)
_PARTICLES = frozenset("的了")
SPLIT_VERB = re.compile(r"([\u4e00-\u9fff])[的了过]([\u4e00-\u9fff])")


def question_terms(
    question: str, idf: Callable[[str], float], df: Callable[[str], int] | None = None, translated: list | None = None
) -> Terms:
    """Content words and bigrams of the question (interrogatives removed), weighted by inverse document frequency.

    For a question without Chinese, the Chinese candidates of its words: `translated` (qa.translate terms)."""
    q = INTERROGATIVE.sub(" ", to_simplified(question).lower())
    if not has_cjk(q):
        return _english_terms(q, idf, df, translated)
    terms: Terms = []
    seen = set()
    for t in words(q):
        if (len(t) > 1 or t.isdigit()) and t not in seen and t not in FILLER_ZH:
            seen.add(t)
            parts = [(b, PART_MATCH) for b in dict.fromkeys(bigrams(t)) if len(t) > 2 and b != t]
            terms.append(([(t, 1.0), *parts], idf(t)))
    for t in _split_verbs(q):  # 牵的头: the paper prints 牵头
        if t not in seen:
            seen.add(t)
            terms.append(([(t, 1.0)], idf(t)))
    return terms


def _split_verbs(question_norm: str) -> list[str]:
    """The verbs a particle splits in speech (牵的头, 开了会, 帮的忙), joined as jieba's dictionary has them."""
    joined = (m.group(1) + m.group(2) for m in SPLIT_VERB.finditer(question_norm))
    return [w for w in joined if dictionary_verb(w)]


def _english_terms(
    q: str, idf: Callable[[str], float], df: Callable[[str], int] | None, translated: list | None
) -> Terms:
    terms: Terms = []
    for term in translated or []:
        alts = [(zh, w) for zh, w in term.candidates if zh not in GENERIC_ZH]
        if alts:
            terms.append((alts, max(w * idf(zh) for zh, w in alts)))
    for t in re.findall(r"[a-z]*\d[a-z0-9.]*|[a-z]+\d*", q):
        if any(c.isdigit() for c in t) or _indexed_word(t, idf, df):
            terms.append(([(t, 1.0)], idf(t)))
    return terms


def _indexed_word(t: str, idf: Callable[[str], float], df: Callable[[str], int] | None) -> bool:
    """A Latin word the passages print (GDP, CJ6), not a stop word."""
    return bool(len(t) > 1 and t not in STOP_WORDS and idf(t) > 0 and df and df(t))


def content_chars(text: str) -> list[str]:
    """The Chinese characters of a question (or part of one) that carry its topic: no interrogative, no particle."""
    return [c for c in dict.fromkeys(INTERROGATIVE.sub("", text)) if has_cjk(c) and c not in FUNCTION_CHARS]


def coverage(terms: Terms, text: str) -> float:
    """The weighted share of the terms the text holds (a term by its best alternative)."""
    total = sum(w for _, w in terms)
    got = sum(w * max((a for t, a in alts if t in text), default=0.0) for alts, w in terms)
    return got / total if total else 0.0


def covered_share(terms: Terms, text: str) -> float:
    """Share of the text's Chinese characters inside a translation of a question word (1.0 when it has none)."""
    covered = [False] * len(text)
    for alts, _ in terms:
        for t, _ in alts:
            for m in re.finditer(re.escape(t), text):
                covered[m.start() : m.end()] = [True] * len(t)
    cjk = [c for c, _ in zip(text, covered) if has_cjk(c)]
    return sum(1 for c, cov in zip(text, covered) if cov and has_cjk(c)) / len(cjk) if cjk else 1.0


def context_units(text: str) -> set[str]:
    """Character bigrams (without a particle) and Latin words or numbers of a short context."""
    return {b for b in bigrams(text) if not set(b) & _PARTICLES} | set(re.findall(r"[a-z0-9]+", text.lower()))
