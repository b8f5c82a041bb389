"""The generic span score: how well a candidate's surroundings say what the question says; every weight named."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..text import to_simplified
from .extractors import RULED_OUT, Candidate, Extractor
from .patterns import BOOK_TITLE_MARKS, ORG_SUFFIX, clause_bounds
from .terms import Terms, context_units, coverage, covered_share

if TYPE_CHECKING:
    from .question import Question

ALIGN_WINDOW = 8  # sentence characters each side of a candidate compared with the question's slots
ALIGN_WEIGHT = 1.0  # on the question's words around its interrogative, around the candidate
CLAUSE_WEIGHT = 1.0  # on the share of the question's words in the candidate's clause
BARE_CLAUSE = 6  # a clause with at most this many characters besides the candidate says little by itself:
LEAD_WEIGHT = 0.5  # ... the share of the question's words in the clause before it counts (增长13.8%: its subject)
FRAME_WEIGHT = 0.5  # ... or, for a candidate opening the sentence, in the rest of it (5月5日下午,…座谈会在株洲举行)
NEAR_WEIGHT = 0.5  # on the question's words next to the candidate, each by its distance:
NEAR_DECAY = 6  # ... exp(-characters / NEAR_DECAY)
AFTER_STRETCH = 1.5  # ... a word after the candidate counting this much further away than one before it
FAR = 99  # ... the distance of a word not found on that side
EXTRA_WEIGHT = 0.5  # English: on the share of its clause the question's words account for
DESCRIBED_WEIGHT = 1.0  # ... against the share of the candidate itself they translate (its 公司 aside)
LINKER_WEIGHT = 0.2  # printed after the question's linker (缩短到5个工作日 for 缩短到几个)
LINKER_CHARS = 2  # ... ending the characters just before the candidate
UNIT_WEIGHT = 0.3  # in the unit asked (+) or another one (-)
RULED_OUT_SCORE = -1.0  # the score of a candidate that cannot be the answer (what the question already says)
# The largest score the above can add up to (each share is at most 1), before the extractor's fit (see score_bound):
# the pruning of candidate sentences in qa.answer.pipeline relies on it.
SPAN_SCORE_MAX = (
    CLAUSE_WEIGHT * (1 + max(LEAD_WEIGHT, FRAME_WEIGHT))
    + NEAR_WEIGHT
    + ALIGN_WEIGHT
    + EXTRA_WEIGHT
    + LINKER_WEIGHT
    + UNIT_WEIGHT
)
TYPED_SENTENCE_BONUS = 0.35  # sentence ranking: a sentence holding a candidate of the asked type (a date for "when")
TYPED_SPAN_WEIGHT = 0.1  # ... plus this much of its best candidate's score
UNIT_SENTENCE_BONUS = 0.3  # ... plus this when that candidate is in the unit asked (多少家: 7820家, not 3.5万人次)
CLAUSE_COSINE_WEIGHT = 2.0  # English: on the cosine of the question and a candidate's clause
MAX_ENCODED_SPANS = 8  # ... of the best candidates


@dataclass
class Span:
    """A candidate and its score."""

    candidate: Candidate
    score: float = 0.0
    context: float = 0.0  # the share of the question's words around it
    unit_match: int = 0
    align: float = 0.0
    meaning: float | None = None  # English, re-ranked by meaning: the cosine of its clause with the question

    @property
    def text(self) -> str:
        return self.candidate.text

    @property
    def start(self) -> int:
        return self.candidate.start

    @property
    def end(self) -> int:
        return self.candidate.end

    @property
    def kind(self) -> str | None:
        return self.candidate.kind


def score_bound(extractor: Extractor) -> float:
    """The largest score a candidate of the extractor's type can get."""
    return SPAN_SCORE_MAX + extractor.max_fit


