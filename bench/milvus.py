"""The embedded store against the Milvus store (milvus-lite), same data, same run (README, "Scaling out").

quality: R@1/R@5/MRR and search p50/p95 on cmrc2018, drcd, cmrc2018-en and the sample questions, built by
`qa.evaluate` into a new archive of each store: embedded, Milvus with BM25 over the project's tokens (the default),
and Milvus with BM25 over the text through its own jieba analyzer (QA_MILVUS_LEXICAL=jieba).
scale: a SYNTHETIC archive of N passages (bench/synthetic.py: speed only) built by `qa.archive.add` into each store
with bench/synthetic.py's hashed model (no USE: the build times the store), then the same 200 questions on both.
copy: the synthetic archive of --issues issues copied into milvus-lite and back; the same passages, in the same order?

    .venv/bin/python bench/milvus.py --parts quality --limit 300      # cmrc2018-en: --limit 100 (see README)
    .venv/bin/python bench/milvus.py --parts scale --sizes 10000 100000
    .venv/bin/python bench/milvus.py --parts copy --issues 1000
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


def quality(sets: list[str], limit: int | None, stores: list[str]) -> dict:
    out = {}
    for name in sets:
        with tempfile.TemporaryDirectory(prefix="qa-milvus-") as tmp:
            for store in STORES:
                if store not in stores or (store == "milvus-jieba" and name == "cmrc2018-en"):
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
    """Open, one warm-up search, then each question once (k=5, hybrid): p50/p95 of Index.search, which includes the
    query's embedding (the hashed model's: ~0 ms), tokens, translation of English questions, fusion and fetching."""
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


def scale_questions() -> list[str]:
    """cmrc2018's first 200 questions. Chinese only: an English question costs the Milvus store ~600 document-frequency
    round trips (its translation's candidate terms), which the quality part measures, not this one."""
    from qa.evaluate import read_jsonl

    return [q["question"] for q in read_jsonl(BENCH / "cmrc2018" / "questions.jsonl")[:200]]


def timed_build(where: str, issues: list, model: str) -> dict:
    """`qa.archive.add` of every issue into an empty archive: parse-free (Issue objects), chunking, tokens, the
    hashed model's vectors (embed_s, ~0), the store's write and its search structures (publish_s)."""
    from qa.archive import add

    stats: dict = {}
    t = time.perf_counter()
    add(where, issues, model=model, stats=stats)
    timed = {k: round(v, 1) for k, v in stats.items() if k.endswith("_s")}
    return {"build_s": round(time.perf_counter() - t, 1), **timed}


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def scale(sizes: list[int]) -> dict:
    """Per size: the same synthetic issues built by `add` into each store (vectors from bench.synthetic's hashed
    model: the build times the store, not USE), then the same 200 questions searched on each."""
    from bench.synthetic import base_paragraphs, register_hashed, synthetic_issues

    model, questions, paras = register_hashed(), scale_questions(), base_paragraphs()
    os.environ.update(QA_EMBED_WORKERS="1", QA_MILVUS_LEXICAL="tokens")
    out = {}
    for n in sizes:
        issues = synthetic_issues(n, paras)
        with tempfile.TemporaryDirectory(prefix="qa-milvus-scale-") as tmp:
            r: dict = {"issues": len(issues)}
            for store, where in (("embedded", f"{tmp}/embedded"), ("milvus-lite", f"milvus://{tmp}/milvus/archive.db")):
                r[store] = timed_build(where, issues, model)
                r[store].update(timed_search(where, questions), disk_mb=disk_mb(Path(tmp) / store.split("-")[0]))
                print(json.dumps({n: {store: r[store]}}), flush=True)
            out[str(n)] = r
    return out


def plot(results: dict) -> None:
    """bench/out/milvus-scale.png: build time and search p50/p95 against passages, both stores."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted((s for s in results if s.isdigit()), key=int)
    x = [results[s]["embedded"]["passages"] for s in sizes]
    fig, (build, search) = plt.subplots(1, 2, figsize=(10, 4))
    for store, colour in (("embedded", "tab:blue"), ("milvus-lite", "tab:orange")):
        build.plot(x, [results[s][store]["build_s"] for s in sizes], "o-", color=colour, label=store)
        for q, style in (("p50_ms", "o-"), ("p95_ms", "s--")):
            search.plot(x, [results[s][store][q] for s in sizes], style, color=colour, label=f"{store} {q[:3]}")
    for ax, title, unit in ((build, "build (add of every issue)", "s"), (search, "search (hybrid, k=5)", "ms")):
        ax.set(xscale="log", yscale="log", xlabel="passages", ylabel=unit, title=title)
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("embedded store vs milvus-lite, synthetic archive, 2 shared cores")
    fig.tight_layout()
    fig.savefig(OUT / "milvus-scale.png", dpi=100)


def copy_check(n_issues: int, n_questions: int = 200) -> dict:
    """bench/synthetic.py's archive of n_issues copied into milvus-lite and back: the same questions must give the same
    passages in the same order on all three. Its vectors: a seeded random unit vector per base paragraph plus noise
    per copy (no two passages tie; USE's vectors of the 3000 base paragraphs would cost minutes and change nothing
    that is compared: the three stores hold the same vectors either way)."""
    import numpy as np

    import qa
    from bench.synthetic import (
        ARTICLES_PER_ISSUE,
        PARAGRAPHS_PER_ARTICLE,
        base_paragraphs,
        seed_vectors,
        synthetic_issues,
    )
    from qa.archive import add, copy

    paras = base_paragraphs()
    issues = synthetic_issues(n_issues * PARAGRAPHS_PER_ARTICLE * ARTICLES_PER_ISSUE, paras)
    questions = scale_questions()[:n_questions]
    os.environ["QA_MILVUS_LEXICAL"] = "tokens"
    with tempfile.TemporaryDirectory(prefix="qa-milvus-copy-") as tmp:
        source, milvus, back = Path(tmp) / "index", f"milvus://{tmp}/milvus/archive.db", Path(tmp) / "back"
        vectors = np.random.default_rng(0).standard_normal((len(paras), 512)).astype(np.float32)
        seed_vectors(source, issues, paras, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        add(source, issues)
        times = {}
        for name, src, dst in (("copy_in_s", source, milvus), ("copy_back_s", milvus, back)):
            t = time.perf_counter()
            copy(src, dst)
            times[name] = round(time.perf_counter() - t, 1)
        hits, passages = {}, {}
        for name, where in (("embedded", source), ("milvus-lite", milvus), ("back", back)):
            index = qa.Index.open(store=str(where))
            passages[name] = len(index)
            hits[name] = [
                [(p.id, p.issue_id, p.article_no, p.paragraph_no) for p in index.search(q)] for q in questions
            ]
        same = {name: sum(a == b for a, b in zip(hits["embedded"], hits[name])) for name in ("milvus-lite", "back")}
    out = {"issues": len(issues), "passages": passages, **times, "questions": len(questions)}
    out["identical_top5"] = same  # questions whose 5 passages (id, issue, article, paragraph) match, in order
    print(json.dumps(out), flush=True)
    return {str(n_issues): out}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", nargs="*", default=["quality", "scale"])
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--stores", nargs="*", default=list(STORES), help="quality: a Milvus store needs embedded first")
    ap.add_argument("--sizes", nargs="*", type=int, default=[10000])
    ap.add_argument("--issues", type=int, default=1000, help="copy: synthetic issues (36 passages each)")
    ap.add_argument("--limit", type=int, help="the first N questions of each set (milvus-lite is pure Python: slow)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    machine = {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}  # each row says its questions
    for part in args.parts:
        path = OUT / f"milvus-{part}.json"
        results = json.loads(path.read_text()) if path.is_file() else {}
        results["machine"] = machine
        steps = {
            "quality": [(quality, [name], args.limit, args.stores) for name in args.sets],
            "scale": [(scale, args.sizes)],
            "copy": [(copy_check, args.issues)],
        }[part]
        for run, *step in steps:
            for key, value in run(*step).items():  # a set's stores are merged: a later run may add one store
                results[key] = {**results.get(key, {}), **value}
            if part == "scale":
                plot(results)
            path.write_text(json.dumps(results, indent=1, ensure_ascii=False))  # after each set: a long run keeps them


if __name__ == "__main__":
    main()
