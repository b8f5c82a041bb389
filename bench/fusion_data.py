"""The data bench/fusion.py fuses: the collections indexed with the project's library, every question's scores
against every passage, e5 passage vectors by embedded length (all cached under a directory given on the command
line), and the timing of the query side and of the whole fused search.

Each collection (the sample issue's chunks, cmrc2018 and drcd passages) is indexed once with qa.index.write (the BM25
side and the USE vectors) under CACHE/index/; e5 passage vectors are kept in CACHE/e5-<length>-<collection>.npz keyed
by the hash of the embedded text, and question vectors, lexical scores and query timings in
CACHE/questions-<set>-<collection>.npz, so a rerun embeds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = ROOT.parent / "shared" / "bench"
QUESTIONS = {
    "cmrc2018": BENCH / "cmrc2018" / "questions.jsonl",
    "drcd": BENCH / "drcd" / "questions.jsonl",
    "cmrc2018-en": BENCH / "cmrc2018-en" / "questions.jsonl",
    "sample-qa": ROOT / "data" / "questions" / "sample-qa.jsonl",
    "readers-dev": ROOT / "data" / "questions" / "readers.jsonl",
}
COLLECTION = {"cmrc2018": "cmrc2018", "drcd": "drcd", "cmrc2018-en": "cmrc2018", "sample-qa": "sample"}
EMBED_BATCH = 64
CANDIDATES = 100  # per side, as qa.search.CANDIDATES


@dataclass
class Collection:
    """One indexed collection: its passages in BM25 row order, their USE vectors, the open index."""

    name: str
    index: object
    article_of: dict | None
    ids: np.ndarray
    rows: list  # qa.search.Passage per passage, in ids order
    group: np.ndarray  # one number per distinct text: search returns each text once
    use: np.ndarray


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def open_collection(cache: Path, name: str) -> Collection:
    from bench.readers import open_index
    from qa.search import fetch_passages

    index, article_of = open_index(cache / "index", name, None)
    derived = index.search_files()
    ids = np.asarray(derived.ids, dtype=np.int64)
    by_id = {int(i): fetch_passages(index.store.passages, [(int(i), 0.0, {})], 1)[0] for i in ids}
    rows = [by_id[int(i)] for i in ids]  # one id a call: fetch_passages returns each text once
    texts = {}
    group = np.array([texts.setdefault(p.text, len(texts)) for p in rows])
    use = np.vstack([derived.dense.reconstruct(int(i)) for i in ids]).astype(np.float32)
    return Collection(name, index, article_of, ids, rows, group, use)


def e5_text(p, length: int) -> str:
    """What e5 embeds: the passage's article context, a newline, the first `length` characters (as qa.chunk)."""
    context = " ".join(x for x in (p.article_title, p.section) if x)
    return f"{context}\n{p.text[:length]}"


def e5_vectors(cache: Path, col: Collection, length: int, log: dict) -> np.ndarray:
    """e5 passage vectors of the collection at this embedded length; missing ones are embedded and saved."""
    from qa.e5 import encode

    path = cache / f"e5-{length}-{col.name}.npz"
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        z = np.load(path)
        known = dict(zip(z["keys"].tolist(), z["vectors"]))
    texts = [e5_text(p, length) for p in col.rows]
    keys = [_hash(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    t0, done = time.perf_counter(), 0
    for s in range(0, len(todo), EMBED_BATCH):
        part = todo[s : s + EMBED_BATCH]
        known.update(zip([k for k, _ in part], encode([t for _, t in part], query=False)))
        done += len(part)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(known)), vectors=np.vstack(list(known.values())))
        tmp.replace(path)
        rate = done / (time.perf_counter() - t0)
        print(f"e5-{length} {col.name}: {done}/{len(todo)} embedded, {rate:.2f}/s", file=sys.stderr)
    if todo:
        chars = sum(len(t) for _, t in todo)
        log.setdefault(f"e5-{length}", []).append(
            {"collection": col.name, "texts": len(todo), "chars": chars, "s": round(time.perf_counter() - t0, 1)}
        )
    return np.vstack([known[k] for k in keys]).astype(np.float32)


