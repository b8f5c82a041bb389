"""Hybrid retrieval: BM25 over jieba words + CJK bigrams, FAISS cosine, fused by max-normalised score sum."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import numpy as np

from .store import Derived
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


def _lexical_scores(derived: Derived, query_tokens: list[str]) -> np.ndarray:
    """BM25 score of every passage (row order of derived.bm25_ids)."""
    ids = [derived.vocab[t] for t in query_tokens if t in derived.vocab]
    if derived.bm25 is None or not ids:
        return np.zeros(len(derived.bm25_ids), dtype=np.float32)
    return derived.bm25.get_scores(ids).astype(np.float32)


def _term_scores(derived: Derived, terms: list[list[tuple[str, float]]]) -> np.ndarray:
    """Sum over terms of the best weighted BM25 score of one of its alternatives (e.g. the translations of a word),
    so that a word with many translations counts once."""
    total = np.zeros(len(derived.bm25_ids), dtype=np.float32)
    for alternatives in terms:
        best = np.zeros_like(total)
        for text, weight in alternatives:
            np.maximum(best, weight * _lexical_scores(derived, tokens(text)), out=best)
        total += best
    return total


def document_frequency(derived: Derived, token: str) -> int:
    """How many passages hold the lexical token."""
    i = derived.vocab.get(token)
    if i is None or derived.bm25 is None:
        return 0
    indptr = derived.bm25.scores["indptr"]  # bm25s keeps one CSC column of scores per token
    return int(indptr[i + 1] - indptr[i])


def character_frequency(derived: Derived, char: str) -> int:
    """How many passages hold the Chinese character inside a word (购 in 新购): those of its most frequent bigram,
    a lower bound; 0 for a character that is a token of its own (document_frequency counts those)."""
    if derived.bm25 is None or char in derived.vocab:
        return 0
    if derived.char_df is None:
        counts = np.diff(derived.bm25.scores["indptr"])
        char_df: dict[str, int] = {}
        for t, j in derived.vocab.items():
            if len(t) == 2 and has_cjk(t):
                for c in t:
                    char_df[c] = max(char_df.get(c, 0), int(counts[j]))
        derived.char_df = char_df
    return derived.char_df.get(char, 0)


def _dense_search(derived: Derived, qvec: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]:
    import faiss

    if derived.dense.ntotal == 0 or n <= 0:
        return {}
    params = None
    if allowed is not None:
        sel = faiss.IDSelectorBatch(allowed)
        params = (
            faiss.SearchParametersIVF(sel=sel, nprobe=derived.dense.nprobe)
            if hasattr(derived.dense, "invlists")
            else faiss.SearchParameters(sel=sel)
        )
    dist, ids = derived.dense.search(qvec.reshape(1, -1), min(n, derived.dense.ntotal), params=params)
    return {int(i): float(d) for i, d in zip(ids[0], dist[0]) if i >= 0}


def _cosines(derived: Derived, qvec: np.ndarray, ids: list[int]) -> dict[int, float]:
    if not ids:
        return {}
    vecs = np.vstack([derived.dense.reconstruct(int(i)) for i in ids])
    return dict(zip(ids, (vecs @ qvec).tolist()))


def rank(
    derived: Derived,
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
    lex: dict[int, float] = {}
    if mode in ("hybrid", "lexical"):
        scores = _lexical_scores(derived, tokens(question))
        if terms:
            scores = scores + _term_scores(derived, terms)
        if allowed is not None:
            scores = np.where(np.isin(derived.bm25_ids, allowed), scores, 0)
        top = np.argsort(-scores)[:n]
        best = float(scores[top[0]]) if len(top) else 0.0
        if best > 0:
            lex = {int(derived.bm25_ids[i]): float(scores[i]) / best for i in top if scores[i] > 0}
    dense: dict[int, float] = {}
    if mode in ("hybrid", "dense") and qvec is not None:
        dense = _dense_search(derived, qvec, n, allowed)
    if mode == "lexical":
        fused = {i: (s, {"lexical": s}) for i, s in lex.items()}
    elif mode == "dense":
        fused = {i: (s, {"dense": s}) for i, s in dense.items()}
    else:
        weight = (
            dense_weight
            if dense_weight is not None
            else (DENSE_WEIGHT_CJK if has_cjk(question) else DENSE_WEIGHT_OTHER)
        )
        dense.update(_cosines(derived, qvec, [i for i in lex if i not in dense]))
        fused = {}
        for i in set(lex) | set(dense):
            parts = {"lexical": lex.get(i, 0.0), "dense": dense.get(i, 0.0)}
            fused[i] = (parts["lexical"] + weight * parts["dense"], parts)
    ranked = sorted(fused.items(), key=lambda kv: -kv[1][0])
    return [(i, s, parts) for i, (s, parts) in ranked]


PASSAGE_SQL = """
SELECT p.id, p.text, p.issue_id, i.paper, i.date, p.article_no, a.title, p.paragraph_no, p.part_no, p.section,
       p.kind, p.text_hash
FROM passages p JOIN issues i ON i.issue_id = p.issue_id
JOIN articles a ON a.issue_id = p.issue_id AND a.article_no = p.article_no
WHERE p.id IN ({})
"""


def fetch_passages(con: sqlite3.Connection, ranked: list[tuple[int, float, dict]], k: int) -> list[Passage]:
    """The top k passages, each text once (the same paragraph printed twice is returned once)."""
    out: list[Passage] = []
    seen: set[str] = set()
    for start in range(0, len(ranked), 4 * k or 1):
        window = ranked[start : start + 4 * k]
        rows = {
            r[0]: r for r in con.execute(PASSAGE_SQL.format(",".join("?" * len(window))), [i for i, _, _ in window])
        }
        for i, score, parts in window:
            r = rows.get(i)
            if r is None or r[11] in seen:
                continue
            seen.add(r[11])
            out.append(Passage(r[0], r[1], score, r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], parts))
            if len(out) == k:
                return out
    return out
