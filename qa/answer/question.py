"""The question, read once per ask: what type of answer it wants, in which unit, and the words it says it with."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ..text import bigrams, has_cjk, to_simplified
from .extractors import OTHER, Extractor, asked_type
from .patterns import (
    ASKED_COUNT_EN,
    ASKED_MONEY_EN,
    ASKED_MONEY_ZH,
    ASKED_UNIT_ZH,
    CLASS_NOUN,
    DATE_GRAIN,
    EN_UNIT_WORDS,
    EN_UNITS,
    INTERROGATIVE,
    LINKER,
    LINKER_AS_PRINTED,
    PREPOSITION,
    label_form,
)
from .terms import Terms, content_chars, context_units, question_terms

ALIGN_CHARS = 5  # question characters each side of its interrogative
BIGRAM_WEIGHT = 0.5  # span ranking: each character pair of the question, on its idf (市派驻村工作队45支 vs 省派…5支)

Slots = tuple[frozenset[str], frozenset[str]]


@dataclass
class Question:
    """A question as the answer step uses it."""

    text: str
    norm: str  # simplified
    language: str  # "zh" (the question has Chinese characters) or "en"
    extractor: Extractor | None  # of the asked answer type; None: OTHER
    unit: str | None  # the measure word or unit asked in (多少支 → 支)
    grain: str | None  # a date asked by year, month or day: the pattern its answer must match
    linker: str | None  # the character printed before the answer, no part of it (缩短到几个 → 到, 经哪个部门 → 经)
    slots: Slots | None  # what the question says just before and after its interrogative
    terms: Terms  # its content words, idf-weighted
    span_terms: Terms  # those and every character pair of the question, to rank candidates
    chars: list[str]  # its content characters
    idf: Callable[[str], float]
    translated: list | None  # an English question's qa.translate terms
    restricted: str = ""  # its words as a label prints them (市里派了 → 市派): what a part of a total is named by

    @property
    def qtype(self) -> str:
        return self.extractor.qtype if self.extractor else OTHER

    @property
    def english(self) -> bool:
        return self.language == "en"

    @classmethod
    def read(
        cls,
        text: str,
        idf: Callable[[str], float] | None = None,
        df: Callable[[str], int] | None = None,
        translated: list | None = None,
    ) -> Question:
        """The question; idf weighs its words (default: all 1), df and translated as in qa.answer.extract."""
        idf = lru_cache(maxsize=None)(idf) if idf else (lambda t: 1.0)  # asked again for every candidate's context
        norm = to_simplified(text)
        english = not has_cjk(text)
        if english and translated is None:
            from ..translate import translate

            translated = translate(text, df)
        terms = question_terms(text, idf, df, translated)
        return cls(
            text=text,
            norm=norm,
            language="en" if english else "zh",
            extractor=asked_type(norm, not has_cjk(norm)),
            unit=question_unit(text),
            grain=next((g for p, g in DATE_GRAIN if re.search(p, norm, re.I)), None),
            linker=_linker(norm),
            slots=slots(norm),
            terms=terms,
            span_terms=terms + _pair_terms(norm, terms, idf),
            chars=content_chars(norm),
            idf=idf,
            translated=translated,
            restricted=label_form(_squeeze(norm)),
        )


def question_type(question: str) -> str:
    """The answer type the question asks for (a key of qa.answer.EXTRACTORS, or "other")."""
    q = to_simplified(question)
    extractor = asked_type(q, not has_cjk(q))
    return extractor.qtype if extractor else OTHER


def question_unit(question: str) -> str | None:
    """The measure word or unit the question asks in (多少支 → 支, how many pairs → 对), if it names one."""
    q = to_simplified(question)
    if has_cjk(q):
        m = ASKED_UNIT_ZH.search(q)
        if m:
            return m.group(1)
        return "元" if ASKED_MONEY_ZH.search(q) else None
    if ASKED_MONEY_EN.search(q):
        return "元"  # how much is a ticket: an amount of money, not 3.5对
    m = ASKED_COUNT_EN.search(q)
    for w in m.group(1).lower().split() if m else []:
        if w in EN_UNITS:
            return EN_UNITS[w]
    return next((EN_UNITS[w] for w in re.findall(r"[a-z]+", q.lower()) if w in EN_UNIT_WORDS), None)


def _linker(question_norm: str) -> str | None:
    m = LINKER.search(question_norm) or PREPOSITION.search(question_norm)
    return LINKER_AS_PRINTED.get(m.group(1), m.group(1)) if m else None


def _pair_terms(question_norm: str, terms: Terms, idf: Callable[[str], float]) -> Terms:
    """Every character pair of the question not already a term: next to a number, each counts."""
    return [
        ([(b, 1.0)], BIGRAM_WEIGHT * idf(b))
        for b in dict.fromkeys(bigrams(INTERROGATIVE.sub(" ", question_norm)))
        if not any(b == t for alts, _ in terms for t, _ in alts)
    ]


def _squeeze(text: str) -> str:
    return re.sub(r"[^\u4e00-\u9fffa-z0-9]", "", text.lower())


def slots(question_norm: str) -> Slots | None:
    """What the question says just before and just after its interrogative (谁|主持召开 → 主持, 持召, 召开; its
    measure word or class noun skipped: 几个工作日|), or None for a question without a Chinese interrogative."""
    m = INTERROGATIVE.search(question_norm)
    if not m or not has_cjk(question_norm):
        return None
    left, right = _squeeze(question_norm[: m.start()]), question_norm[m.end() :]
    right = _squeeze(right[CLASS_NOUN.match(right).end() :])
    # ALIGN_CHARS characters each side, widened to whole Latin words (GDP, not DP)
    i = max(len(left) - ALIGN_CHARS, 0)
    while 0 < i and left[i - 1 : i + 1].isascii() and left[i - 1 : i + 1].isalnum():
        i -= 1
    j = min(ALIGN_CHARS, len(right))
    while j < len(right) and right[j - 1 : j + 1].isascii() and right[j - 1 : j + 1].isalnum():
        j += 1
    return frozenset(context_units(left[i:])), frozenset(context_units(right[:j]))
