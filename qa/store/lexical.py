"""The lexical search files of a generation: a bm25s index over the passages' stored tokens, plus ids.npy (row →
passage id), vocab.json and each row's term counts (row_ptr/tok/tf/lengths.npy: the next generation starts from
them, so a write only counts the rows it adds)."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import queries
from .base import Problem
from .files import fsync_tree, lexical_path, naming, remove, tmp_name

BM25_K1, BM25_B = 1.5, 0.75


@dataclass
class TermCounts:
    """Each row's distinct token ids and their counts (CSR-like), and its length: all BM25 needs to count a corpus."""

    row_ptr: np.ndarray  # int64, rows + 1
    tok: np.ndarray  # int64 token ids, row by row
    tf: np.ndarray  # int64 counts, aligned with tok
    lengths: np.ndarray  # int64 tokens per row, duplicates included

    FILES = ("row_ptr", "tok", "tf", "lengths")

    @classmethod
    def of_token_rows(cls, rows: list[list[int]]) -> TermCounts:
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        if not rows:
            return cls(np.zeros(1, dtype=np.int64), *(np.zeros(0, dtype=np.int64) for _ in range(3)))
        flat = np.fromiter((t for r in rows for t in r), dtype=np.int64, count=int(lengths.sum()))
        which = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        span = int(flat.max()) + 1
        keys, tf = np.unique(which * span + flat, return_counts=True)
        row, tok = np.divmod(keys, span)
        row_ptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=len(rows)))])
        return cls(row_ptr, tok, tf.astype(np.int64), lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def select(self, keep: np.ndarray) -> TermCounts:
        per_row = np.diff(self.row_ptr)
        mask = np.repeat(keep, per_row)
        return TermCounts(
            np.concatenate([[0], np.cumsum(per_row[keep])]), self.tok[mask], self.tf[mask], self.lengths[keep]
        )

    def __add__(self, other: TermCounts) -> TermCounts:
        return TermCounts(
            np.concatenate([self.row_ptr, other.row_ptr[1:] + self.row_ptr[-1]]),
            np.concatenate([self.tok, other.tok]),
            np.concatenate([self.tf, other.tf]),
            np.concatenate([self.lengths, other.lengths]),
        )

    def save(self, d: Path) -> None:
        for name in self.FILES:
            np.save(d / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, d: Path) -> TermCounts:
        return cls(*(np.load(d / f"{name}.npy") for name in cls.FILES))

    def problems(self, n_rows: int, n_vocab: int) -> list[str]:
        if len(self.row_ptr) != n_rows + 1 or len(self.lengths) != n_rows or self.row_ptr[-1] != len(self.tok):
            return ["term counts do not match the passages"]
        if len(self.tok) != len(self.tf) or (len(self.tok) and (self.tok.max() >= n_vocab or self.tok.min() < 0)):
            return ["term counts do not match the vocabulary"]
        return []


def bm25_index(counts: TermCounts, vocab: dict[str, int]):
    """A bm25s.BM25 over the rows of counts.

    The same scores as bm25s.BM25.index (its own idf and tf formulas, its scipy CSC matrix), computed with numpy
    from per-row term counts: no Python loop per document, and a write only counts the rows it adds.
    """
    import bm25s
    import scipy.sparse as sp
    from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer

    bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    n_docs, n_vocab = len(counts), len(vocab)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(counts.row_ptr))
    df = np.bincount(counts.tok, minlength=n_vocab)
    idf_of = _select_idf_scorer(bm25.idf_method)
    dfs, inverse = np.unique(df, return_inverse=True)
    idf = np.array([idf_of(int(d), N=n_docs) if d else 0.0 for d in dfs], dtype=bm25.dtype)[inverse]
    tfc = _select_tfc_scorer(bm25.method)(
        tf_array=counts.tf.astype(bm25.dtype),
        l_d=counts.lengths[doc],
        l_avg=counts.lengths.mean(),
        k1=bm25.k1,
        b=bm25.b,
        delta=bm25.delta,
    )
    matrix = sp.csc_matrix(
        ((idf[counts.tok] * tfc).astype(bm25.dtype), (doc, counts.tok)), shape=(n_docs, n_vocab), dtype=bm25.dtype
    )
    bm25.scores = {"data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr, "num_docs": n_docs}
    bm25.vocab_dict = vocab
    bm25.unique_token_ids_set = set(vocab.values())
    bm25.nonoccurrence_array = None  # only BM25L and BM25+ use it
    return bm25


def token_rows(texts: list[str], vocab: dict[str, int]) -> list[list[int]]:
    """Token ids of stored token strings; new tokens join vocab. An empty row gets token 0 ("")."""
    return [[vocab.setdefault(t, len(vocab)) for t in text.split(" ") if t] or [0] for text in texts]


def _write(path: Path, gen: int, row_ids: np.ndarray, counts: TermCounts, vocab: dict[str, int]) -> None:
    target = lexical_path(path, gen)
    tmp = tmp_name(target)
    remove(tmp)
    tmp.mkdir()  # a new directory of ours: nothing in it can be a link planted beforehand
    with naming(target):
        if len(row_ids):
            bm25_index(counts, vocab).save(tmp, vocab_name="vocab.json", show_progress=False)  # its vocab is ours
        else:
            (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        np.save(tmp / "ids.npy", row_ids)
        counts.save(tmp)
        fsync_tree(tmp)
    remove(target)  # an uncommitted generation's leftover, never a live one
    os.replace(tmp, target)


def build(con: sqlite3.Connection, path: Path, gen: int) -> None:
    """Lexical files of generation gen from every passage's stored tokens."""
    row_ids, texts = queries.stored_tokens(con)
    vocab: dict[str, int] = {"": 0}  # bm25s wants at least one token; "" never matches a query token
    _write(path, gen, row_ids, TermCounts.of_token_rows(token_rows(texts, vocab)), vocab)


def _previous(path: Path, gen: int, ids: np.ndarray) -> tuple[np.ndarray, TermCounts, dict] | None:
    d = lexical_path(path, gen)
    try:
        row_ids = np.load(d / "ids.npy")
        counts = TermCounts.load(d)
        vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - missing or damaged: the caller builds from stored tokens
        return None
    if not np.array_equal(np.sort(row_ids), ids) or counts.problems(len(row_ids), len(vocab)):
        return None
    return row_ids, counts, vocab


def update(con: sqlite3.Connection, path: Path, gen: int, prev: tuple[int, np.ndarray]) -> bool:
    """Lexical files of gen from prev = (generation, its passage ids): drop deleted rows, count only new ones, redo
    BM25. False if the previous files are unusable."""
    found = _previous(path, *prev)
    if found is None:
        return False
    row_ids, counts, vocab = found
    new_ids = queries.passage_ids(con)
    keep = np.isin(row_ids, new_ids)
    counts, row_ids = counts.select(keep), row_ids[keep]
    added = np.setdiff1d(new_ids, prev[1], assume_unique=True)
    if len(added):
        added_ids, texts = queries.stored_tokens(con, added)
        counts = counts + TermCounts.of_token_rows(token_rows(texts, vocab))
        row_ids = np.concatenate([row_ids, added_ids])
    _write(path, gen, row_ids, counts, vocab)
    return True


def load(path: Path, gen: int):
    """(bm25s.BM25 or None for an empty index, row ids, vocabulary) of generation gen."""
    import bm25s

    d = lexical_path(path, gen)
    ids = np.load(d / "ids.npy")
    vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
    bm25 = bm25s.BM25.load(d, mmap=False, load_vocab=False, show_progress=False) if len(ids) else None
    return bm25, ids, vocab


def problems(path: Path, gen: int, ids: np.ndarray) -> list[Problem]:
    """Where the lexical files of gen disagree with the database (all repairable: rebuilt from stored tokens)."""
    d = lexical_path(path, gen)
    if not d.is_dir():
        return [Problem(f"{d.name}/ (lexical search files of generation {gen}) is missing", True)]
    # the term counts only speed up the next write (without them it counts every passage): optional, but whole
    has_counts = [(d / f"{name}.npy").is_file() for name in TermCounts.FILES]
    try:
        bm25, row_ids, vocab = load(path, gen)
        counts = TermCounts.load(d) if all(has_counts) else None
    except Exception as e:  # noqa: BLE001
        return [Problem(f"{d.name}/ cannot be read ({type(e).__name__}: missing or damaged file)", True)]
    out = []
    if not np.array_equal(np.sort(row_ids), ids):
        out.append(f"{d.name}/ lists {len(row_ids)} passages, the database {len(ids)}")
    if counts is not None:
        out += [f"{d.name}/ {p}" for p in counts.problems(len(row_ids), len(vocab))]
    elif any(has_counts):
        out.append(f"{d.name}/ has only some of its term-count files")
    if bm25 is not None and (bm25.scores["num_docs"] != len(row_ids) or len(bm25.scores["indptr"]) != len(vocab) + 1):
        out.append(f"{d.name}/ BM25 matrix does not match its passages or vocabulary")
    return [Problem(p, True) for p in out]
