"""multilingual-e5-small (qa/e5.py) as a sentence-transformers input module."""

from __future__ import annotations

import torch
from sentence_transformers.base.modules import InputModule

from .e5 import E5_DIM, QUERY_PROMPT, encode


class E5Module(InputModule):
    """Texts in, 384-dim embeddings out. The prompt that sentence-transformers passes (give the model
    prompts=qa.e5.PROMPTS) picks the query: or passage: prefix; plain encode() embeds passages."""

    config_keys: list[str] = []

    def preprocess(self, inputs, prompt=None, **kwargs):
        return {"texts": list(inputs), "query": prompt == QUERY_PROMPT}

    def forward(self, features, **kwargs):
        features["sentence_embedding"] = torch.from_numpy(encode(features["texts"], query=features["query"]))
        return features

    def get_sentence_embedding_dimension(self) -> int:
        return E5_DIM

    get_embedding_dimension = get_sentence_embedding_dimension

    def save(self, output_path, *args, **kwargs):
        self.save_config(output_path)
