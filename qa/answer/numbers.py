"""The number types: quantities (counts, amounts, durations) and percentages; which of a total and its parts a
question asks for."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import finders
from .extractors import KIND_PENALTY, RULED_OUT, Candidate, Extractor, as_candidates
from .patterns import (
    CALENDAR_YEAR,
    DAY,
    DURATION_ASKED_EN,
    DURATION_ASKED_ZH,
    DURATION_CUES,
    DURATION_UNITS,
    HALF_DURATION,
    PERCENT_UNITS,
    TOTAL_ASKED,
    clause_bounds,
    label_form,
)
from .units import counted_noun, fitting_units

if TYPE_CHECKING:
    from .question import Question
    from .spans import Span

YEAR_PENALTY = 0.3  # quantity: a calendar year (2020年) is not a number of years
NAMED_BONUS = 0.5  # sentence ranking: it prints the one part the question names
PART_PENALTY = 1.0  # quantity: a total or part the question does not ask for (市派 asked: not 362 nor 省派5支)
LABEL_CHARS = 16  # the characters before a number (in its clause) that say what it counts (市派驻村工作队45支)


class _Measured(Extractor):
    """Numbers printed with a measure word or unit, which the question may name (多少支, how many pairs)."""

    typed_prior = 1.0
    in_units = True

    def unit_match(self, question: Question, candidate: Candidate) -> int:
        """+1 in the unit asked, 0 in another measure word the counted noun takes (单位: 个 for 几家), else -1."""
        if not question.unit:
            return 0
        unit = candidate.kind
        if unit and (unit == question.unit or unit.endswith(question.unit)):
            return 1
        return 0 if unit and unit in fitting_units(counted_noun(question.norm)) else -1


class Quantity(_Measured):
    qtype = "quantity"
    asked_zh = re.compile(
        r"多少|几[个支名人家项对组趟次年天位座条所台辆种批件处户套倍岁届期周场首部篇本张]?|多[长远高大重久宽深厚]"
    )
    asked_en = re.compile(
        r"\bhow (many|much|long|far|big|large|old|often|tall|high|wide)\b|\bwhat (is the )?(number|amount|total)\b|\bnumber of\b",
        re.I,
    )

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        halves = [(m.start(), m.end(), m.group("unit")) for m in HALF_DURATION.finditer(norm)]
        days = [m.span() for m in DAY.finditer(norm)]
        numbers = [f for f in finders.numbers(norm, counts=True) if not any(a <= f[0] < b for a, b in days)]
        return as_candidates(sentence, [_cued(norm, f) for f in numbers] + halves)  # 5月21日: no 21 days

    def fit(self, question: Question, candidate: Candidate) -> float | None:
        if duration_asked(question):
            return 0.0 if is_duration(candidate) else RULED_OUT  # 几年 is not answered by 2020年 nor by 216个
        if candidate.norm.lstrip("约近").startswith("半"):
            return RULED_OUT  # 半小时 answers how long, not how many
        return -YEAR_PENALTY if candidate.kind == "年" and CALENDAR_YEAR.match(candidate.norm) else 0.0

    max_sentence_bonus = NAMED_BONUS

    def sentence_bonus(self, question: Question, sentence: str, spans: list[Span]) -> float:
        """A sentence printing the part the question names (其中省派驻村工作队5支 for "sent by the province")."""
        return NAMED_BONUS if _named_part(question, _siblings(sentence, spans)) else 0.0

    def rerank(self, question: Question, sentence: str, spans: list[Span]) -> None:
        """Of numbers in one unit (我市362支…,其中省派5支,市派45支), the one whose label the question names alone (市里派
        → 市派) answers it: the others (the total too) lose PART_PENALTY. When it names none (or a total: 一共), the
        parts listed after 其中 lose it: it asks for the total."""
        siblings = _siblings(sentence, spans)
        if not siblings:
            return
        asked = _named_part(question, siblings)
        if asked is not None:
            for sp, _ in siblings:
                sp.score -= PART_PENALTY * (sp is not asked)
            return
        for sp in _parts(sentence, spans):
            sp.score -= PART_PENALTY


def _cued(norm: str, found: finders.Found) -> finders.Found:
    """连续6年, 超过2000年: a count of years printed like a calendar year keeps the word that says it is a count."""
    a, b, kind = found
    cue = next((c for c in DURATION_CUES if kind == "年" and norm.endswith(c, 0, a)), None)
    return (a - len(cue), b, kind) if cue else found


def duration_asked(question: Question) -> bool:
    pattern = DURATION_ASKED_EN if question.english else DURATION_ASKED_ZH
    return bool(pattern.search(question.norm))


def is_duration(candidate: Candidate) -> bool:
    """连续6年, 3个月, 47分钟, 半小时: a length of time, not a calendar year (2020年) or a day (5月7日)."""
    if candidate.kind not in DURATION_UNITS:
        return False
    return candidate.kind != "年" or not CALENDAR_YEAR.match(candidate.norm) or candidate.norm.startswith(DURATION_CUES)


def _siblings(sentence: str, spans: list[Span]) -> list[tuple[Span, frozenset[str]]]:
    """The numbers of a unit printed more than once in the sentence, each with what only its label says."""
    by_unit: dict[str | None, list[Span]] = {}
    for sp in spans:
        by_unit.setdefault(sp.kind, []).append(sp)
    out = []
    for unit, group in by_unit.items():
        if unit is None or len(group) < 2:
            continue
        labels = [_label_pairs(sentence, sp) for sp in group]
        for i, sp in enumerate(group):
            out.append((sp, labels[i] - frozenset().union(*(o for j, o in enumerate(labels) if j != i))))
    return out


def _label_pairs(sentence: str, sp: Span) -> frozenset[str]:
    """The character pairs of what is printed before the number in its clause (其中省派驻村工作队5支: 省派, 派驻…)."""
    a, _ = clause_bounds(sentence, sp.start, sp.end)
    label = re.sub(r"^其中", "", sentence[max(a, sp.start - LABEL_CHARS) : sp.start])
    label = label_form(re.sub(r"[\d.,]+[^\d]*$", "", label) if re.search(r"\d", label) else label)
    return frozenset(label[i : i + 2] for i in range(len(label) - 1))


def _named_part(question: Question, siblings: list[tuple[Span, frozenset[str]]]) -> Span | None:
    """The one number whose label the question names alone, unless the question asks for a total."""
    asked = [sp for sp, label in siblings if _names(question, label)]
    return asked[0] if len(asked) == 1 and not TOTAL_ASKED.search(question.norm) else None


def _names(question: Question, label: frozenset[str]) -> bool:
    """The question names what only this number's label says (市里派 → 市派; English: provincial → 省, 省派)."""
    if not question.english:
        return any(pair in question.restricted for pair in label)
    heads = {_head_char([t for t, _ in alts]) for alts, _ in question.terms} - {None}
    return any(pair[0] in heads for pair in label)


