"""The derived (search) files of a generation, made from the database before its commit and loaded for search."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import IndexCorrupt
from . import dense, lexical
from .db import get_meta, index_models
from .files import dense_path, lexical_path


def preload() -> None:
    """Import what building derived files needs, so a writer does not do it while holding the lock."""
    import bm25s  # noqa: F401
    import faiss  # noqa: F401
    import scipy.sparse  # noqa: F401


def build(con: sqlite3.Connection, path: Path, gen: int, prev: tuple[int, np.ndarray] | None = None) -> dict[str, str]:
    """Derived files of generation gen: updated from generation prev = (gen, its passage ids) where those files
    are sound, else built from the database. Returns how each was made ("incremental" or "full")."""
    how = {}
    for n, (model_id, dim) in enumerate(index_models(get_meta(con)).items()):
        slot = model_id if n else None  # the main model's file keeps its name: dense-<gen>.faiss
        key = f"dense {model_id}" if n else "dense"
        how[key] = (
            "incremental" if prev is not None and dense.update(con, path, gen, model_id, dim, prev, slot) else "full"
        )
        if how[key] == "full":
            dense.build(con, path, gen, model_id, dim, slot)
    how["lexical"] = "incremental" if prev is not None and lexical.update(con, path, gen, prev) else "full"
    if how["lexical"] == "full":
        lexical.build(con, path, gen)
    return how


@dataclass
class Derived:
    """The loaded derived files of one generation: the embedded store's SearchFiles."""

    gen: int
    dense: object  # faiss index
    bm25: object | None  # bm25s.BM25, None for an empty index
    ids: np.ndarray  # passage id of each lexical row
    vocab: dict[str, int]
    char_df: dict[str, int] | None = None  # filled on first use by character_frequency
    others: dict = field(default_factory=dict)  # model name → the faiss index of each model after the main one

    def _dense(self, model: str | None):
        """The faiss index of the model: the main one's for None or its name."""
        return self.others.get(model, self.dense)

    def lexical_scores(self, tokens: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        if self.bm25 is None or not ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        scores = self.bm25.get_scores(ids).astype(np.float32)
        return scores if allowed is None else np.where(np.isin(self.ids, allowed), scores, 0).astype(np.float32)

    def document_frequency(self, token: str) -> int:
        i = self.vocab.get(token)
        if i is None or self.bm25 is None:
            return 0
        indptr = self.bm25.scores["indptr"]  # bm25s keeps one CSC column of scores per token
        return int(indptr[i + 1] - indptr[i])

    def character_frequency(self, char: str) -> int:
        """Passages holding the Chinese character inside a word (购 in 新购): those of its most frequent bigram, a
        lower bound; 0 for a character that is a token of its own (document_frequency counts those)."""
        from ..text import has_cjk

        if self.bm25 is None or char in self.vocab:
            return 0
        if self.char_df is None:
            counts = np.diff(self.bm25.scores["indptr"])
            char_df: dict[str, int] = {}
            for t, j in self.vocab.items():
                if len(t) == 2 and has_cjk(t):
                    for c in t:
                        char_df[c] = max(char_df.get(c, 0), int(counts[j]))
            self.char_df = char_df
        return self.char_df.get(char, 0)

    def dense_search(
        self, qvec: np.ndarray, n: int, allowed: np.ndarray | None, model: str | None = None
    ) -> dict[int, float]:
        import faiss

        index = self._dense(model)
        if index.ntotal == 0 or n <= 0:
            return {}
        params = None
        if allowed is not None:
            sel = faiss.IDSelectorBatch(allowed)
            params = (
                faiss.SearchParametersIVF(sel=sel, nprobe=index.nprobe)
                if dense.is_ivf(index)
                else faiss.SearchParameters(sel=sel)
            )
        dist, ids = index.search(qvec.reshape(1, -1), min(n, index.ntotal), params=params)
        return {int(i): float(d) for i, d in zip(ids[0], dist[0]) if i >= 0}

    def cosines(self, qvec: np.ndarray, ids: list[int], model: str | None = None) -> dict[int, float]:
        if not ids:
            return {}
        index = self._dense(model)
        vecs = np.vstack([index.reconstruct(int(i)) for i in ids])
        return dict(zip(ids, (vecs @ qvec).tolist()))


def _checked(path: Path, gen: int, index, n: int, model_id: str | None, dim: int | None, slot: str | None):
    """The dense index, if it has n passages of the model's dimension (IndexCorrupt naming the repair if not)."""
    if index.ntotal != n:
        raise IndexCorrupt(
            f"{path}/: dense and lexical files disagree ({index.ntotal} vs {n} passages); "
            f"repair it: qa index check --repair"
        )
    if dim is not None and index.d != dim:
        raise IndexCorrupt(
            f"{path}/{dense_path(path, gen, slot).name} holds {index.d}-dimensional vectors but the index model "
            f"{model_id} makes {dim}; repair it: qa index check --repair"
        )
    return index


def load(path: Path, gen: int, models: dict[str, int]) -> Derived:
    """The derived files of generation gen, one dense file per model of models (name → dimension, the main model
    first; {} if not known); IndexCorrupt naming the repair if they are missing or damaged."""
    slots = [None, *list(models)[1:]]
    files = [dense_path(path, gen, s) for s in slots] + [lexical_path(path, gen) / "ids.npy"]
    if not all(f.is_file() for f in files):
        raise IndexCorrupt(
            f"{path}/ is missing its search files for generation {gen}; repair it: qa index check --repair"
        )
    try:
        indexes = [dense.load(path, gen, s) for s in slots]
        bm25, ids, vocab = lexical.load(path, gen)
    except Exception as e:  # noqa: BLE001 - a damaged file of any kind
        raise IndexCorrupt(
            f"{path}/ has a damaged search file ({type(e).__name__}); repair it: qa index check --repair"
        ) from None
    named = list(models.items()) or [(None, None)]
    for index, slot, (model_id, dim) in zip(indexes, slots, named):
        _checked(path, gen, index, len(ids), model_id, dim, slot)
    return Derived(gen, indexes[0], bm25, ids, vocab, others=dict(zip(slots[1:], indexes[1:])))
