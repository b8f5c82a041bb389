"""How sure an answer is: its features, the calibrated model and the per-language thresholds (fitted: loaded from
confidence.json, which `python bench/answers.py --fit` writes), and the checks that rule an answer out."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..search import Passage
from ..text import has_cjk, to_simplified
from .patterns import NAME_TAGS, YEAR_ASKED, pos_tags

if TYPE_CHECKING:
    from .question import Question
    from .sentences import Sentence
    from .spans import Span

FITTED = Path(__file__).with_name("confidence.json")
_fitted = json.loads(FITTED.read_text(encoding="utf-8"))
WEIGHTS: dict[str, float] = _fitted["weights"]  # bias and one weight per feature
THRESHOLDS: dict[str, float] = _fitted["thresholds"]  # by language (zh, en) or language/type (zh/list): below it, none
MIN_SUPPORT: dict[str, float] = _fitted["min_support"]  # by question language: less support rules the answer out
RULED_OUT_SHARE = 0.5  # the confidence of a ruled-out answer is at most this share of the threshold
NO_CANDIDATE_SHARE = 0.5  # no candidate: this share of what the sentence alone would give
MARGIN_CAP = 1.0  # the margin of the best candidate over the next (a lone candidate's margin)


def features(question: Question, best: Sentence, runner: float, spans: list[Span]) -> dict:
    """What the confidence is computed from: the support of the sentence (for a Chinese question the share of its
    words, for an English one the cosine of the two: another scale, its own weight), the margins over the runner-up
    sentence and candidate, and the best candidate's context, unit and alignment."""
    english = question.english
    out = {
        "sentence": 0.0 if english else best.lexical,
        "cosine": best.cosine if english else 0.0,
        "sentence_margin": best.score - runner,
        "rank": best.article_rank,
        "english": 1.0 if english else 0.0,
        "typed_prior": 0.0,
        "context": 0.0,
        "english_context": 0.0,
        "margin": 0.0,
        "unit": 0.0,
        "align": 0.0,
        "candidates": len(spans),
    }
    if spans:
        span = spans[0]
        context = span.context if span.meaning is None else span.meaning
        out.update(
            context=context,
            english_context=context if english else 0.0,
            unit=float(span.unit_match),
            align=span.align,
            margin=min(span.score - spans[1].score, MARGIN_CAP) if len(spans) > 1 else MARGIN_CAP,
            typed_prior=question.extractor.typed_prior,
        )
    return out


def confidence(features: dict) -> float:
    """The fitted model: sigmoid(bias + weights · features)."""
    x = WEIGHTS["bias"] + sum(WEIGHTS[k] * v for k, v in features.items() if k in WEIGHTS)
    return 1 / (1 + math.exp(-x))


def ruled_out_cap(threshold: float) -> float:
    return RULED_OUT_SHARE * threshold


def calibrated(question: Question, best: Sentence, spans: list[Span], features: dict, threshold: float) -> float:
    """The confidence of the best candidate, capped below the threshold when a check rules it out."""
    if not spans:
        return confidence(features) * NO_CANDIDATE_SHARE
    conf = confidence(features)
    cap = ruled_out_cap(threshold)
    if spans[0].unit_match < 0:
        conf = min(conf, cap)  # asked in 元, found only 对: the number answers something else
    # English: the translated words may carry the support that the cross-lingual cosine misses
    support = features["cosine" if question.english else "sentence"]
    if support < MIN_SUPPORT[question.language] and not (question.english and best.lexical >= MIN_SUPPORT["zh"]):
        conf = min(conf, cap)  # the sentence does not speak of what was asked (株洲的人口)
    if conf > cap and unmentioned_names(question.text, best.passage, question.translated):
        conf = cap  # the mayor of 株洲 is not the mayor of 长沙
    if conf > cap and other_year(question, best):
        conf = cap  # 2019年 asked, a 2020 figure found
    return conf


def other_year(question: Question, best: Sentence) -> bool:
    """The question names a year the sentence does not, and the sentence names another (or its passage none)."""
    missing = [y for y in YEAR_ASKED.findall(question.norm) if y not in best.norm]
    if not missing:
        return False
    text = to_simplified(best.passage.article_title + best.passage.text)
    return bool(YEAR_ASKED.search(best.norm)) or any(y not in text for y in missing)


def unmentioned_names(question: str, passage: Passage, translated: list | None = None) -> list[str]:
    """Places, people and bodies the question names that the passage (with its title and paper) never mentions:
    长沙 in "长沙市长是谁?" over a passage about 株洲's mayor, GDP in "株洲市的GDP增长了多少?". English: names spelt in
    pinyin (Changsha)."""
    text = to_simplified(f"{passage.paper or ''} {passage.article_title} {passage.section or ''} {passage.text}")
    if has_cjk(question):
        return _unmentioned_chinese(question, text)
    from ..translate import spelt_in_pinyin

    return [
        t.english
        for t in translated or []
        if " " not in t.english and spelt_in_pinyin(t.english) and not any(zh in text for zh, _ in t.candidates)
    ]


def _unmentioned_chinese(question: str, text: str) -> list[str]:
    names = [w for w, f in pos_tags(to_simplified(question)) if f in NAME_TAGS and len(w) > 1]
    # 株洲市 is also written 株洲 (and 全市, 我市 in its own paper, whose name carries it)
    missing = [w for w in names if w not in text and not (len(w) > 2 and w[-1] in "省市县区" and w[:-1] in text)]
    # a Latin name or abbreviation (GDP, CJ6) the passage never prints
    return missing + [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", question) if w.lower() not in text.lower()]