def _head_char(translations: list[str]) -> str | None:
    """The one-character translation of a word, else the character most of its translations start with (provincial:
    省城, 省会, 副省级… → 省), if any."""
    single = [t for t in translations if len(t) == 1]
    if single:  # provincial: 副省级, 省 → 省
        return single[0]
    firsts = [t[0] for t in translations if t]
    top = max(set(firsts), key=firsts.count, default=None)
    return top if top and firsts.count(top) * 2 >= len(firsts) and firsts.count(top) > 1 else None


def _parts(sentence: str, spans: list[Span]) -> list[Span]:
    """The numbers listed after 其中 in the unit of a total printed before it, when there are two or more."""
    k = sentence.find("其中")
    if k < 0:
        return []
    total = [sp for sp in spans if sp.start < k]
    parts = [sp for sp in spans if sp.start > k and any(sp.kind == t.kind for t in total)]
    return parts if total and len(parts) >= 2 else []


class Percent(_Measured):
    qtype = "percent"
    asked_zh = re.compile(
        r"百分之几|百分比|比例|占比|比重|增长率|增速|增幅|涨幅|降幅|百分点|什么水平|[率幅速]是?多少|(增长|下降|提高|降低|上涨|高出|低了|增加|减少)了?(多少|几成)(?![支个家名人项对组趟次元亿万])"
    )
    asked_en = re.compile(
        r"\bpercent|\bpercentage|\brate\b|\bby how much\b|\bshare of\b|\bproportion\b|percentage points?"
        r"|\bhow (much|fast) did .* (grow|increase|rise|fall|drop|decline)|\bgrowth\b",
        re.I,
    )

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return as_candidates(sentence, finders.numbers(norm, counts=False))

    def fit(self, question: Question, candidate: Candidate) -> float | None:
        return -KIND_PENALTY if candidate.kind not in PERCENT_UNITS else 0.0
