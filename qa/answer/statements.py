"""Answers that are printed phrases rather than names or numbers: a list as printed (哪些, which), and for a yes/no
question (是不是, is there) the clause that settles it, with its verdict when the clause says it plainly."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .extractors import Candidate, Extractor
from .patterns import pos_tags
from .terms import content_chars, coverage

if TYPE_CHECKING:
    from .question import Question
    from .spans import Span

ITEM = r"[^，,。；;：:！？!?、\s]"
LIST = re.compile(rf"{ITEM}+(?:、{ITEM}+)+|(?:《[^《》]+》[、和及与]?){{2,}}")  # 长沙、株洲南、湘潭; 《…》《…》
LEADING_TAGS = frozenset(
    "v vn vshi vyou p c".split()
)  # what ends the words before a list's first item (通过, 向, 研究)
TRAILING_TAGS = frozenset(
    "v vshi vyou p d r m t u uj ul uz y f".split()
)  # the words after its last one (提供, 每日, 都)
LIST_END = re.compile(r"等.*$")
CLAUSE = re.compile(r"[^，,。；;：:！？!?、]+")
MIN_CLAUSE = 2
LONG_CLAUSE = 12  # a yes/no clause longer than this is cut after the last of the question's words in it...
MIN_REST = 3  # ... that leaves this much (改造全部开工 → 全部开工, though 开工 is asked too)
NEGATION = re.compile(
    r"尚未|并不|并非|不是|没有|未能|从未|不能|不可|不得|不存在|不再|停办|暂停|停止|禁止|禁药|很少|无法|未"
)
NEGATION_EN = re.compile(r"\b(not|never|no)\b|n't\b", re.I)
CHAR_WEIGHT = 0.5  # on the share of the question's characters in a clause (完工 ~ 完成)
ASKED_WEIGHT = 0.5  # ... and on the share of those it asks about
YES_COVERAGE = 0.6  # a clause holding this share of the question's words, unnegated, says yes
WH_ZH = re.compile(r"什么|谁|多少|几|哪|何|怎")
ASKS_YES_NO_ZH = re.compile(r"是否|是不是|有没有|有无|能不能|可不可以|会不会|能否|吗[?？!！]*\s*$")  # not 什么?
NOT_ASKING = re.compile(r"(?<=[那这前近后头好十])几|几(?=[十百千万])")  # 那几年, 几十个: a few, no question


class Listing(Extractor):
    qtype = "list"
    asked_zh = re.compile(r"哪些|哪几(?![年月天日号点时])|哪[两三四五六七八九十](?!年)|都有什么|包括什么|都有谁")
    asked_en = re.compile(
        r"\bwhich (two|three|four|five|six)\b|\bwho else\b|\bwhat (are|were) the \w+s\b"
        r"|\bwhich \w+(?<!s)s (are|were|have)\b|\bname the\b",
        re.I,
    )

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        out = []
        for m in LIST.finditer(norm):
            a, b = _trimmed(norm, m.start(), m.end())
            if b - a > 2 and len(norm[a:b].split("、")[-1]) > 1:  # …其他社会、和: no last item, no list
                out.append(Candidate(sentence[a:b], a))
        return out


def _trimmed(norm: str, a: int, b: int) -> tuple[int, int]:
    """The list without the words printed before its first item (渌口区通过|政府调研) or after its last (标杆调研|等)."""
    if norm[a] == "《":
        return a, b
    items = norm[a:b].split("、")
    longest = max(len(i) for i in items[1:-1] or items[1:])
    if len(items[0]) > longest + 1:
        pos = 0
        for w, f in pos_tags(items[0]):
            pos += len(w)
            if f in LEADING_TAGS and len(items[0]) - pos >= 2:
                a += pos
                break
    last = LIST_END.sub("", items[-1])
    pos = 0
    for w, f in pos_tags(last):
        if pos > 0 and f in TRAILING_TAGS:
            break
        pos += len(w)
    return a, b - len(items[-1]) + pos


def _units(text: str) -> set[str]:
    """The content characters and the numbers of a question (or of a part of it)."""
    return set(content_chars(text)) | set(re.findall(r"\d+", text))


def _said(units: set[str], clause: str) -> float:
    return sum(u in clause for u in units) / len(units) if units else 0.0


def _asked_part(question_norm: str) -> str:
    """What a yes/no question says after its 是不是 or 有没有 (有没有超过200 → 超过200), or all of it (…吗?)."""
    m = ASKS_YES_NO_ZH.search(question_norm)
    return question_norm[m.end() :] if m and m.end() < len(question_norm) - 1 else question_norm


class YesNo(Extractor):
    qtype = "yesno"
    asked_zh = ASKS_YES_NO_ZH
    asked_en = re.compile(r"^\s*(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|may)\b", re.I)

    def asks(self, question_norm: str, english: bool) -> bool:
        if english:
            return bool(self.asked_en.search(question_norm))
        rest = NOT_ASKING.sub("", ASKS_YES_NO_ZH.sub("", question_norm))
        return bool(ASKS_YES_NO_ZH.search(question_norm)) and not WH_ZH.search(rest)

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return [
            Candidate(sentence[m.start() : m.end()], m.start())
            for m in CLAUSE.finditer(norm)
            if len(m.group()) >= MIN_CLAUSE
        ]

    def rerank(self, question: Question, sentence: str, spans: list[Span]) -> None:
        """The clause holding most of the question's characters settles it (由于株洲站改造工程尚未完成 for 株洲站的改造是不是
        已经完工了); a long one is cut to what it says after the question's words (…改造全部开工 → 全部开工)."""
        words = [t for alts, _ in question.terms for t, a in alts if len(t) > 1 and a == 1.0]  # no bigram of a word
        chars, asked = _units(question.norm), _units(_asked_part(question.norm))
        for sp in spans:
            c = sp.candidate
            # what the question says around 是不是 is no gap to fill: the clause's own words rank it, and most the
            # ones it asks about (有没有超过200: 共200余人参加, not the clause about the 快闪 it names)
            sp.score = sp.context + CHAR_WEIGHT * _said(chars, c.norm) + ASKED_WEIGHT * _said(asked, c.norm)
            if len(c.text) <= LONG_CLAUSE:
                continue
            ends = [c.norm.rfind(w) + len(w) for w in words if w in c.norm]
            # the last word that leaves a rest, and not inside a list (年轻干部|和中共党员)
            cut = max((e for e in ends if len(c.text) - e >= MIN_REST and c.norm[e] not in "和与及、或"), default=0)
            if cut > 0:
                sp.candidate = Candidate(c.text[cut:], c.start + cut)

    def verdict(self, question: Question, sentence: str, answer: str) -> str | None:
        """no: the clause negates what the question does not (尚未完成 for 是不是已经完工); yes: it says most of the
        question unnegated itself; else None (the clause is shown, the reader judges)."""
        asked = ASKS_YES_NO_ZH.sub("", question.norm)
        asked_negated = bool((NEGATION_EN if question.english else NEGATION).search(asked))
        negated = bool(NEGATION.search(answer))
        if negated != asked_negated:
            return "no"
        return "yes" if coverage(question.terms, answer) >= YES_COVERAGE and not negated else None
