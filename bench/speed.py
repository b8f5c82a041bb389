"""Speed and memory on this machine: indexing throughput by stage, query latency, cold start, peak RSS, scale.

    python bench/speed.py                      # everything (scale: 1k, 10k, 100k synthetic passages)
    python bench/speed.py --parts index cold   # only some parts
    python bench/speed.py --sizes 1000 10000

Prints markdown tables, writes bench/out/speed.json and bench/out/scale.png.
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
OUT = ROOT / "bench" / "out"
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
BENCH = ROOT.parent / "shared" / "bench"
QUESTIONS = [
    "市派驻村工作队有多少支?",
    "how many work teams were dispatched?",
    "长株潭城际铁路上线运营的动车组车底有多少组?",
    "Who is the Party secretary of Zhuzhou?",
    "What did high-tech industry value added grow by in 2020?",
]


def pct(values, q):
    return round(float(np.percentile(np.array(values), q)), 2)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss it does not inherit the parent's peak at exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM in /proc/self/status")


def bench_index() -> dict:
    """Indexing throughput on cmrc2018 passages (median 464 characters), split by stage."""
    from qa.archive import add
    from qa.chunk import chunk_issue
    from qa.embed import load
    from qa.evaluate import bench_issue, read_jsonl
    from qa.parse import parse_file
    from qa.text import pos_tags, posseg, tokens

    t = time.perf_counter()
    for _ in range(20):
        sample = parse_file(SAMPLE)
    parse_s = (time.perf_counter() - t) / 20
    n_sample = sum(len(a.paragraphs) for a in sample.articles)

    issue = bench_issue(read_jsonl(BENCH / "cmrc2018" / "passages.jsonl"))
    chunks = chunk_issue(issue, max_chars=10**9)
    n = len(chunks)
    t = time.perf_counter()
    for c in chunks:
        tokens(f"{c.context} {c.text}")
    tok_s = time.perf_counter() - t
    posseg()
    t = time.perf_counter()
    for c in chunks:
        pos_tags(c.text)
    tag_s = time.perf_counter() - t
    model = load()
    model.encode_documents(["预热"])
    t = time.perf_counter()
    model.encode_documents([c.embed_text for c in chunks])
    embed_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        add(Path(tmp) / "ix", [issue], max_chars=10**9)
        total_s = time.perf_counter() - t
    return {
        "passages": n,
        "parse_sample_ms": round(parse_s * 1000, 1),
        "parse_sample_paragraphs": n_sample,
        "tokenize_per_s": round(n / tok_s, 1),
        "tag_per_s": round(n / tag_s, 1),
        "embed_per_s": round(n / embed_s, 1),
        "build_total_s": round(total_s, 1),
        "build_per_s": round(n / total_s, 1),
        "write_other_s": round(total_s - tok_s - tag_s - embed_s, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_cold() -> dict:
    """Process start to first answer, with a built index of the sample (the `qa ask` console script)."""
    with tempfile.TemporaryDirectory() as tmp:
        ix = Path(tmp) / "ix"
        subprocess.run(
            [sys.executable, "-m", "qa.cli", "index", "build", str(SAMPLE), "--index-dir", str(ix), "-q"],
            check=True,
            capture_output=True,
        )
        runs = []
        for q in QUESTIONS[:3]:
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qa.cli", "ask", q, "--index-dir", str(ix), "-k", "3"],
                check=True,
                capture_output=True,
            )
            runs.append(time.perf_counter() - t)
        code = (
            f"import time;t=time.perf_counter();import qa;ix=qa.Index.open({str(ix)!r});r=ix.ask({QUESTIONS[0]!r});"
            "print(time.perf_counter()-t, [int(l.split()[1])/1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
        )
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return {
        "cli_first_answer_s": [round(x, 2) for x in runs],
        "python_first_answer_s": round(float(out[0]), 2),
        "python_peak_rss_mb": round(float(out[1]), 1),
    }


def build_synthetic(n: int, path: Path) -> dict:
    from bench.synthetic import base_paragraphs, base_vectors, seed_vectors, synthetic_issues
    from qa.archive import add

    paras = base_paragraphs()
    vecs = base_vectors(paras)
    issues = synthetic_issues(n, paras)
    seed_vectors(path, issues, paras, vecs)
    t = time.perf_counter()
    add(path, issues)
    return {"issues": len(issues), "build_s": round(time.perf_counter() - t, 1)}


def bench_scale_one(n: int, path: Path) -> dict:
    """Open a (synthetic) index of n passages in this process and time search/ask; peak RSS of the reader."""
    import qa
    from qa.evaluate import read_jsonl

    questions = [q["question"] for q in read_jsonl(BENCH / "cmrc2018" / "questions.jsonl")[:150]]
    questions += [q["question"] for q in read_jsonl(BENCH / "cmrc2018-en" / "questions.jsonl")[:50]]
    t = time.perf_counter()
    ix = qa.Index.open(path)
    ix.search(questions[0], k=5)
    open_s = time.perf_counter() - t
    res = {"passages": len(ix), "open_first_query_s": round(open_s, 2)}
    for name in ("search", "ask"):
        fn = getattr(ix, name, None)
        if fn is None:
            continue
        lat = []
        for q in questions:
            t = time.perf_counter()
            fn(q, k=5)
            lat.append((time.perf_counter() - t) * 1000)
        res[name] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99)}
    res["peak_rss_mb"] = peak_rss_mb()
    return res


def bench_faiss(path: Path, n_queries: int = 200) -> dict:
    """Flat vs IVF vs HNSW on the stored vectors: recall@10 against flat, and latency."""
    import faiss

    from qa import store

    ids, vecs = store.stored_vectors(path)
    rng = np.random.default_rng(1)
    queries = vecs[rng.choice(len(vecs), n_queries, replace=False)] + rng.normal(0, 0.05, (n_queries, 512)).astype(
        np.float32
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(512)
    flat.add(vecs)
    out = {}

    def timed(index):
        lat, found = [], []
        for q in queries:
            t = time.perf_counter()
            _, ids = index.search(q.reshape(1, -1), 10)
            lat.append((time.perf_counter() - t) * 1000)
            found.append(ids[0])
        return lat, found

    lat, truth = timed(flat)
    out["flat"] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "recall@10": 1.0}
    nlist = max(16, int(4 * np.sqrt(len(vecs))))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(512), 512, nlist, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    ivf.train(vecs[rng.choice(len(vecs), min(len(vecs), 40 * nlist), replace=False)])
    ivf.add(vecs)
    build = time.perf_counter() - t
    for nprobe in (8, 16, 32):
        ivf.nprobe = nprobe
        lat, found = timed(ivf)
        rec = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
        out[f"ivf{nlist}/nprobe{nprobe}"] = {
            "p50_ms": pct(lat, 50),
            "p95_ms": pct(lat, 95),
            "recall@10": round(float(rec), 3),
            "build_s": round(build, 1),
        }
    hnsw = faiss.IndexHNSWFlat(512, 32, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    hnsw.add(vecs)
    build = time.perf_counter() - t
    hnsw.hnsw.efSearch = 64
    lat, found = timed(hnsw)
    rec = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
    out["hnsw32/ef64"] = {
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "recall@10": round(float(rec), 3),
        "build_s": round(build, 1),
    }
    return out


def plot(scale: dict) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(int(n) for n in scale)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for name in ("search", "ask"):
        for q, style in (("p50_ms", "-o"), ("p95_ms", "--o")):
            ys = [scale[str(n)].get(name, {}).get(q) for n in sizes]
            if all(y is not None for y in ys):
                a.plot(sizes, ys, style, label=f"{name} {q[:3]}")
    a.set(xscale="log", xlabel="passages (synthetic)", ylabel="latency (ms)", title="Query latency, 2 cores")
    a.legend()
    b.plot(sizes, [scale[str(n)]["peak_rss_mb"] for n in sizes], "-o", label="reader peak RSS")
    b.axhline(1024, color="grey", linestyle=":", label="1 GB target")
    b.set(xscale="log", xlabel="passages (synthetic)", ylabel="MB", title="Memory")
    b.legend()
    fig.tight_layout()
    OUT.mkdir(exist_ok=True)
    target = OUT / "scale.png"
    fig.savefig(target, dpi=110)
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", nargs="*", default=["index", "cold", "scale"])
    ap.add_argument("--sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    ap.add_argument("--scale-child", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scale_child:
        print(json.dumps(bench_scale_one(int(args.scale_child[0]), Path(args.scale_child[1]))))
        return
    OUT.mkdir(exist_ok=True)
    result_path = OUT / "speed.json"
    results = json.loads(result_path.read_text()) if result_path.is_file() else {}
    results["machine"] = {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    if "index" in args.parts:
        results["index"] = r = bench_index()
        print(f"\n## Indexing (cmrc2018, {r['passages']} passages)\n")
        print("| stage | rate |\n|---|---|")
        print(f"| parse (sample issue, {r['parse_sample_paragraphs']} paragraphs) | {r['parse_sample_ms']} ms |")
        print(f"| tokenize (jieba + bigrams) | {r['tokenize_per_s']} passages/s |")
        print(f"| part-of-speech tags (jieba.posseg, kept for the answer step) | {r['tag_per_s']} passages/s |")
        print(f"| embed (USE via sentence-transformers) | {r['embed_per_s']} passages/s |")
        print(
            f"| whole `write` (tokenize + tag + embed + SQLite + FAISS + BM25) | {r['build_per_s']} passages/s ({r['build_total_s']} s) |"
        )
        print(f"| peak RSS | {r['peak_rss_mb']} MB |")
    if "cold" in args.parts:
        results["cold"] = r = bench_cold()
        print("\n## Cold start (sample index)\n")
        print(f"- `qa ask` process start → answer printed: {r['cli_first_answer_s']} s")
        print(
            f"- `import qa; Index.open(); ask()` in a fresh interpreter: {r['python_first_answer_s']} s, peak RSS {r['python_peak_rss_mb']} MB"
        )
    if "scale" in args.parts:
        scale = results.setdefault("scale", {})
        faiss_res = results.setdefault("faiss", {})
        print("\n## Scale (SYNTHETIC archive: bench passages re-cut into issues; speed and memory only)\n")
        print("| passages | build s | open+first s | search p50/p95/p99 ms | ask p50/p95/p99 ms | reader peak RSS MB |")
        print("|---|---|---|---|---|---|")
        for n in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "ix"
                b = build_synthetic(n, path)
                child = subprocess.run(
                    [sys.executable, __file__, "--scale-child", str(n), str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                r = json.loads(child.stdout.strip().splitlines()[-1]) | b
                scale[str(n)] = r
                if n >= 10000:
                    faiss_res[str(n)] = bench_faiss(path)
            s, a = r.get("search", {}), r.get("ask", {})
            print(
                f"| {r['passages']} | {r['build_s']} | {r['open_first_query_s']} | {s.get('p50_ms')}/{s.get('p95_ms')}/{s.get('p99_ms')}"
                f" | {a.get('p50_ms')}/{a.get('p95_ms')}/{a.get('p99_ms')} | {r['peak_rss_mb']} |"
            )
        for n, res in faiss_res.items():
            print(
                f"\nFAISS at {n} passages: "
                + "; ".join(f"{k}: recall@10 {v['recall@10']}, p95 {v['p95_ms']} ms" for k, v in res.items())
            )
        print(f"\nplot: {plot(scale).relative_to(ROOT)}")
    result_path.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
