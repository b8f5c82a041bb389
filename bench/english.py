"""English questions over Chinese passages: R@k of the translated lexical side, fused at several dense weights.

Usage: python bench/english.py [--index-dir DIR] [--weights 0.5,1,2,3] [--limit N]
Indexes ../shared/bench/cmrc2018 passages once (kept in --index-dir if given), asks the cmrc2018-en questions,
and prints a markdown table: lexical (question tokens only / + translated terms), dense, and fused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", help="index of the cmrc2018 passages (built there if missing)")
    ap.add_argument("--weights", default="0.5,1,1.5,2,3,5", help="dense weights to try")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()

    import tempfile

    from qa import store
    from qa.archive import build
    from qa.evaluate import bench_issue, read_jsonl
    from qa.index import Index
    from qa.search import fetch_passages, rank
    from qa.translate import translate

    passages = read_jsonl(BENCH / "cmrc2018" / "passages.jsonl")
    questions = read_jsonl(BENCH / "cmrc2018-en" / "questions.jsonl")[: args.limit]
    article_of = {str(p["id"]): n for n, p in enumerate(passages, 1)}
    tmp = tempfile.TemporaryDirectory(prefix="qa-en-")
    path = Path(args.index_dir or Path(tmp.name) / "index")
    if not store.is_index(path):
        build(path, [bench_issue(passages)], fresh=True, max_chars=10**9)
    index = Index.open(path)
    files = index.search_files()
    t0 = time.perf_counter()
    qvecs = [index.embedder.encode_query(q["question"]) for q in questions]
    embed_ms = (time.perf_counter() - t0) * 1000 / len(questions)
    t0 = time.perf_counter()
    terms = [translate(q["question"], files.document_frequency) for q in questions]
    translate_ms = (time.perf_counter() - t0) * 1000 / len(questions)
    groups = [[t.candidates for t in ts] for ts in terms]

    def recall(mode: str, use_terms: bool, weight: float | None = None) -> dict:
        ranks = []
        for q, v, g in zip(questions, qvecs, groups):
            ranked = rank(files, q["question"], v, 10, mode, terms=g if use_terms else None, dense_weight=weight)
            hits = fetch_passages(index.store.passages, ranked, 10)
            gold = {article_of.get(str(p)) for p in q["passage_ids"]}
            ranks.append(next((r for r, h in enumerate(hits, 1) if h.article_no in gold), None))
        n = len(ranks)
        out = {f"R@{k}": sum(1 for r in ranks if r and r <= k) / n for k in (1, 5, 10)}
        out["MRR@10"] = sum(1 / r for r in ranks if r) / n
        return out

    rows = [
        ("lexical, question tokens", recall("lexical", False)),
        ("lexical + translated terms", recall("lexical", True)),
        ("dense", recall("dense", False)),
    ]
    for w in (float(x) for x in args.weights.split(",")):
        rows.append((f"hybrid, translated, dense weight {w:g}", recall("hybrid", True, w)))
    print(
        f"cmrc2018-en: {len(questions)} questions over {len(passages)} passages;"
        f" translation {translate_ms:.1f} ms/question, query embedding {embed_ms:.1f} ms/question\n"
    )
    print("| method | R@1 | R@5 | R@10 | MRR@10 |\n|---|---|---|---|---|")
    for name, m in rows:
        print(f"| {name} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | {m['MRR@10']:.3f} |")
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
