"""One extractor per answer type, found in a registry keyed by the type.

An extractor says when a question asks for its type, finds the candidates of its type in a sentence and says how a
candidate fits the question. A new answer type is one Extractor subclass and one line in the registry below."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ..search import Passage
from ..text import to_simplified
from . import finders
from .finders import Found
from .patterns import (
    BYLINE,
    BYLINE_ASKED,
    DATE,
    DEICTIC,
    DOCUMENT,
    ORG_SUFFIX,
    PLACE_SUFFIX,
    SAME_DAY,
    TIME,
    TITLE,
    clause_bounds,
)
from .sentences import sentence_start
from .terms import coverage

if TYPE_CHECKING:
    from .question import Question
    from .spans import Span

BYLINE_PENALTY = 2.0  # person: a reporter named in the byline, for a question about someone else
OTHER = "other"  # the type of a question no extractor asks for: a supporting sentence, no short answer
RULED_OUT = None  # what Extractor.fit returns for a candidate that cannot answer the question
KIND_PENALTY = 0.2  # a date asked, a time found (and the reverse); a percentage asked, a bare number found


@dataclass(frozen=True)
class Candidate:
    """A span of the asked type in a sentence: verbatim text, offset in the sentence, and what kind it is (the
    measure word or unit printed with a number, "date" or "time" for a moment)."""

    text: str
    start: int
    kind: str | None = None

    @cached_property
    def norm(self) -> str:
        return to_simplified(self.text)

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Placement:
    """Where the answer is printed: its text and offset, and the supporting sentence (offsets in passage.text).
    text None: the candidate turned out to name no answer."""

    text: str | None
    answer_start: int | None
    sentence: str
    sentence_start: int


class Extractor:
    """An answer type. Subclasses set qtype and the question patterns, and find candidates; the hooks below
    default to "nothing special"."""

    qtype: str
    asked_zh: re.Pattern  # a Chinese question (simplified) asks for this type when this matches
    asked_en: re.Pattern  # an English question, likewise
    typed_prior = 0.0  # confidence feature: 1.0 where a candidate of the type is rarely wrong once found
    named = False  # candidates are names: the longest one at a place, and not the name the question describes
    frames_sentence = False  # a candidate opening the sentence (5月5日下午,…) is about all of it
    in_units = False  # unit_match may be +1: a candidate in the unit the question asks in
    max_fit = 0.0  # the most fit() ever adds to a span score (the bound the pruning of sentences relies on counts it)
    max_sentence_bonus = (
        0.0  # the most sentence_bonus() ever adds to a sentence's typed bonus (counted by that bound too)
    )

    def asks(self, question_norm: str, english: bool) -> bool:
        """Whether the question asks for this type."""
        return bool((self.asked_en if english else self.asked_zh).search(question_norm))

    def candidates(self, sentence: str) -> list[Candidate]:
        """Every candidate of the type in the sentence, by position (the longest first at one place)."""
        found = self.find(sentence, to_simplified(sentence))
        return sorted(found, key=lambda c: (c.start, -len(c.text)))

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        """The candidates in the verbatim sentence (matched on its simplified form, norm)."""
        raise NotImplementedError

    def context(self, question: Question, sentence_norm: str, candidate: Candidate, clause: float) -> float:
        """How much of the question the candidate's surroundings say; clause: the share its own clause says."""
        return clause

    def unit_match(self, question: Question, candidate: Candidate) -> int:
        """+1 when the candidate is in the unit the question asks in, -1 when in another, 0 when none was asked."""
        return 0

    def fit(self, question: Question, candidate: Candidate) -> float | None:
        """What the candidate's fit to the question adds to its score (at most max_fit; the types here only
        subtract), or RULED_OUT."""
        return 0.0

    def rerank(self, question: Question, sentence: str, spans: list[Span]) -> None:
        """Adjust the scores of the best sentence's candidates (best first) knowing all of them."""

    def sentence_bonus(self, question: Question, sentence: str, spans: list[Span]) -> float:
        """What a sentence gains when one of its candidates is the one the question names (省派 for "provincial")."""
        return 0.0

    def place(
        self, placement: Placement, passage: Passage, preceding: Callable[[Passage], str | None] | None
    ) -> Placement:
        """The answer as printed, once chosen (a candidate that refers to another span resolves it here)."""
        return placement

    def verdict(self, question: Question, sentence: str, answer: str) -> str | None:
        """A yes/no question's "yes" or "no" when the answer settles it plainly (None: not such a type, or unsure)."""
        return None


def as_candidates(sentence: str, found: list[Found]) -> list[Candidate]:
    """The found spans as candidates in the verbatim sentence."""
    return [Candidate(sentence[a:b], a, kind) for a, b, kind in found]


