"""A fake embedding model for tests of archive mechanics (not retrieval quality): hashed character n-grams, fast,
deterministic in every process. conftest.py registers it as FAKE_MODEL; worker processes import it by name."""

from __future__ import annotations

import zlib

import numpy as np

from qa.embed import Embedder

FAKE_MODEL = "fake-ngrams-64"
DIM = 64


class FakeEmbedder(Embedder):
    """Each character 1-, 2- and 3-gram adds ±1 to one of DIM dimensions (chosen by its CRC32); then normalised."""

    def __init__(self, model_id: str = FAKE_MODEL):
        super().__init__(model_id)
        self._dim = DIM

    @property
    def is_default(self) -> bool:
        return False

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        for n in (1, 2, 3):
            for i in range(len(text) - n + 1):
                h = zlib.crc32(text[i : i + n].encode("utf-8"))
                v[h % DIM] += 1.0 if h & 0x8000_0000 else -1.0
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def encode_here(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        return self.encode_here(list(texts))


def register_fake() -> None:
    from qa.embed import register

    register(FAKE_MODEL, FakeEmbedder)
