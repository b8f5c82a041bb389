"""One embedding model or two: what adding multilingual-e5-small to the index costs and buys, measured through the
library itself (archive.build, archive.add_models, Index.search, Index.ask).

    python bench/models.py --cache /work/cache/models --e5-cache /work/cache/e5   # table into bench/out/models.json

- build: the sample issue built from scratch (qa.archive.build) with USE only and with USE + e5, seconds per step
  (embedding per model), and `rebuild --add-model` on the USE index.
- quality: R@1 of Index.search (the right passage first, as bench/fusion.py counts it) on cmrc2018, drcd,
  cmrc2018-en, sample-qa and the readers' dev half, over a USE index and a USE + e5 index of each collection.
- speed: Index.ask wall time p50 / p95 on sample-qa and 300 cmrc2018 questions, each index alone, after a warm-up.

The collections' indexes live under --cache (built once; the USE + e5 one is the USE one plus `add_models`); e5
passage vectors already embedded by bench/fusion.py (--e5-cache, keyed by the hash of the embedded text) are put in
the index's vector cache first (store.seed_vectors), so only what is missing is embedded (~0.6-5 passages/s here).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETS = ("cmrc2018", "drcd", "cmrc2018-en", "sample-qa", "readers-dev")
ASK_SETS = {"sample-qa": None, "cmrc2018": 300}  # questions timed (None: all)


def seed_e5(path: Path, e5_cache: Path, name: str) -> int:
    """Put the e5 vectors bench/fusion.py embedded for this collection into the index's vector cache; how many."""
    from contextlib import closing

    from qa import store
    from qa.e5 import E5_MODEL

    f = e5_cache / f"e5-200-{name}.npz"
    if not f.is_file():
        return 0
    z = np.load(f)
    known = dict(zip(z["keys"].tolist(), z["vectors"]))
    with closing(store.open(path)) as archive:
        texts = archive.embed_texts([i["issue_id"] for i in archive.issues()])
    sha1 = {h: hashlib.sha1(t.encode("utf-8")).hexdigest() for h, t in texts.items()}
    by_hash = {h: known[k] for h, k in sha1.items() if k in known}
    store.seed_vectors(path, E5_MODEL, by_hash)
    return len(by_hash)


def indexes(cache: Path, e5_cache: Path, name: str) -> dict[str, Path]:
    """The USE index of a collection and the USE + e5 one (the USE one with e5 added), built when missing."""
    from bench.readers import open_index
    from qa import archive
    from qa.e5 import E5_MODEL

    use = cache / "index"  # where bench/fusion_data.open_collection finds it
    open_index(use, name, None)[0].close()
    both = cache / "both" / name
    if not (both / "qa.db").is_file():
        shutil.rmtree(both, ignore_errors=True)
        shutil.copytree(use / name, both)
        print(f"{name}: {seed_e5(both, e5_cache, name)} e5 vectors from {e5_cache}", file=sys.stderr)
        stats: dict = {}
        archive.add_models(both, E5_MODEL, progress=True, stats=stats)
        print(f"{name}: e5 added {stats}", file=sys.stderr)
    return {"USE": use / name, "USE + e5": both}


def build_times() -> list[dict]:
    """The sample issue built from nothing with USE, with USE + e5, and e5 added to the USE index (seconds)."""
    from qa import archive
    from qa.e5 import E5_MODEL
    from qa.embed import DEFAULT_MODEL, load
    from qa.inputs import read_issue_files

    issues = read_issue_files([ROOT / "data" / "issues" / "sample-issue.txt"])
    for m in (DEFAULT_MODEL, E5_MODEL):
        load(m).encode_documents(["预热"])  # models loaded before timing: a build's model load is not its work
    out = []
    with tempfile.TemporaryDirectory() as d:
        for label, models, path in (
            ("USE", [DEFAULT_MODEL], Path(d) / "use"),
            ("USE + e5", [DEFAULT_MODEL, E5_MODEL], Path(d) / "both"),
        ):
            stats: dict = {}
            t = time.perf_counter()
            archive.build(path, issues, model=models, stats=stats)
            out.append({"build": label, "s": round(time.perf_counter() - t, 1), **_rounded(stats)})
        stats = {}
        t = time.perf_counter()
        archive.add_models(Path(d) / "use", E5_MODEL, stats=stats)
        out.append({"build": "USE, then --add-model e5", "s": round(time.perf_counter() - t, 1), **_rounded(stats)})
    return out