# ----- moments -----


class Time(Extractor):
    qtype = "time"
    asked_zh = re.compile(r"几点|几时几分|什么时刻|哪个时刻|几时")
    asked_en = re.compile(r"\bwhat time\b|\bat what hour\b|\bwhich hour\b|\bwhat o'clock\b", re.I)
    typed_prior = 1.0
    frames_sentence = True

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return as_candidates(sentence, finders.moments(norm, TIME))

    def fit(self, question: Question, candidate: Candidate) -> float | None:
        return -KIND_PENALTY if candidate.kind == "date" else 0.0


class Date(Extractor):
    qtype = "date"
    asked_zh = re.compile(
        r"什么时候|何时|哪天|哪一天|哪日|几月|几号|几日|哪年|哪一年|什么时间|日期|哪个月|何年|年份|哪个年代|哪一?个?时期|什么年代"
    )
    asked_en = re.compile(
        r"\bwhen\b|\bwhat date\b|\bwhich (day|date|year|month|period|decade|century)\b|\bwhat (day|year|month|period|decade|century)\b|\bon what day\b",
        re.I,
    )
    typed_prior = 1.0
    frames_sentence = True

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return as_candidates(sentence, finders.moments(norm, DATE))

    def fit(self, question: Question, candidate: Candidate) -> float | None:
        if question.grain and not re.search(question.grain, candidate.norm):
            return RULED_OUT  # 哪一年 is not answered by 4月18日
        return -KIND_PENALTY if candidate.kind == "time" else 0.0

    def place(
        self, placement: Placement, passage: Passage, preceding: Callable[[Passage], str | None] | None
    ) -> Placement:
        """ "当天" is no date: the date it refers to is the last one printed before it (in this paragraph: the sentence
        runs from there; else in the one before, which the sentence cannot include: the answer has no offsets)."""
        if to_simplified(placement.text) not in SAME_DAY:
            return placement
        text = passage.text
        day = finders.last_day(text[: placement.answer_start])
        if day:
            start = sentence_start(text, day.start())
            end = placement.sentence_start + len(placement.sentence)
            return Placement(text[day.start() : day.end()], day.start(), text[start:end], start)
        earlier = None if preceding is None else preceding(passage)
        earlier_day = finders.last_day(earlier) if earlier else None
        found = earlier[earlier_day.start() : earlier_day.end()] if earlier_day else None
        return Placement(found, None, placement.sentence, placement.sentence_start)


# ----- documents -----


class Document(Extractor):
    qtype = "document"
    asked_zh = re.compile(
        r"(什么|哪部|哪个|哪项|哪份|哪一?部|哪些|何种|哪首|什么样的)[^，。？?]{0,6}?(办法|条例|法规|法律|规定|文件|计划|规划|方案|意见|通知|歌曲?|书籍?|作品|讲话|报告)"
        r"|(办法|条例|法规|歌曲?|文件)(的名称|叫什么|是什么)|书名"
    )
    asked_en = re.compile(
        r"\b(which|what) (\w+ )?(regulations?|laws?|rules?|measures|documents?|plans?|policy|policies|songs?|books?|speech|report)\b"
        r"|\b(name|title) of the (regulation|law|document|plan|song|measures)",
        re.I,
    )
    typed_prior = 1.0

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return as_candidates(sentence, [(m.start(), m.end(), None) for m in DOCUMENT.finditer(norm)])


# ----- names -----


class _Named(Extractor):
    """Names found by jieba's part-of-speech tags and by the suffixes and titles printed with them."""

    named = True

    def candidates(self, sentence: str) -> list[Candidate]:
        out: list[Candidate] = []
        for c in super().candidates(sentence):  # a span that is only the start of a longer one at its place: dropped
            if out and out[-1].start <= c.start < out[-1].end and len(c.text) <= len(out[-1].text):
                continue
            out.append(c)
        return out


class Person(_Named):
    qtype = "person"
    asked_zh = re.compile(r"谁|哪位|哪[一两三几]?个人|什么人|何人|姓名|叫什么名字")
    asked_en = re.compile(
        r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich person\b|\bwhat is the name of the (chairman|mayor|secretary|director|president|reporter|person|man|woman)",
        re.I,
    )

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return as_candidates(sentence, finders.person_names(norm))

    def context(self, question: Question, sentence_norm: str, candidate: Candidate, clause: float) -> float:
        """市委副书记、市长、市政府党组书记阳卫国: the titles listed before a name are all its own (the mayor asked)."""
        a, b = clause_bounds(sentence_norm, candidate.start, candidate.end)
        start = a
        while start > 1 and sentence_norm[start - 1] == "、":
            before, _ = clause_bounds(sentence_norm, start - 2, start - 2)
            if not TITLE.search(sentence_norm[before : start - 1]):
                break
            start = before
        return max(clause, coverage(question.span_terms, sentence_norm[start:b])) if start < a else clause

    def rerank(self, question: Question, sentence: str, spans: list[Span]) -> None:
        """The reporters of a byline (记者/邓伟勇) are not who the story is about, unless the question asks for them."""
        if BYLINE_ASKED.search(question.norm):
            return
        bylines = [m.span() for m in BYLINE.finditer(sentence)]
        for sp in spans:
            if any(a <= sp.start < b for a, b in bylines):
                sp.score -= BYLINE_PENALTY


