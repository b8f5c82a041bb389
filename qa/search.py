"""Hybrid retrieval: BM25 over jieba words + CJK bigrams, FAISS cosine, fused by max-normalised score sum."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .store import SearchFiles
from .text import has_cjk, tokens

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 100
# score = bm25 / max(bm25) + weight × cosine; weights chosen on the bench sets (see README, "Fusion").
DENSE_WEIGHT_CJK = 0.3
DENSE_WEIGHT_OTHER = 4.0


@dataclass
class Passage:
    """One retrieved paragraph (or part of a long one), with where it was printed."""

    id: int
    text: str
    score: float
    issue_id: str
    paper: str | None
    date: str | None
    article_no: int
    article_title: str
    paragraph_no: int
    part_no: int = 1
    section: str | None = None
    kind: str = "body"
    scores: dict = field(default_factory=dict)  # the parts of the score: lexical, dense

    @property
    def citation(self) -> str:
        """e.g. 株洲日报 · 2021-05-08 · 362支工作队驻村助力乡村振兴 · 第1段"""
        head = [self.paper or self.issue_id]
        if self.date:
            head.append(self.date)
        return " · ".join([*head, self.article_title, f"第{self.paragraph_no}段"])

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "issue_id": self.issue_id,
            "paper": self.paper,
            "date": self.date,
            "article_no": self.article_no,
            "article_title": self.article_title,
            "paragraph_no": self.paragraph_no,
            "part_no": self.part_no,
            "section": self.section,
            "citation": self.citation,
            "text": self.text,
        }


def _term_scores(files: SearchFiles, terms: list[list[tuple[str, float]]]) -> np.ndarray:
    """Sum over terms of the best weighted BM25 score of one of its alternatives (e.g. the translations of a word),
    so that a word with many translations counts once."""
    total = np.zeros(len(files.ids), dtype=np.float32)
    for alternatives in terms:
        best = np.zeros_like(total)
        for text, weight in alternatives:
            np.maximum(best, weight * files.lexical_scores(tokens(text)), out=best)
        total += best
    return total


def _lexical(files: SearchFiles, question: str, terms, n: int, allowed: np.ndarray | None) -> dict[int, float]:
    """The n best passages by BM25 over the question's tokens and the weighted terms: id → score / best score."""
    scores = files.lexical_scores(tokens(question))
    if terms:
        scores = scores + _term_scores(files, terms)
    if allowed is not None:
        scores = np.where(np.isin(files.ids, allowed), scores, 0)
    top = np.argsort(-scores)[:n]
    best = float(scores[top[0]]) if len(top) else 0.0
    if best <= 0:
        return {}
    return {int(files.ids[i]): float(scores[i]) / best for i in top if scores[i] > 0}


def rank(
    files: SearchFiles,
    question: str,
    qvec: np.ndarray | None,
    k: int,
    mode: str = "hybrid",
    allowed: np.ndarray | None = None,
    dense_weight: float | None = None,
    terms: list[list[tuple[str, float]]] | None = None,
) -> list[tuple[int, float, dict]]:
    """(passage id, fused score, score parts) best first, over at most CANDIDATES per side.

    terms: weighted alternatives for the lexical side (e.g. the Chinese translations of each English word).
    mode is one of MODES (Index.search checks it before encoding the question)."""
    n = max(CANDIDATES, 4 * k)
    lex = _lexical(files, question, terms, n, allowed) if mode in ("hybrid", "lexical") else {}
    dense = files.dense_search(qvec, n, allowed) if mode in ("hybrid", "dense") and qvec is not None else {}
    if mode == "lexical":
        fused = {i: (s, {"lexical": s}) for i, s in lex.items()}
    elif mode == "dense":
        fused = {i: (s, {"dense": s}) for i, s in dense.items()}
    else:
        if dense_weight is None:
            dense_weight = DENSE_WEIGHT_CJK if has_cjk(question) else DENSE_WEIGHT_OTHER
        dense.update(files.cosines(qvec, [i for i in lex if i not in dense]))
        fused = {}
        for i in set(lex) | set(dense):
            parts = {"lexical": lex.get(i, 0.0), "dense": dense.get(i, 0.0)}
            fused[i] = (parts["lexical"] + dense_weight * parts["dense"], parts)
    ranked = sorted(fused.items(), key=lambda kv: -kv[1][0])
    return [(i, s, parts) for i, (s, parts) in ranked]


def fetch_passages(rows_of: Callable[[list[int]], dict[int, dict]], ranked: list[tuple[int, float, dict]], k: int):
    """The top k passages, each text once (the same paragraph printed twice is returned once); rows_of(ids) gives
    the stored fields of passages (Store.passages)."""
    out: list[Passage] = []
    seen: set[str] = set()
    for start in range(0, len(ranked), 4 * k or 1):
        window = ranked[start : start + 4 * k]
        rows = rows_of([i for i, _, _ in window])
        for i, score, parts in window:
            row = rows.get(i)
            if row is None or row["text_hash"] in seen:
                continue
            seen.add(row["text_hash"])
            fields = {key: value for key, value in row.items() if key != "text_hash"}
            out.append(Passage(score=score, scores=parts, **fields))
            if len(out) == k:
                return out
    return out