def _rounded(stats: dict) -> dict:
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in stats.items()}


def quality(paths: dict[str, dict[str, Path]], cache: Path, sets: list[str], limit: int | None) -> dict:
    """R@1 of Index.search per set and index kind (the first `limit` questions of each set, if given); gold
    passages as bench/fusion.py (fusion_data.gold_mask)."""
    from bench.fusion_data import COLLECTION, gold_mask, load_questions, open_collection

    out: dict = {}
    cols: dict = {}
    for name in sets:
        questions = load_questions(name)[:limit]
        right = {"USE": 0, "USE + e5": 0}
        for q in questions:
            col_name = q["set"] if name == "readers-dev" else COLLECTION[name]
            if col_name not in cols:
                col = open_collection(cache, col_name)
                cols[col_name] = (col, {int(i): j for j, i in enumerate(col.ids)})
            col, row_of = cols[col_name]
            gold = gold_mask(col, q, name == "readers-dev")
            for kind in right:
                hits = _open(paths[col_name][kind]).search(q["question"], k=5)
                right[kind] += bool(hits) and bool(gold[row_of[hits[0].id]])
        out[name] = {kind: round(n / len(questions), 3) for kind, n in right.items()} | {"questions": len(questions)}
        print(f"{name}: R@1 {out[name]} ({len(questions)} questions)", file=sys.stderr)
    return out


_OPEN: dict = {}


def _open(path: Path):
    from qa.index import Index

    if path not in _OPEN:
        _OPEN[path] = Index(path)
    return _OPEN[path]


def ask_latency(paths: dict[str, dict[str, Path]]) -> list[dict]:
    """Index.ask wall ms p50 / p95 per set and index kind, each question once after a warm-up, with the load."""
    from bench.fusion_data import COLLECTION, load_questions

    out = []
    for name, limit in ASK_SETS.items():
        questions = load_questions(name)[:limit]
        for kind in ("USE", "USE + e5"):
            index = _open(paths[COLLECTION[name]][kind])
            index.ask("预热", k=5)
            ms = []
            for q in questions:
                t = time.perf_counter()
                index.ask(q["question"], k=5)
                ms.append((time.perf_counter() - t) * 1000)
            row = {
                "set": name,
                "index": kind,
                "questions": len(ms),
                "p50": round(float(np.percentile(ms, 50)), 1),
                "p95": round(float(np.percentile(ms, 95)), 1),
                "load": round(os.getloadavg()[0], 1),
            }
            out.append(row)
            print(row, file=sys.stderr)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, required=True, help="the collections' indexes live here")
    ap.add_argument("--e5-cache", type=Path, help="bench/fusion.py's cache: e5 vectors already embedded")
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--limit", type=int, help="R@1 on the first N questions of each set (a busy machine)")
    ap.add_argument("--skip", nargs="*", default=[], choices=("build", "quality", "latency"))
    ap.add_argument("--save", type=Path, default=ROOT / "bench" / "out" / "models.json")
    args = ap.parse_args()
    result = json.loads(args.save.read_text(encoding="utf-8")) if args.save.is_file() else {}
    if "build" not in args.skip:
        result["build"] = build_times()
        print(result["build"], file=sys.stderr)
    paths = {n: indexes(args.cache, args.e5_cache or args.cache, n) for n in ("sample", "cmrc2018", "drcd")}
    if "quality" not in args.skip:
        result.setdefault("R@1", {}).update(quality(paths, args.cache, args.sets, args.limit))
    if "latency" not in args.skip:
        result["ask_ms"] = ask_latency(paths)
    args.save.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
