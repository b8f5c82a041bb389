"""What a thing is called: 叫什么, 什么型号, 口号是什么, "what kind of plug". The candidates are the terms a sentence
marks off (“双过半”, 「黑就是美」) and its noun phrases (CJ6型, 吸蜜鹦鹉亚科, 13安培方脚插头)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import finders
from .extractors import RULED_OUT, Candidate, _Named, as_candidates
from .patterns import DEICTIC, FUNCTION_CHARS

if TYPE_CHECKING:
    from .question import Question

QUOTED = re.compile(r"[“「『\"]([^“”「」『』\"]{2,40})[”」』\"]")
NAMED = re.compile(
    r"(?:称为|称作|名为|叫做|取名|改名|定为|命名为|简称|俗称|又称|获得了?|荣获)([^，,。；;：:（(、\s]{2,12})"
)
QUESTION_SHARE = 0.5  # a candidate with more than this share of its characters in the question restates it
DEFINED = re.compile(r"(?:是|为|乃)(?:一[种个类项座位家所])?")  # AGG01是一种蛋白质: the name, then what it is
EXPLAINED = re.compile(r"为什么|为何|怎么|如何|怎样|什么意思|原因|\bwhy\b|\bhow\b", re.I)  # a reason or a way: no term


class Term(_Named):
    qtype = "term"
    asked_zh = re.compile(r"叫什么|称为什么|什么名|什么(?!时候|地方|人)|哪种|何种|哪一?类|哪一?项")
    asked_en = re.compile(
        r"\bcalled\b|\bnamed?\b|\b(what|which) (kind|type|sort|model|brand|award|prize|slogan|title|target|goal|principle)s?\b",
        re.I,
    )
    PARTS = {"n", "nz", "nt", "ns", "nr", "nrt", "eng", "j", "vn", "an", "b", "ng", "m", "k", "z"}  # a noun phrase's
    ENDS = {"n", "nz", "nt", "ns", "nr", "nrt", "eng", "j", "k"}  # the words one ends in
    QUOTED_FIT = 0.5  # a term the paper marks off with quotes or names (称为…, 取名…) is what things are called
    max_fit = QUOTED_FIT

    def asks(self, question_norm: str, english: bool) -> bool:
        return super().asks(question_norm, english) and not EXPLAINED.search(question_norm)

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        quoted = [(m.start(), m.end(), "quoted") for m in QUOTED.finditer(norm)]
        quoted += [(m.start(1), m.end(1), "quoted") for m in NAMED.finditer(norm)]
        phrases = [(a, b, None) for a, b in self.phrases(norm) if not DEICTIC.match(norm[a:b])]
        return as_candidates(sentence, quoted + phrases)

    def phrases(self, norm: str) -> list[tuple[int, int]]:
        """The runs of noun-like words, each cut after its last noun; a numeral starts a new run (CJ6型 | 四编组…)."""
        out: list[tuple[int, int]] = []
        run: list[tuple[str, str, int]] = []
        for w, f, p in [*finders.tokens(norm), ("", "x", len(norm))]:
            if f in self.PARTS and not (f == "m" and run):
                run.append((w, f, p))
                continue
            ends = [t for t in run if t[1] in self.ENDS]
            if ends and ends[-1][2] + len(ends[-1][0]) - run[0][2] > 1:
                out.append((run[0][2], ends[-1][2] + len(ends[-1][0])))
            run = [(w, f, p)] if f == "m" else []
        return out

    def context(self, question: Question, sentence_norm: str, candidate: Candidate, clause: float) -> float:
        """A name defined by the question's own noun (AGG01是一种蛋白质 for 那种蛋白质叫什么) is what it asks for."""
        m = DEFINED.match(sentence_norm, candidate.end)
        said = m and any(
            sentence_norm.startswith(t, m.end()) for alts, _ in question.terms for t, a in alts if a == 1.0
        )
        return 1.0 if said else clause

    def fit(self, question: Question, candidate: Candidate) -> float | None:
        """A quoted or named term fits best; a phrase half made of the question's characters is what it asks about."""
        # CJ6型 for 什么型号: 1 of 4 in the question; 「黑就是美」 for 口号是什么: its 是 says nothing
        chars = [ch for ch in candidate.norm.lower() if ch.isalnum() and ch not in FUNCTION_CHARS]
        if chars and sum(ch in question.norm for ch in chars) / len(chars) > QUESTION_SHARE:
            return RULED_OUT
        return self.QUOTED_FIT if candidate.kind == "quoted" else 0.0
