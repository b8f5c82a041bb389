"""The answer step in order: read the question, score the sentences, score the candidates of the asked type in the
best ones, pick the best sentence and candidate, compute the confidence, place the answer in the passage."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..search import Passage
from . import sentences as sentence_step
from . import spans as span_step
from .confidence import THRESHOLDS, calibrated, features, ruled_out_cap
from .extractors import OTHER, Placement
from .patterns import stored_tags_known
from .question import Question
from .sentences import Sentence
from .spans import RULED_OUT_SCORE, Span

FALLBACK_MARGIN = 1.0  # how far below the best sentence one with a fitting candidate may be to support the answer


@dataclass
class Answer:
    """A short answer (or None when unsure), the sentence that supports it and the passage it was printed in."""

    question: str
    text: str | None
    sentence: str | None
    passage: Passage | None
    passages: list[Passage]
    confidence: float
    qtype: str = OTHER
    candidate: str | None = None  # the best span even when below the threshold
    sentence_start: int = 0  # offsets in passage.text
    sentence_end: int = 0
    answer_start: int | None = None  # offsets in passage.text (None when text is None)
    answer_end: int | None = None
    features: dict = field(default_factory=dict, repr=False)
    verdict: str | None = None  # a yes/no question: "yes" or "no" when the answer settles it plainly
    understood_as: str | None = None  # a follow-up as resolved against the conversation (Index.ask history=)

    @property
    def citation(self) -> str | None:
        return self.passage.citation if self.passage else None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "sentence": self.sentence,
            "citation": self.citation,
            "confidence": round(self.confidence, 3),
            "type": self.qtype,
            "passage_id": self.passage.id if self.passage else None,
            "sentence_start": self.sentence_start,
            "sentence_end": self.sentence_end,
            "answer_start": self.answer_start,
            "answer_end": self.answer_end,
            "verdict": self.verdict,
            "understood_as": self.understood_as,
        }


def _typed_spans(question: Question, sents: list[Sentence]) -> dict[int, list[Span]]:
    """The scored candidates of each sentence that may become the best, the runner-up or the fallback; each such
    sentence gains the typed bonus. The others are skipped (their candidates, jieba POS tagging, are the slow part):
    those the largest typed bonus cannot lift to the runner-up of the scores before it, and those whose own bound
    (what their words allow) cannot lift them to where the sentences scored so far leave a chance (_reachable)."""
    spans_of: dict[int, list[Span]] = {}
    if question.extractor is None:
        return spans_of
    pre = sorted((s.score for s in sents), reverse=True)
    floor = pre[1] - span_step.max_typed_bonus(question.extractor) if len(pre) > 1 else -math.inf
    final = [s.score for s in sents if s.asks]  # a sentence that asks (都有哪些企业家参加?) answers nothing: no bonus
    for i in sorted(range(len(sents)), key=lambda i: -sents[i].score):
        s = sents[i]
        if s.score < floor:
            break
        if s.asks or s.score + span_step.typed_bonus_bound(question, s.norm) < _reachable(final):
            continue
        spans_of[i] = span_step.score_spans(question, s.text)
        if spans_of[i] and spans_of[i][0].score > RULED_OUT_SCORE:
            s.score += span_step.typed_bonus(question.extractor, spans_of[i][0])
            s.score += question.extractor.sentence_bonus(question, s.text, spans_of[i])
        final.append(s.score)
    return spans_of


def _reachable(final: list[float]) -> float:
    """The score a sentence must reach to be the best, the runner-up or the fallback, given sentences whose scores
    are final: the final best and runner-up can only be higher."""
    if len(final) < 2:
        return -math.inf
    best, runner = sorted(final, reverse=True)[:2]
    return min(runner, best - FALLBACK_MARGIN)


def _fallen_back(sents: list[Sentence], spans_of: dict[int, list[Span]], order: list[int]) -> list[int]:
    """The order of the sentences, the best first; when it holds no candidate that may answer, the best one of its
    article that does comes first, if it is scored within FALLBACK_MARGIN (几年: 连续6年 in the next sentence)."""
    top = sents[order[0]]
    if not spans_of or _viable(spans_of.get(order[0], [])):
        return order
    for i in order[1:]:
        s = sents[i]
        if s.score < top.score - FALLBACK_MARGIN:
            break
        if _viable(spans_of.get(i, [])) and (s.passage.issue_id, s.passage.article_no) == (
            top.passage.issue_id,
            top.passage.article_no,
        ):
            return [i] + [j for j in order if j != i]
    return order


def _viable(spans: list[Span]) -> bool:
    """A candidate that may answer: not ruled out, nor in another unit than the one asked (多少钱: not 一人)."""
    return any(sp.score > RULED_OUT_SCORE and sp.unit_match >= 0 for sp in spans)


def _rivals(question: Question, best: Sentence, spans: list[Span], encode: Callable | None, qvec) -> list[Span]:
    """The best sentence's candidates still in the running, best first, ranked knowing each other (and, for an
    English question, by meaning); the same name printed twice is one answer, not two rivals."""
    out, seen = [], set()
    for sp in spans:
        if sp.score > RULED_OUT_SCORE and sp.text not in seen:
            seen.add(sp.text)
            out.append(sp)
    if out:
        question.extractor.rerank(question, best.text, out)
        out.sort(key=lambda x: -x.score)
    if qvec is not None and len(out) > 1:
        out = span_step.rank_by_meaning(out, best.text, encode, qvec)
    return out


def _placed(
    question: Question, best: Sentence, span: Span | None, shown: bool, preceding: Callable | None
) -> Placement:
    """The answer's text and offsets and its supporting sentence (the extractor resolves a reference like 当天)."""
    if not shown:
        return Placement(None, None, best.text, best.start)
    placement = Placement(span.text, best.start + span.start, best.text, best.start)
    return question.extractor.place(placement, best.passage, preceding)


