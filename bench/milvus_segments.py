"""Why milvus-lite's own search departs from the embedded store's on a large synthetic archive (README, "Scaling out").

Per configuration: bench/synthetic.py's archive of ISSUES issues cut from BASE base paragraphs (BASE < 36 × ISSUES:
each text printed 36 × ISSUES / BASE times, so equal BM25 scores tie), built in the embedded store with seeded random
vectors (+ noise per copy, as `bench/milvus.py --parts copy`), copied into milvus-lite, then cmrc2018's first 200
questions on both: BM25 of the embedded top 100 in each store, and the top 1 / top 5 of `Index.search` per mode
(by passage id, and by text: which copy of a tied text comes back cannot change the text). MEMTABLE: milvus-lite's
MILVUS_LITE_MEMTABLE_MEMORY_LIMIT_BYTES (default 128 MB), read when it is imported: each configuration runs in a
process of its own. A smaller memtable cuts the same passages into more segments.

    .venv/bin/python bench/milvus_segments.py --configs 150:450 150:450:8000000 150:6243 150:6243:8000000 1000:3000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "milvus-segments.json"
MEMTABLE_ENV = "MILVUS_LITE_MEMTABLE_MEMORY_LIMIT_BYTES"


def bm25_agreement(fe, fm, questions: list[str]) -> dict:
    """For the embedded store's 100 best BM25 passages of each question: the spread of milvus/embedded score ratios
    (0: the same scores up to Milvus's constant k1 + 1 factor), and how many tie with the 100th."""
    from qa.text import tokens

    row_e, row_m = {int(i): r for r, i in enumerate(fe.ids)}, {int(i): r for r, i in enumerate(fm.ids)}
    spread, scale, ties, same = [], [], [], 0
    for q in questions:
        se, sm = fe.lexical_scores(tokens(q)), fm.lexical_scores(tokens(q))
        top = sorted((i for i in row_e if se[row_e[i]] > 0), key=lambda i: -se[row_e[i]])[:100]
        if not top:
            continue
        a, b = np.array([se[row_e[i]] for i in top]), np.array([sm[row_m[i]] for i in top])
        ratio = b / a
        spread.append(float(ratio.max() / ratio.min() - 1))
        scale.append(float(np.median(ratio)))
        ties.append(int(np.sum(np.isclose(se, a[-1], rtol=1e-6))))
        same += set(top) == {int(fm.ids[j]) for j in np.argsort(-sm)[:100]}
    return {
        "bm25_ratio_spread_top100": {"median": float(np.median(spread)), "max": float(np.max(spread))},
        "bm25_milvus_over_embedded": float(np.median(scale)),
        "bm25_top100_same_set": f"{same}/{len(spread)}",
        "passages_tied_with_100th": {"median": float(np.median(ties)), "max": int(np.max(ties))},
    }


def search_agreement(emb, mil, questions: list[str], mode: str) -> dict:
    """Questions whose top 1 / top 5 of Index.search are the same in both stores, by passage id and by text."""
    r = {"top1_id": 0, "top5_ids": 0, "top1_text": 0, "top5_texts": 0}
    for q in questions:
        a, b = emb.search(q, k=5, mode=mode), mil.search(q, k=5, mode=mode)
        r["top1_id"] += [p.id for p in a[:1]] == [p.id for p in b[:1]]
        r["top5_ids"] += [p.id for p in a] == [p.id for p in b]
        r["top1_text"] += [p.text for p in a[:1]] == [p.text for p in b[:1]]
        r["top5_texts"] += [p.text for p in a] == [p.text for p in b]
    return {k: f"{v}/{len(questions)}" for k, v in r.items()}


def hybrid_inputs(emb, fe, fm, questions: list[str]) -> dict:
    """What the hybrid fuses: each side's 100 candidates (lexical: by max-normalised BM25) in both stores."""
    from qa.search import _lexical

    d = {"lex_sets_same": 0, "lex_best_same": 0, "dense_sets_same": 0}
    dense_max_abs = 0.0
    for q in questions:
        le, lm = _lexical(fe, q, None, 100, None), _lexical(fm, q, None, 100, None)
        d["lex_sets_same"] += set(le) == set(lm)
        d["lex_best_same"] += max(le, key=le.get, default=None) == max(lm, key=lm.get, default=None)
        qvec = emb.embedder.encode_query(q)
        de, dm = fe.dense_search(qvec, 100, None), fm.dense_search(qvec, 100, None)
        d["dense_sets_same"] += set(de) == set(dm)
        dense_max_abs = max([dense_max_abs, *(abs(de[i] - dm[i]) for i in set(de) & set(dm))])
    return {**{k: f"{v}/{len(questions)}" for k, v in d.items()}, "dense_max_abs": dense_max_abs}


def one(n_issues: int, n_base: int, n_questions: int = 200) -> dict:
    import qa
    from bench.milvus import scale_questions
    from bench.synthetic import base_paragraphs, seed_vectors, synthetic_issues
    from qa.archive import add, copy

    os.environ["QA_MILVUS_LEXICAL"] = "tokens"
    paras = base_paragraphs(n_base)
    issues = synthetic_issues(n_issues * 36, paras)
    questions = scale_questions()[:n_questions]
    with tempfile.TemporaryDirectory(prefix="qa-milvus-segments-") as tmp:
        source, milvus = Path(tmp) / "index", f"milvus://{tmp}/milvus/archive.db"
        vectors = np.random.default_rng(0).standard_normal((len(paras), 512)).astype(np.float32)
        seed_vectors(source, issues, paras, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        add(source, issues)
        t = time.perf_counter()
        copy(source, milvus)
        out = {"issues": n_issues, "base": len(paras), "copy_s": round(time.perf_counter() - t, 1)}
        out["memtable_limit"] = os.environ.get(MEMTABLE_ENV, "default")
        out["passage_segments"] = sum("qa_passages" in str(f) for f in Path(tmp, "milvus").rglob("data_*.parquet"))
        emb, mil = qa.Index.open(store=str(source)), qa.Index.open(store=milvus)
        fe, fm = emb.search_files(), mil.search_files()
        out.update(passages=len(fe.ids), copies=round(len(fe.ids) / len(paras), 1))
        out.update(bm25_agreement(fe, fm, questions))
        out.update({mode: search_agreement(emb, mil, questions, mode) for mode in ("lexical", "dense", "hybrid")})
        out["hybrid_inputs"] = hybrid_inputs(emb, fe, fm, questions)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", nargs="*", default=["150:450", "150:450:8000000", "150:6243", "150:6243:8000000"])
    ap.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)  # ISSUES BASE, in this process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)), flush=True)
        return
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for config in args.configs:
        n_issues, n_base, *memtable = config.split(":")
        env = {**os.environ, **({MEMTABLE_ENV: memtable[0]} if memtable else {})}
        cmd = [sys.executable, __file__, "--one", n_issues, n_base]
        line = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results[config] = json.loads(line)
        print(line, flush=True)
        OUT.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
