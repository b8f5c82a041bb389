"""The dense search file of a generation: FAISS over normalised vectors, ids = passage ids."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np

from ..errors import IndexCorrupt
from . import queries
from .base import Problem
from .files import dense_path, remove, write_temp

IVF_MIN = 50_000  # flat search stays exact and fast enough below this (bench/speed.py)
IVF_NPROBE = 32


def ivf_min() -> int:
    """Passages from which the dense file is an IVF index instead of flat (exact) search; $QA_IVF_MIN overrides."""
    return int(os.environ.get("QA_IVF_MIN") or IVF_MIN)


def new_index(vecs: np.ndarray, dim: int):
    """Flat inner product below ivf_min() passages; above, IVF with ~4·√n lists trained on these vectors."""
    import faiss

    n = len(vecs)
    if n < ivf_min():
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    nlist = int(4 * np.sqrt(n))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(n, min(n, 50 * nlist), replace=False)
    index.train(np.ascontiguousarray(vecs[np.sort(sample)]))
    index.nprobe = IVF_NPROBE
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct(id) for the fusion's cosines
    return index


def is_ivf(index) -> bool:
    return hasattr(index, "invlists")


def _fits(index, n: int) -> bool:
    """Is this kind of dense index still the right one for n passages? (IVF lists are retrained as n grows 4x.)"""
    if is_ivf(index):
        return n >= ivf_min() and index.nlist >= 2 * np.sqrt(n)
    return n < ivf_min()


def index_ids(index) -> np.ndarray:
    import faiss

    if is_ivf(index):
        lists = index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    return faiss.vector_to_array(index.id_map).astype(np.int64)


def _write(path: Path, gen: int, index, slot: str | None = None) -> None:
    """The file of generation gen, written to a new temp file (faiss never opens a path itself), then renamed."""
    import faiss

    target = dense_path(path, gen, slot)
    remove(target)  # an uncommitted generation's leftover, never a live one

    def put(f) -> None:
        writer = faiss.PyCallbackIOWriter(f.write)
        faiss.write_index(index, writer)
        del writer  # flushes

    os.replace(write_temp(target, put), target)


def build(con: sqlite3.Connection, path: Path, gen: int, model_id: str, dim: int, slot: str | None = None) -> None:
    """Dense file of generation gen from every stored vector of the model (slot: see dense_path)."""
    ids, vecs = queries.vectors(con, model_id, dim)
    n_passages = queries.passage_count(con)
    if len(ids) != n_passages:
        raise IndexCorrupt(f"{path}/: {n_passages - len(ids)} passages have no vector for model {model_id}")
    index = new_index(vecs, dim)
    if len(ids):
        index.add_with_ids(vecs, ids)
    _write(path, gen, index, slot)


def _usable(path: Path, gen: int, dim: int, ids: np.ndarray, n_new: int, slot: str | None):
    """The dense index of generation gen if it is sound, holds exactly ids and still fits n_new passages."""
    import faiss

    try:
        index = faiss.read_index(str(dense_path(path, gen, slot)))
    except Exception:  # noqa: BLE001 - missing or damaged: the caller builds from stored vectors
        return None
    sound = (isinstance(index, faiss.IndexIDMap2) or is_ivf(index)) and index.d == dim
    if sound and _fits(index, n_new) and np.array_equal(np.sort(index_ids(index)), ids):
        return index
    return None


def update(
    con: sqlite3.Connection,
    path: Path,
    gen: int,
    model_id: str,
    dim: int,
    prev: tuple[int, np.ndarray],
    slot: str | None = None,
) -> bool:
    """Dense file of gen from the one of prev = (generation, its passage ids): remove deleted ids, add new ones.
    False if that file is unusable."""
    import faiss

    new_ids = queries.passage_ids(con)
    index = _usable(path, prev[0], dim, prev[1], len(new_ids), slot)
    if index is None:
        return False
    removed = np.setdiff1d(prev[1], new_ids, assume_unique=True)
    added = np.setdiff1d(new_ids, prev[1], assume_unique=True)
    if len(removed):
        # an IVF direct map (hashtable) removes only through an IDSelectorArray; flat takes it too
        removed = np.ascontiguousarray(removed, dtype=np.int64)  # must outlive the selector, which only points at it
        index.remove_ids(faiss.IDSelectorArray(len(removed), faiss.swig_ptr(removed)))
    if len(added):
        ids, vecs = queries.vectors(con, model_id, dim, added)
        if len(ids) != len(added):
            raise IndexCorrupt(f"{path}/: {len(added) - len(ids)} new passages have no vector for model {model_id}")
        index.add_with_ids(vecs, ids)
    _write(path, gen, index, slot)
    return True


def load(path: Path, gen: int, slot: str | None = None):
    import faiss

    return faiss.read_index(str(dense_path(path, gen, slot)))


def problems(
    con: sqlite3.Connection, path: Path, gen: int, model_id: str, dim: int, ids: np.ndarray, slot: str | None = None
) -> list[Problem]:
    """Where the dense file of gen disagrees with the database (all repairable: it is rebuilt from stored vectors)."""
    import faiss

    f = dense_path(path, gen, slot)
    if not f.is_file():
        return [Problem(f"{f.name} (dense search file of generation {gen}) is missing", True)]
    try:
        index = faiss.read_index(str(f))
    except Exception as e:  # noqa: BLE001
        size = f.stat().st_size
        return [Problem(f"{f.name} cannot be read ({type(e).__name__}; {size} bytes: truncated or damaged)", True)]
    if not (isinstance(index, faiss.IndexIDMap2) or is_ivf(index)):
        return [Problem(f"{f.name} is neither an IndexIDMap2 nor an IVF index (found {type(index).__name__})", True)]
    if index.d != dim:
        why = f"the index model {model_id} makes {dim} (built with another model)"
        return [Problem(f"{f.name} holds {index.d}-dimensional vectors, {why}", True)]
    found = np.sort(index_ids(index))
    if not np.array_equal(found, ids):
        missing, extra = len(np.setdiff1d(ids, found)), len(np.setdiff1d(found, ids))
        why = f"({missing} missing, {extra} not in the database)"
        return [Problem(f"{f.name} holds {len(found)} passages, the database {len(ids)} {why}", True)]
    sample = ids[np.linspace(0, len(ids) - 1, min(len(ids), 20)).astype(int)] if len(ids) else ids
    if len(sample):
        sids, stored = queries.vectors(con, model_id, dim, sample)
        got = np.vstack([index.reconstruct(int(i)) for i in sids]) if len(sids) else stored
        if not np.allclose(got, stored, atol=1e-5):
            why = f"holds vectors other than the stored {model_id} vectors (built with another model?)"
            return [Problem(f"{f.name} {why}", True)]
    return []
