"""The embedded store against the Milvus store (milvus-lite), same data, same run (README, "Scaling out").

quality: R@1/R@5/MRR and search p50/p95 on cmrc2018, drcd, cmrc2018-en and the sample questions, built by
`qa.evaluate` into a new archive of each store: embedded, Milvus with BM25 over the project's tokens (the default),
and Milvus with BM25 over the text through its own jieba analyzer (QA_MILVUS_LEXICAL=jieba).
scale: a SYNTHETIC archive of N passages (bench/synthetic.py: speed only) built in the embedded store with seeded
random vectors, copied into milvus-lite with `qa.archive.copy` (vectors copied, nothing embedded), search p50/p95 of the same
200 questions on both.

    .venv/bin/python bench/milvus.py --parts quality scale --sizes 10000 --limit 300
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
BENCH = ROOT.parent / "shared" / "bench"
SETS = {
    "cmrc2018": (BENCH / "cmrc2018", None, None),
    "drcd": (BENCH / "drcd", None, None),
    "cmrc2018-en": (BENCH / "cmrc2018-en", BENCH / "cmrc2018" / "passages.jsonl", None),
    "sample": (ROOT / "data" / "questions" / "sample-qa.jsonl", None, [ROOT / "data" / "issues" / "sample-issue.txt"]),
}
STORES = ("embedded", "milvus", "milvus-jieba")


def pct(values: list[float], q: float) -> float:
    import numpy as np

    return round(float(np.percentile(values, q)), 2)


def location(store: str, tmp: str) -> str:
    """tmp/embedded/index, or a milvus-lite file tmp/<store>/archive.db."""
    root = Path(tmp).parent
    return str(root / "embedded" / "index") if store == "embedded" else f"milvus://{root / store}/archive.db"


def quality_one(name: str, store: str, tmp: str, limit: int | None) -> dict:
    """One set on one store. A Milvus archive starts as a copy of the embedded one built just before (vectors copied),
    so the build that evaluate() makes embeds nothing again: the same vectors on both stores."""
    from qa.archive import copy
    from qa.evaluate import evaluate

    bench, passages, issues = SETS[name]
    os.environ["QA_MILVUS_LEXICAL"] = "jieba" if store == "milvus-jieba" else "tokens"
    where = location(store, tmp)
    if store != "embedded":
        copy(location("embedded", tmp), where)
    modes = ("hybrid", "lexical")
    res = evaluate(bench, passages_file=passages, issues=issues, modes=modes, limit=limit, index_dir=where)
    return {"build_s": res["build_s"], "passages": res["passages"], "questions": res["questions"], **res["modes"]}


def quality(sets: list[str], limit: int | None) -> dict:
    out = {}
    for name in sets:
        with tempfile.TemporaryDirectory(prefix="qa-milvus-") as tmp:
            for store in STORES:
                if store == "milvus-jieba" and name in ("cmrc2018-en", "sample"):
                    continue  # English questions meet the jieba analyzer's Chinese only through translation terms
                out.setdefault(name, {})[store] = r = quality_one(name, store, f"{tmp}/{store}", limit)
                h, lex = r["hybrid"], r["lexical"]
                print(
                    f"{name:12} {store:13} hybrid R@1 {h['R@1']:.3f} R@5 {h['R@5']:.3f} MRR {h['MRR@10']:.3f} "
                    f"p50/p95 {h['p50_ms']}/{h['p95_ms']} ms | lexical R@1 {lex['R@1']:.3f} | build {r['build_s']} s",
                    flush=True,
                )
    return out


def timed_search(where: str, questions: list[str]) -> dict:
    import qa

    t = time.perf_counter()
    index = qa.Index.open(store=where)
    index.search(questions[0], k=5)
    open_s = time.perf_counter() - t
    lat = []
    for q in questions:
        t = time.perf_counter()
        index.search(q, k=5)
        lat.append((time.perf_counter() - t) * 1000)
    return {"passages": len(index), "open_first_s": round(open_s, 2), "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95)}


def build_synthetic(n: int, path: Path) -> dict:
    """bench/synthetic.py's archive of n passages with random unit vectors as the default model's (speed only: the
    machine was too loaded to embed its 3000 base paragraphs; search time does not depend on the vectors' values)."""
    import numpy as np

    from bench.synthetic import base_paragraphs, seed_vectors, synthetic_issues
    from qa.archive import add

    paras = base_paragraphs()
    vecs = np.random.default_rng(0).normal(size=(len(paras), 512)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    issues = synthetic_issues(n, paras)
    seed_vectors(path, issues, paras, vecs)
    t = time.perf_counter()
    add(path, issues)
    return {"issues": len(issues), "build_s": round(time.perf_counter() - t, 1)}


def scale(sizes: list[int]) -> dict:
    from qa.archive import copy
    from qa.evaluate import read_jsonl

    questions = [q["question"] for q in read_jsonl(BENCH / "cmrc2018" / "questions.jsonl")[:150]]
    questions += [q["question"] for q in read_jsonl(BENCH / "cmrc2018-en" / "questions.jsonl")[:50]]
    out = {}
    os.environ["QA_MILVUS_LEXICAL"] = "tokens"
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="qa-milvus-scale-") as tmp:
            embedded, milvus = Path(tmp) / "index", f"milvus://{tmp}/milvus/archive.db"
            built = build_synthetic(n, embedded)
            t = time.perf_counter()
            copy(embedded, milvus)
            copy_s = round(time.perf_counter() - t, 1)
            r = {"embedded_build_s": built["build_s"], "milvus_copy_in_s": copy_s}
            r["embedded"] = timed_search(str(embedded), questions)
            r["milvus"] = timed_search(milvus, questions)
            out[str(n)] = r
            print(json.dumps({n: r}), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", nargs="*", default=["quality", "scale"])
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--sizes", nargs="*", type=int, default=[10000])
    ap.add_argument("--limit", type=int, help="the first N questions of each set (milvus-lite is pure Python: slow)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / "milvus.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results["machine"] = {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    if "quality" in args.parts:
        results.setdefault("quality", {}).update(quality(args.sets, args.limit))
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    if "scale" in args.parts:
        results.setdefault("scale", {}).update(scale(args.sizes))
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
