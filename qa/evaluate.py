"""Retrieval benchmark: index a bench folder (passages.jsonl + questions.jsonl) and measure R@k, MRR and latency."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from .parse import Article, Issue, Paragraph


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bench_issue(passages: list[dict], issue_id: str = "bench") -> Issue:
    """Each bench passage becomes one article (title + one paragraph) of a synthetic issue."""
    articles = [
        Article(no=n, title=p.get("title") or str(p["id"]), paragraphs=[Paragraph(1, p["text"], "body", None, n)])
        for n, p in enumerate(passages, 1)
    ]
    return Issue(issue_id, None, None, issue_id, issue_id, articles)


def evaluate(
    bench_dir: str | Path,
    *,
    passages_file: str | Path | None = None,
    k: int = 10,
    modes: tuple[str, ...] = ("hybrid",),
    model: str | None = None,
    limit: int | None = None,
    index_dir: str | Path | None = None,
    progress: bool = False,
) -> dict:
    """Metrics per mode: R@1, R@5, R@10, MRR@10, query latency p50/p95 (ms), and the build time."""
    from .index import Index, write

    bench_dir = Path(bench_dir)
    passages_path = Path(passages_file) if passages_file else bench_dir / "passages.jsonl"
    if not passages_path.is_file():
        raise FileNotFoundError(f"{passages_path}: no passages file (use --passages FILE for a set that reuses another's)")
    passages = read_jsonl(passages_path)
    questions = read_jsonl(bench_dir / "questions.jsonl")[:limit]
    article_of = {str(p["id"]): n for n, p in enumerate(passages, 1)}

    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        path = Path(index_dir) if index_dir else Path(tmp) / "index"
        t0 = time.perf_counter()
        write(path, [bench_issue(passages)], model=model, fresh=True, max_chars=10**9, progress=progress)
        build_s = time.perf_counter() - t0
        index = Index.open(path)
        index.search("预热", k=1)  # load files and model before timing
        results = {"bench": bench_dir.name, "passages": len(passages), "questions": len(questions),
                   "model": index.model_id, "build_s": round(build_s, 2), "modes": {}}
        for mode in modes:
            ranks, lat = [], []
            for q in questions:
                t = time.perf_counter()
                hits = index.search(q["question"], k=k, mode=mode)
                lat.append((time.perf_counter() - t) * 1000)
                gold = {article_of.get(str(pid)) for pid in q["passage_ids"]}
                ranks.append(next((r for r, h in enumerate(hits, 1) if h.article_no in gold), None))
            results["modes"][mode] = metrics(ranks, lat)
        index.close()
    return results


def metrics(ranks: list[int | None], latencies_ms: list[float]) -> dict:
    n = max(len(ranks), 1)
    hit = lambda k: sum(1 for r in ranks if r is not None and r <= k) / n  # noqa: E731
    lat = np.array(latencies_ms or [0.0])
    return {
        "R@1": round(hit(1), 3), "R@5": round(hit(5), 3), "R@10": round(hit(10), 3),
        "MRR@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 3),
        "p50_ms": round(float(np.percentile(lat, 50)), 2), "p95_ms": round(float(np.percentile(lat, 95)), 2),
    }