def extract(
    question: str,
    passages: list[Passage],
    *,
    idf: Callable[[str], float] | None = None,
    df: Callable[[str], int] | None = None,
    encode: Callable[[list[str]], object] | None = None,
    translated: list | None = None,
    qvec=None,
    preceding: Callable[[Passage], str | None] | None = None,
    max_passages: int = 3,
    max_encoded: int = 8,
    threshold: float | None = None,
    tags: Callable[[list[int]], dict[int, str]] | None = None,
) -> Answer:
    """The answer to the question from the retrieved passages (best first).

    idf(term) weights question words (default: all 1); encode(texts) -> unit vectors, used to rank sentences for
    questions without Chinese text (the question is encoded together with the sentences); translated: the
    question's qa.translate terms when the caller has them already; qvec: the question's encode vector when the
    caller has it (its search made it), else it is encoded with the sentences; preceding(passage): the paragraph
    printed before it, where a "当天" at the start of a paragraph finds its date; tags(passage ids): id → the tags the
    index stored for its text (Store.passage_tags, in qa.text.tag_string's form), so its sentences need not be
    tagged now.
    """
    q = Question.read(question, idf, df, translated)
    threshold = THRESHOLDS.get(f"{q.language}/{q.qtype}", THRESHOLDS[q.language]) if threshold is None else threshold
    sents = sentence_step.sentences(passages, max_passages)
    if not sents:
        return Answer(question, None, None, None, list(passages), 0.0, q.qtype)
    sentence_step.score(q, sents, passages)
    if q.english and encode is not None:
        qvec = sentence_step.rank_by_meaning(q, sents, encode, max_encoded, qvec)
    else:
        qvec = None
    with stored_tags_known(sentence_step.StoredTags(sents, tags or (lambda ids: {}))):
        spans_of = _typed_spans(q, sents)
    order = _fallen_back(sents, spans_of, sorted(range(len(sents)), key=lambda i: -sents[i].score))
    best = sents[order[0]]
    runner = sents[order[1]].score if len(order) > 1 else 0.0
    spans = _rivals(q, best, spans_of.get(order[0], []), encode, qvec)
    feats = features(q, best, runner, spans)
    conf = calibrated(q, best, spans, feats, threshold)
    span = spans[0] if spans else None
    shown = span is not None and conf >= threshold
    placed = _placed(q, best, span, shown, preceding)
    if shown and placed.text is None:
        conf = min(conf, ruled_out_cap(threshold))  # 当天 with no date before it
    feats["ruled_out"] = float(conf <= ruled_out_cap(threshold))  # never shown, whatever the threshold
    answer_end = placed.answer_start + len(placed.text) if placed.text and placed.answer_start is not None else None
    verdict = q.extractor.verdict(q, placed.sentence, placed.text) if placed.text else None
    return Answer(
        question,
        placed.text,
        placed.sentence,
        best.passage,
        list(passages),
        conf,
        q.qtype,
        candidate=span.text if span else None,
        sentence_start=placed.sentence_start,
        sentence_end=placed.sentence_start + len(placed.sentence),
        answer_start=placed.answer_start,
        answer_end=answer_end,
        features=feats,
        verdict=verdict,
    )
