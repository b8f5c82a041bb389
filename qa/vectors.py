"""The vectors of a write, for every model of the index: which models, what each embeds (content hashes it has no
vector for), what a writer still lacks under the lock, and the refusal of a write with other models."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from . import store
from .errors import ModelMismatch


def load_all(models: list[str]) -> list:
    """The embedder of each model (qa.embed.load: loaded on first use)."""
    from .embed import load

    return [load(m) for m in models]


def dims(embedders: list) -> dict[str, int]:
    """Model name → dimension, as the store records the index's models."""
    return {e.model_id: e.dim for e in embedders}


def embed(path: Path, texts: dict[str, str], embedders: list, *, reuse: bool, progress: bool, timer) -> dict:
    """Each model's vectors of the content hashes (texts: hash → what is embedded) that have none stored (all of
    them unless reuse); the count embedded and each model's seconds (embed_s <model>) into timer.stats."""
    out = {}
    for embedder in embedders:
        started = time.perf_counter()
        known = store.known_vectors(path, embedder.model_id, set(texts)) if reuse else set()
        todo = [h for h in texts if h not in known]
        vectors = embedder.encode_documents([texts[h] for h in todo], progress=progress) if todo else []
        out[embedder.model_id] = dict(zip(todo, vectors))
        timer.stats[f"embed_s {embedder.model_id}"] = round(time.perf_counter() - started, 4)
        timer.stats["embedded"] = timer.stats.get("embedded", 0) + len(todo)
    return out


def complete(tx: store.Writer, embedders: list, progress: bool, hashes: set[str] | None = None) -> int:
    """Embed, under the lock, passages still without a vector of a model (another writer removed it after we
    looked, or a repair); how many vectors."""
    count = 0
    for embedder in embedders:
        missing = tx.missing_vectors(embedder.model_id, hashes)
        if missing:
            texts = tx.embed_texts(missing)
            vectors = embedder.encode_documents([texts[h] for h in missing], progress=progress)
            tx.put_vectors(embedder.model_id, dict(zip(missing, vectors)))
        count += len(missing)
    return count


def put(tx: store.Writer, vectors: dict[str, dict[str, np.ndarray]]) -> None:
    for model_id, by_hash in vectors.items():
        tx.put_vectors(model_id, by_hash)


def refuse_other_models(path: Path, index_models: list[str], wanted: list[str]) -> None:
    if not index_models or set(index_models) == set(wanted):
        return
    held, asked = ", ".join(index_models), ", ".join(wanted)
    new = [m for m in wanted if m not in index_models]
    fix = (
        f"add the new model's vectors with: qa index rebuild --add-model {','.join(new)}"
        if set(wanted) > set(index_models)
        else f"re-embed everything with: qa index rebuild --model {','.join(wanted)}"
    )
    raise ModelMismatch(f"{path}/ holds vectors of model{'s' * (len(index_models) > 1)} {held!r}, not {asked!r}; {fix}")
