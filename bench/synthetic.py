"""A SYNTHETIC archive for speed and memory only: bench passages re-cut into newspaper-sized paragraphs and issues.

Vectors of the copies are the real USE vectors of their base paragraph plus a little noise (renormalised), stored
in the index's vector cache before the write, so a 100k-passage archive builds without hours of embedding. Never
use these numbers for quality.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np

from qa import store
from qa.chunk import chunk_issue
from qa.embed import DEFAULT_MODEL, Embedder, load, register
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


HASHED_MODEL = "bench-hashed-512"


class HashedEmbedder(Embedder):
    """SPEED ONLY, no model: a 512-dimensional unit vector per text drawn from a generator seeded by the text's
    CRC32 (~20 µs a text), so a 100k-passage build times the store, not USE. Registered by the benches that use it."""

    def __init__(self, model_id: str = HASHED_MODEL):
        super().__init__(model_id)
        self._dim = 512

    @property
    def is_default(self) -> bool:
        return False

    def encode_here(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for n, t in enumerate(texts):
            out[n] = np.random.default_rng(zlib.crc32(t.encode("utf-8"))).standard_normal(self._dim)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        return self.encode_here(list(texts))


def register_hashed() -> str:
    """Make HASHED_MODEL loadable (qa.embed.register) in this process and its embedding workers."""
    register(HASHED_MODEL, HashedEmbedder)
    return HASHED_MODEL