class Place(_Named):
    qtype = "place"
    asked_zh = re.compile(
        r"哪里|哪儿|何处|何地|什么地方|在哪|哪[一两三几]?(个|座)?(城市|地方|省|市|县|区|国家|站|村|镇|地区|国|州)|哪座"
    )
    asked_en = re.compile(
        r"\bwhere\b|\b(which|what) (\w+ )?(city|cities|place|station|district|county|province|country|town|village|area|region|island|river|mountain)\b",
        re.I,
    )
    PARTS = {"ns", "nz", "n", "j", "ng", "g"}  # the tags a place name is made of

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return as_candidates(sentence, finders.noun_runs(norm, self._ends_a_place, self.PARTS))

    @staticmethod
    def _ends_a_place(w: str, f: str) -> bool:
        return f == "ns" or (bool(PLACE_SUFFIX.search(w)) and (len(w) > 1 and f[:1] == "n" or len(w) == 1))


class Organisation(_Named):
    qtype = "org"
    asked_zh = re.compile(
        r"哪[家所]|哪[一两三几]?个(公司|单位|部门|机构|企业|集团|组织|机关|银行|大学|学校|医院|协会|团体|政府)"
        r"|什么(公司|单位|部门|机构|企业|集团|组织|机关)|哪些(公司|单位|部门|机构|企业|集团)|由哪(个|些)?(单位|部门|公司)?"
    )
    asked_en = re.compile(
        r"\b(which|what) (\w+ )?(company|companies|agency|agencies|organi[sz]ations?|departments?|office|bureau|institutions?|units?|firms?|group|enterprises?|body|bank|university|school|hospital|association|team)\b",
        re.I,
    )
    PARTS = {"n", "ns", "nt", "nz", "nr", "j", "vn", "an", "b", "nrt", "eng", "g", "ng"}  # noun-like tags

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        runs = finders.noun_runs(norm, self._ends_a_body, self.PARTS)
        return as_candidates(sentence, [(a, b, kind) for a, b, kind in runs if not DEICTIC.match(norm[a:b])])

    @staticmethod
    def _ends_a_body(w: str, f: str) -> bool:
        # a verb ending like a body (举办, 开办, 签署) is no organisation; a bare suffix after a name (…会) is
        return f == "nt" or (bool(ORG_SUFFIX.search(w)) and (f[:1] in "nj" or f[:1] == "v" and len(w) == 1))

    def context(self, question: Question, sentence_norm: str, candidate: Candidate, clause: float) -> float:
        """ "…从湖南城际铁路有限公司获悉,该公司新购的5组…": what 该公司 does, the company named before it does."""
        suffix = ORG_SUFFIX.search(candidate.norm)
        kinds = {suffix.group(), suffix.group()[-2:]} if suffix else set()  # 有限公司 is 该公司
        s, end = sentence_norm, candidate.end
        for m in re.finditer(rf"[该此](?:{'|'.join(kinds)})" if kinds else r"(?!)", s[end:]):
            k = end + m.start()
            clause = max(clause, coverage(question.span_terms, s[slice(*clause_bounds(s, k, k + len(m.group())))]))
        return clause


# ----- the registry -----

EXTRACTORS: dict[str, Extractor] = {}


def register(extractor: Extractor, *, before: str | None = None) -> Extractor:
    """Add (or replace) the extractor of its type, last or before another type: a question is of the first type
    (in registry order) that asks() for it."""
    items = [(t, e) for t, e in EXTRACTORS.items() if t != extractor.qtype]
    at = next((i for i, (t, _) in enumerate(items) if t == before), len(items))
    items.insert(at, (extractor.qtype, extractor))
    EXTRACTORS.clear()
    EXTRACTORS.update(items)
    return extractor


def unregister(qtype: str) -> None:
    EXTRACTORS.pop(qtype, None)


def asked_type(question_norm: str, english: bool) -> Extractor | None:
    """The extractor of the type the question asks for (None: OTHER)."""
    return next((e for e in EXTRACTORS.values() if e.asks(question_norm, english)), None)
