"""Hybrid retrieval: BM25 over jieba words + CJK bigrams, FAISS cosine, fused by max-normalised score sum (one
model) or by standardised scores with measured weights (several models: fuse)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .parse import LOW_CONFIDENCE
from .store import SearchFiles
from .text import has_cjk, tokens

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 100
# score = bm25 / max(bm25) + weight × cosine; weights chosen on the bench sets (see README, "Fusion").
DENSE_WEIGHT_CJK = 0.3
DENSE_WEIGHT_OTHER = 4.0
FUSION_FILE = Path(__file__).with_name("fusion.json")  # written by bench/fusion.py --write-params
LOW_CONFIDENCE_FLAG = "（OCR 识别可能有误）"


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
    page: int | None = None  # printed page (版), where the issue came as pages (PDF, scans, digital edition)
    confidence: float | None = None  # OCR: the lowest recogniser score of the paragraph's lines
    scores: dict = field(default_factory=dict)  # the parts of the score: lexical, dense

    @property
    def low_confidence(self) -> bool:
        """OCR text that may be misread (cited with a warning)."""
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE

    @property
    def citation(self) -> str:
        """e.g. 株洲日报 · 2021-05-08 · 第1版 · 362支工作队驻村助力乡村振兴 · 第1段, and （OCR 识别可能有误） after
        a paragraph OCR may have misread."""
        head = [self.paper or self.issue_id]
        if self.date:
            head.append(self.date)
        if self.page is not None:
            head.append(f"第{self.page}版")
        flag = LOW_CONFIDENCE_FLAG if self.low_confidence else ""
        return " · ".join([*head, self.article_title, f"第{self.paragraph_no}段"]) + flag

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
            "page": self.page,
            "confidence": self.confidence,
            "low_confidence": self.low_confidence,
            "citation": self.citation,
            "text": self.text,
        }


def _term_scores(files: SearchFiles, terms: list[list[tuple[str, float]]], allowed: np.ndarray | None) -> np.ndarray:
    """Sum over terms of the best weighted BM25 score of one of its alternatives (e.g. the translations of a word),
    so that a word with many translations counts once."""
    total = np.zeros(len(files.ids), dtype=np.float32)
    for alternatives in terms:
        best = np.zeros_like(total)
        for text, weight in alternatives:
            np.maximum(best, weight * files.lexical_scores(tokens(text), allowed), out=best)
        total += best
    return total


def lexical_scores(
    files: SearchFiles,
    question: str,
    terms: list[list[tuple[str, float]]] | None = None,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """BM25 of every passage (row order of files.ids) for the question's tokens, plus its weighted terms; 0 for the
    passages outside allowed (the store applies the filter)."""
    scores = files.lexical_scores(tokens(question), allowed)
    return scores + _term_scores(files, terms, allowed) if terms else scores


def _lexical(files: SearchFiles, question: str, terms, n: int, allowed: np.ndarray | None) -> dict[int, float]:
    """The n best passages by BM25 over the question's tokens and the weighted terms: id → score / best score."""
    scores = lexical_scores(files, question, terms, allowed)
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


@lru_cache(maxsize=1)
def fusions() -> dict[str, dict]:
    """The fusions bench/fusion.py chose, by the dense models they fuse ("+"-joined, sorted)."""
    return json.loads(FUSION_FILE.read_text(encoding="utf-8"))["fusions"]


def standardised(x: np.ndarray) -> np.ndarray:
    """(x - mean) / standard deviation; all zeros where x does not vary (a side that tells the passages nothing)."""
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def fuse(
    lexical: dict[int, float], cosines: dict[str, dict[int, float]], cjk: bool, fusion: dict | None = None
) -> list[tuple[int, float, dict]]:
    """(passage id, fused score, score parts) best first over the candidates: the passages of lexical and of each
    model's cosines (each side's top CANDIDATES). lexical holds raw BM25 (not divided by the best) of every candidate
    that has one (lexical_scores gives all: a passage one model found may match words too; absent counts 0); each
    model's cosines must cover every candidate. bench/fusion.py measured exactly this.

    Each side is standardised over the candidates (a passage the lexical side did not return has BM25 0) and the
    sides are summed with the weights of the question's language, from the fusion bench/fusion.py chose for these
    models (fusions()). Cosines of different models cannot be added as they are: e5's bunch near 0.8, USE's spread
    from 0 to 0.6."""
    fusion = fusion or fusions()["+".join(sorted(cosines))]
    weights = fusion["cjk" if cjk else "other"]
    ids = sorted(set(lexical).union(*cosines.values()))
    sides = {"lexical": np.array([lexical.get(i, 0.0) for i in ids])}
    sides.update({m: np.array([c[i] for i in ids]) for m, c in cosines.items()})
    total = sum(weights[name] * standardised(x) for name, x in sides.items())
    order = np.argsort(-total, kind="stable")
    return [(ids[j], float(total[j]), {name: float(x[j]) for name, x in sides.items()}) for j in order]


def fusion_of(models: list[str]) -> dict | None:
    """The fusion bench/fusion.py chose for an index of these models; None for one model (the hybrid of rank) or
    models never measured together."""
    return fusions().get("+".join(sorted(models))) if len(models) > 1 else None


def _rows(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each wanted passage id is in ids."""
    order = np.argsort(ids, kind="stable")
    return order[np.searchsorted(ids, wanted, sorter=order)]


def rank_fused(
    files: SearchFiles,
    question: str,
    qvecs: dict[str, np.ndarray],
    k: int,
    allowed: np.ndarray | None = None,
    terms: list[list[tuple[str, float]]] | None = None,
    fusion: dict | None = None,
) -> list[tuple[int, float, dict]]:
    """(passage id, fused score, score parts) best first, for an index of several models (qvecs: each model's query
    vector): the candidates are BM25's and each model's top max(CANDIDATES, 4k); each side's score of every
    candidate is filled in (raw BM25, cosines), then fuse standardises and weighs them."""
    n = max(CANDIDATES, 4 * k)
    bm25 = lexical_scores(files, question, terms, allowed)
    top = [j for j in np.argsort(-bm25)[:n] if bm25[j] > 0]
    cosines = {model: files.dense_search(qvec, n, allowed, model) for model, qvec in qvecs.items()}
    union = sorted(set(files.ids[top].tolist()).union(*cosines.values()))
    if not union:
        return []
    scores = bm25[_rows(files.ids, np.asarray(union, dtype=np.int64))]
    lexical = {i: float(s) for i, s in zip(union, scores) if s > 0}
    for model, qvec in qvecs.items():
        cosines[model].update(files.cosines(qvec, [i for i in union if i not in cosines[model]], model))
    return fuse(lexical, cosines, has_cjk(question), fusion)


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
