"""A SYNTHETIC archive for speed and memory only: bench passages re-cut into newspaper-sized paragraphs and issues.

Vectors of the copies are the real USE vectors of their base paragraph plus a little noise (renormalised), stored
in the index's vector cache before the write, so a 100k-passage archive builds without hours of embedding. Never
use these numbers for quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa import store
from qa.chunk import chunk_issue
from qa.embed import DEFAULT_MODEL, load
from qa.parse import Article, Issue, Paragraph
from qa.text import split_sentences

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
OUT = Path(__file__).resolve().parent / "out"
PARAGRAPHS_PER_ARTICLE = 6
ARTICLES_PER_ISSUE = 6


def base_paragraphs(limit: int = 3000, target_chars: int = 160) -> list[tuple[str, str]]:
    """(title, paragraph) pairs: cmrc2018 and drcd passages cut at sentence ends into ~160-character paragraphs."""
    out = []
    for name in ("cmrc2018", "drcd"):
        for line in open(BENCH / name / "passages.jsonl", encoding="utf-8"):
            p = json.loads(line)
            current = ""
            for s in split_sentences(p["text"]):
                current += s
                if len(current) >= target_chars:
                    out.append((p["title"], current))
                    current = ""
            if current:
                out.append((p["title"], current))
    rng = np.random.default_rng(0)
    rng.shuffle(out)
    return out[:limit]


def base_vectors(paragraphs: list[tuple[str, str]]) -> np.ndarray:
    """Real USE vectors of the base paragraphs (cached in bench/out/)."""
    cache = OUT / f"base-vectors-{len(paragraphs)}.npy"
    if cache.is_file():
        return np.load(cache)
    OUT.mkdir(exist_ok=True)
    vecs = load(DEFAULT_MODEL).encode_documents([f"{t}\n{p}" for t, p in paragraphs], progress=True)
    np.save(cache, vecs)
    return vecs


def synthetic_issues(n_passages: int, paragraphs: list[tuple[str, str]], start: int = 0) -> list[Issue]:
    per_issue = PARAGRAPHS_PER_ARTICLE * ARTICLES_PER_ISSUE
    issues, k = [], start * per_issue
    for i in range(start, start + (n_passages + per_issue - 1) // per_issue):
        articles = []
        for a in range(1, ARTICLES_PER_ISSUE + 1):
            title = f"{paragraphs[k % len(paragraphs)][0]}（合成第{i}期）"
            paras = []
            for n in range(1, PARAGRAPHS_PER_ARTICLE + 1):
                paras.append(Paragraph(n, paragraphs[k % len(paragraphs)][1], "body", None, n))
                k += 1
            articles.append(Article(a, title, paragraphs=paras))
        issues.append(Issue(f"synthetic-{i:05d}", "合成日报", None, f"synthetic-{i}", f"synthetic-{i}", articles))
    return issues


def seed_vectors(path: Path, issues: list[Issue], paragraphs, vectors: np.ndarray, noise: float = 0.02) -> None:
    """Put the copies' vectors into the index's vector cache, so the write embeds nothing."""
    index_of = {p: i for i, (_, p) in enumerate(paragraphs)}
    rng = np.random.default_rng(len(issues))
    seeded = {}
    for issue in issues:
        for c in chunk_issue(issue):
            v = vectors[index_of[c.text]] + rng.normal(0, noise, vectors.shape[1]).astype(np.float32)
            seeded[c.content_hash] = (v / np.linalg.norm(v)).astype(np.float32)
    store.seed_vectors(path, DEFAULT_MODEL, seeded)