def typed_bonus(extractor: Extractor, best: Span) -> float:
    """What a sentence gains for holding a candidate of the asked type (best: its best one)."""
    return (
        TYPED_SENTENCE_BONUS
        + TYPED_SPAN_WEIGHT * min(max(best.score, 0), score_bound(extractor))
        + UNIT_SENTENCE_BONUS * (best.unit_match > 0)
    )


def max_typed_bonus(extractor: Extractor) -> float:
    """The most typed_bonus can give: a sentence further than this below the runner-up cannot become either."""
    return (
        TYPED_SENTENCE_BONUS
        + TYPED_SPAN_WEIGHT * score_bound(extractor)
        + UNIT_SENTENCE_BONUS
        + extractor.max_sentence_bonus
    )


def typed_bonus_bound(question: Question, s: str) -> float:
    """The most typed_bonus and sentence_bonus can give the simplified sentence s. Each share in score_span is of
    the question's words (span_terms, or its slots) found in s: a sentence with none of them gets only the rest."""
    extractor = question.extractor
    if any(t in s for alts, _ in question.span_terms for t, _ in alts):
        span = score_bound(extractor)
    else:
        slotted = question.slots is not None and any(u in s.lower() for side in question.slots for u in side)
        span = (
            ALIGN_WEIGHT * slotted
            + NEAR_WEIGHT * math.exp(-FAR / NEAR_DECAY)  # _nearness of words found on neither side
            + EXTRA_WEIGHT * (question.slots is None)
            + LINKER_WEIGHT * bool(question.linker and question.linker in s)
            + UNIT_WEIGHT * extractor.in_units
            + extractor.max_fit
        )
    return (
        TYPED_SENTENCE_BONUS
        + TYPED_SPAN_WEIGHT * span
        + UNIT_SENTENCE_BONUS * extractor.in_units
        + extractor.max_sentence_bonus
    )


def alignment(slots, sentence_norm: str, start: int, end: int, idf: Callable[[str], float]) -> float:
    """The (idf-weighted) share of what the question says around its interrogative that the sentence says on the
    same side of the candidate, nearby: the candidate fills the question's gap (由城发集团成立 for 由哪家单位成立)."""
    if not slots or not (slots[0] or slots[1]):
        return 0.0
    left = context_units(sentence_norm[max(start - ALIGN_WINDOW, 0) : start])
    right = context_units(sentence_norm[end : end + ALIGN_WINDOW])
    total = sum(idf(u) for side in slots for u in side)
    got = sum(idf(u) for u in slots[0] & left) + sum(idf(u) for u in slots[1] & right)
    return got / total if total > 0 else 0.0


def _align(question: Question, s: str, c: Candidate) -> float:
    if question.slots is not None:
        return alignment(question.slots, s, c.start, c.end, question.idf)
    # no Chinese interrogative (an English question): its words on either side of the candidate, nearby
    window = s[max(c.start - ALIGN_WINDOW, 0) : c.start] + " " + s[c.end : c.end + ALIGN_WINDOW]
    return coverage(question.span_terms, window)


def _nearness(terms: Terms, s: str, c: Candidate) -> float:
    """The question's words next to the candidate, each by its weight and distance."""
    near = 0.0
    for alts, w in terms:
        best = 0.0
        for t, a in alts:
            i = s.rfind(t, 0, c.start)
            j = s.find(t, c.end)
            before = (c.start - (i + len(t))) if i >= 0 else FAR
            after = (j - c.end) * AFTER_STRETCH if j >= 0 else FAR
            best = max(best, a * math.exp(-max(min(before, after), 0) / NEAR_DECAY))
        near += w * best
    return near


def _english_bonus(question: Question, extractor: Extractor, s: str, c: Candidate, clause: tuple[int, int]) -> float:
    """In a list (董事长周清和, …研究所有限公司董事长李东林) the item the question describes has no words it omits;
    and "Which group set up the Zhuzhou urban renewal investment company?" is not answered by the company it names."""
    a, b = clause
    terms = question.span_terms
    bonus = EXTRA_WEIGHT * covered_share(terms, s[a : c.start] + " " + s[c.end : b])
    if extractor.named:
        bonus -= DESCRIBED_WEIGHT * covered_share(terms, ORG_SUFFIX.sub("", c.norm))
    return bonus