@dataclass
class Unit:
    """The questions of one set over one collection, with every question's scores against every passage."""

    set: str
    col: Collection
    questions: list[dict]
    cjk: np.ndarray  # question has Chinese characters
    lex: np.ndarray  # questions × passages BM25 (with translated terms for a question without Chinese)
    use_q: np.ndarray
    e5_q: np.ndarray
    gold: np.ndarray  # questions × passages: the passage answers the question
    query_ms: dict  # per-question ms of each query-side step, measured when first computed


def load_questions(name: str) -> list[dict]:
    from qa.evaluate import read_jsonl

    qs = read_jsonl(QUESTIONS[name])
    if name == "readers-dev":
        return [q for q in qs if q["split"] == "dev" and q["answerable"]]  # hit@1 counts answerable ones
    for q in qs:
        q["set"] = COLLECTION[name]
    return [q for q in qs if q["answers"]]  # as qa.evaluate: a question without an answer has no gold passage


def gold_mask(col: Collection, q: dict, readers: bool) -> np.ndarray:
    from bench.readers import is_gold
    from qa.evaluate import normalize_answer

    if readers:
        return np.array([is_gold(q, p, col.article_of) for p in col.rows])
    if col.article_of is not None:
        gold = {col.article_of.get(str(pid)) for pid in q["passage_ids"]}
        return np.array([p.article_no in gold for p in col.rows])
    answers = [normalize_answer(a) for a in q["answers"]]
    return np.array(
        [
            q.get("article_title") in (None, p.article_title) and any(a in normalize_answer(p.text) for a in answers)
            for p in col.rows
        ]
    )


def score_questions(col: Collection, questions: list[dict]) -> dict:
    """Lexical scores and both query vectors of each question, timed."""
    from qa.e5 import encode_queries
    from qa.search import lexical_scores

    derived, index = col.index.search_files(), col.index
    out = {"lex": [], "use_q": [], "e5_q": [], "use_ms": [], "e5_ms": [], "lex_ms": []}
    encode_queries(["预热"]), index.embedder.encode_query("预热")
    for q in questions:
        t0 = time.perf_counter()
        terms = [t.candidates for t in index.translate(q["question"])]
        out["lex"].append(lexical_scores(derived, q["question"], terms))
        t1 = time.perf_counter()
        out["use_q"].append(index.embedder.encode_query(q["question"]))
        t2 = time.perf_counter()
        out["e5_q"].append(encode_queries([q["question"]])[0])
        t3 = time.perf_counter()
        for key, a, b in (("lex_ms", t0, t1), ("use_ms", t1, t2), ("e5_ms", t2, t3)):
            out[key].append((b - a) * 1000)
    return {k: np.array(v, dtype=np.float32) for k, v in out.items()}


def load_unit(cache: Path, name: str, col: Collection, questions: list[dict]) -> Unit:
    from qa.text import has_cjk

    path = cache / f"questions-{name}-{col.name}.npz"
    key = _hash("\n".join(q["question"] for q in questions))
    if path.is_file() and str(np.load(path)["key"]) == key:
        z = dict(np.load(path))
    else:
        z = score_questions(col, questions)
        np.savez(path, key=key, **z)
    readers = name == "readers-dev"
    return Unit(
        name,
        col,
        questions,
        np.array([has_cjk(q["question"]) for q in questions]),
        z["lex"],
        z["use_q"],
        z["e5_q"],
        np.vstack([gold_mask(col, q, readers) for q in questions]),
        {k: z[k] for k in ("lex_ms", "use_ms", "e5_ms")},
    )


def load_units(cache: Path, sets: list[str]) -> tuple[list[Unit], dict[str, Collection]]:
    cols: dict[str, Collection] = {}
    units = []
    for name in sets:
        questions = load_questions(name)
        for col_name in sorted({q["set"] for q in questions}):
            if col_name not in cols:
                cols[col_name] = open_collection(cache, col_name)
            units.append(load_unit(cache, name, cols[col_name], [q for q in questions if q["set"] == col_name]))
    return units, cols