def _context(question: Question, extractor: Extractor, s: str, c: Candidate, clause: tuple[int, int]) -> float:
    """The share of the question's words in the candidate's clause (and, for a bare one, next to it)."""
    a, b = clause
    terms = question.span_terms
    context = extractor.context(question, s, c, coverage(terms, s[a:b]))
    if b - a - len(c.text) <= BARE_CLAUSE and a > 1:
        pa, _ = clause_bounds(s, a - 1, a - 1)
        context += LEAD_WEIGHT * coverage(terms, s[pa:a])
    elif b - a - len(c.text) <= BARE_CLAUSE and a == 0 and extractor.frames_sentence:
        context += FRAME_WEIGHT * coverage(terms, s[b:])
    return context


def _of_question(question: Question, c: Candidate) -> bool:
    """A name made of the question's own characters (企业家座谈会 for 哪些企业家参加了座谈会) is what it asks about."""
    chars = [ch for ch in c.norm if "\u4e00" <= ch <= "\u9fff"]
    return question.extractor.named and len(chars) > 1 and all(ch in question.norm for ch in chars)


def score_span(question: Question, extractor: Extractor, s: str, c: Candidate) -> Span:
    """The candidate's span scored in the simplified sentence s."""
    span = Span(c, align=_align(question, s, c))
    if c.norm in question.norm or BOOK_TITLE_MARKS.sub("", c.norm) in question.norm or _of_question(question, c):
        span.score = RULED_OUT_SCORE  # the answer is never what the question already says
        return span
    clause = clause_bounds(s, c.start, c.end)
    span.context = _context(question, extractor, s, c, clause)
    bonus = _english_bonus(question, extractor, s, c, clause) if question.slots is None else 0.0
    total = sum(w for _, w in question.span_terms) or 1.0
    near = _nearness(question.span_terms, s, c)
    span.score = CLAUSE_WEIGHT * span.context + NEAR_WEIGHT * near / total + ALIGN_WEIGHT * span.align + bonus
    if question.linker and s[max(c.start - LINKER_CHARS, 0) : c.start].endswith(question.linker):
        span.score += LINKER_WEIGHT
    span.unit_match = extractor.unit_match(question, c)
    span.score += UNIT_WEIGHT * span.unit_match
    fit = extractor.fit(question, c)
    if fit is RULED_OUT:
        span.score = RULED_OUT_SCORE
    else:
        span.score += fit
    return span


def score_spans(question: Question, sentence: str) -> list[Span]:
    """The candidates of the asked type in the sentence, best first."""
    extractor = question.extractor
    s = to_simplified(sentence)
    spans = [score_span(question, extractor, s, _unframed(question, c)) for c in extractor.candidates(sentence)]
    return sorted(spans, key=lambda x: -x.score)


def _unframed(question: Question, c: Candidate) -> Candidate:
    """市国资委, not 经市国资委, for 经哪个部门批准: the question's linker is printed before the answer."""
    p = question.linker
    if p and c.norm.startswith(p) and len(c.text) > 2:
        return Candidate(c.text[1:], c.start + 1, c.kind)
    return c


def rank_by_meaning(spans: list[Span], sentence: str, encode: Callable[[list[str]], object], qvec) -> list[Span]:
    """English questions share no words with the sentence: the best candidates ranked by their clause's meaning."""
    import numpy as np

    spans = spans[:MAX_ENCODED_SPANS]
    clauses = [sentence[slice(*clause_bounds(sentence, sp.start, sp.end))] for sp in spans]
    cvecs = np.asarray(encode(clauses), dtype=np.float32)
    for sp, c in zip(spans, cvecs @ qvec):
        sp.meaning = float(c)
        sp.score += CLAUSE_COSINE_WEIGHT * sp.meaning
    return sorted(spans, key=lambda x: -x.score)