def query_times(units: list[Unit]) -> str:
    """The query-side steps as timed when the questions were first scored (lexical includes translation)."""
    lines = ["| set | BM25 (+ translation) | USE query | e5 query |", "|---|---|---|---|"]
    for name in dict.fromkeys(u.set for u in units):
        ms = {k: np.concatenate([u.query_ms[k] for u in units if u.set == name]) for k in units[0].query_ms}
        cells = [
            f"{np.percentile(ms[k], 50):.1f} / {np.percentile(ms[k], 95):.1f}" for k in ("lex_ms", "use_ms", "e5_ms")
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fused_latency(unit: Unit, e5: np.ndarray, fusion: dict, n: int = 300) -> dict:
    """ms per question of the whole fused search, as an index holding both models' vectors would run it: BM25
    (+ translation), both query vectors, each model's top CANDIDATES by flat inner product (what FAISS flat does),
    the missing cosines of the union, then qa.search.fuse."""
    from qa.e5 import E5_MODEL, encode_queries
    from qa.embed import DEFAULT_MODEL
    from qa.search import fuse, lexical_scores
    from qa.text import has_cjk

    index, derived, ids = unit.col.index, unit.col.index.search_files(), unit.col.ids
    row_of = {int(i): j for j, i in enumerate(ids)}
    ms, cpu = [], []
    for q in unit.questions[:n]:
        t, c = time.perf_counter(), time.process_time()
        question = q["question"]
        bm25 = lexical_scores(derived, question, [c.candidates for c in index.translate(question)])
        top = np.argsort(-bm25)[:CANDIDATES]
        lexical = {int(ids[j]): float(bm25[j]) for j in top if bm25[j] > 0}
        models = {
            DEFAULT_MODEL: (unit.col.use, index.embedder.encode_query(question)),
            E5_MODEL: (e5, encode_queries([question])[0]),
        }
        cosines = {}
        for model, (vecs, qv) in models.items():
            cos = vecs @ qv
            cosines[model] = {int(ids[j]): float(cos[j]) for j in np.argsort(-cos)[:CANDIDATES]}
        union = set(lexical).union(*cosines.values())
        lexical.update({i: float(bm25[row_of[i]]) for i in union if i not in lexical and bm25[row_of[i]] > 0})
        for model, (vecs, qv) in models.items():
            missing = [i for i in union if i not in cosines[model]]
            if missing:
                cosines[model].update(zip(missing, (vecs[[row_of[i] for i in missing]] @ qv).tolist()))
        fuse(lexical, cosines, has_cjk(question), fusion)
        ms.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    pct = lambda x, p: round(float(np.percentile(x, p)), 1)  # noqa: E731
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "cpu_p50": pct(cpu, 50), "cpu_p95": pct(cpu, 95)}


def latency_table(units: list[Unit], e5: dict, cols: dict) -> str:
    """p50 / p95 of fused_latency on the sample issue's questions and 300 cmrc2018 questions, wall and CPU time (the
    CPU time of this process: what a quiet machine's wall time would be, for work on one thread), with the load."""
    from qa.e5 import E5_MODEL
    from qa.embed import DEFAULT_MODEL
    from qa.search import fusions

    fusion = fusions()["+".join(sorted([DEFAULT_MODEL, E5_MODEL]))]
    lines = ["| set | questions | wall p50 / p95 ms | CPU p50 / p95 ms | load average |", "|---|---|---|---|---|"]
    for u in units:
        if u.set in ("sample-qa", "cmrc2018"):
            ms = fused_latency(u, e5[fusion["e5_chars"]][u.col.name], fusion)
            lines.append(
                f"| {u.set} | {min(300, len(u.questions))} | {ms['p50']} / {ms['p95']} | {ms['cpu_p50']} / "
                f"{ms['cpu_p95']} | {os.getloadavg()[0]:.1f} |"
            )
    return "\n".join(lines)


def prepare(cache: Path, sets: list[str], lengths: list[int]) -> tuple[list[Unit], dict, dict]:
    """Indexes, question scores and e5 vectors (per length) of every set, from the cache where there."""
    cache.mkdir(parents=True, exist_ok=True)
    units, cols = load_units(cache, sets)
    log_path = cache / "e5-embedding-log.json"
    log = json.loads(log_path.read_text()) if log_path.is_file() else {}
    e5 = {}
    for length in lengths:
        e5[length] = {name: e5_vectors(cache, col, length, log) for name, col in cols.items()}
        log_path.write_text(json.dumps(log, indent=1))
    return units, cols, e5
