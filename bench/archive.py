"""Cost of adding and removing one issue as the archive grows (SYNTHETIC archive of 10, 100, 1000 issues).

    python bench/archive.py                    # 0, 10, 100, 1000 issues, 3 repetitions each
    python bench/archive.py --issues 10 100 --repeat 1

The archive is bench/synthetic.py's: bench passages re-cut into issues of 36 paragraphs, with seeded vectors
(so it builds without hours of embedding). The measured issue is the real sample issue (67 passages, embedded
for real each time it is added, since removing it drops its vectors). Prints markdown tables; timings are
medians of the repetitions, in seconds, on whatever else this machine is doing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
STEPS = ("parse_s", "chunk_s", "embed_s", "lock_s", "db_s", "publish_s")


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def grow(path: Path, n_issues: int, have: int, paras, vecs) -> float:
    """Add synthetic issues have..n_issues-1 in one write (vectors seeded); seconds taken."""
    from bench.synthetic import ARTICLES_PER_ISSUE, PARAGRAPHS_PER_ARTICLE, seed_vectors, synthetic_issues
    from qa.archive import add

    per_issue = ARTICLES_PER_ISSUE * PARAGRAPHS_PER_ARTICLE
    issues = synthetic_issues((n_issues - have) * per_issue, paras, start=have)
    seed_vectors(path, issues, paras, vecs)
    t = time.perf_counter()
    add(path, issues)
    return time.perf_counter() - t


def timed_write(path: Path, verb: str) -> dict:
    """One add of the sample issue, remove of it, or repair (every derived file from the database), timed."""
    from qa import archive
    from qa.inputs import read_issue_files

    stats = {}
    t = time.perf_counter()
    if verb == "add":
        issues = read_issue_files([SAMPLE], issue_id="sample-issue", date="2021-05-08")
        stats["parse_s"] = time.perf_counter() - t
        archive.add(path, issues, stats=stats)
    elif verb == "remove":
        archive.remove(path, ["sample-issue"], stats=stats)
    else:
        archive.repair(path, stats=stats)
    stats["total_s"] = time.perf_counter() - t
    return stats


def median_stats(runs: list[dict]) -> dict:
    out = {k: statistics.median(r[k] for r in runs) for k in (*STEPS, "total_s") if k in runs[0]}
    out["how"] = "/".join(sorted({f"{r.get('dense', '-')}+{r.get('lexical', '-')}" for r in runs}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, nargs="+", default=[0, 10, 100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", help="where to build the archive (default: a temp dir)")
    args = ap.parse_args()

    from bench.synthetic import base_paragraphs, base_vectors
    from qa import store
    from qa.embed import DEFAULT_MODEL, load

    load(DEFAULT_MODEL).encode_documents(["预热"])  # model load is not part of an add's cost here
    paras = base_paragraphs()
    vecs = base_vectors(paras)
    tmp = tempfile.TemporaryDirectory(prefix="archive-bench-")
    root = Path(args.dir) if args.dir else Path(tmp.name)
    path = root / "archive"
    have = 0
    rows, sizes = [], []
    for n in sorted(args.issues):
        if n > have:
            secs = grow(path, n, have, paras, vecs)
            print(f"grew the archive from {have} to {n} issues in {secs:.1f} s", file=sys.stderr)
            have = n
        target = path if n else root / "empty"
        adds, removes = [], []
        for _ in range(args.repeat):
            adds.append(timed_write(target, "add"))
            removes.append(timed_write(target, "remove"))
        full = timed_write(target, "repair")  # every derived file from the database: the non-incremental cost
        index = store.open(target)
        n_passages, g = index.passage_count(), index.generation()
        index.close()
        rows.append((n, n_passages, "add", median_stats(adds)))
        rows.append((n, n_passages, "remove", median_stats(removes)))
        sizes.append(
            (
                n,
                n_passages,
                full["publish_s"],
                full["total_s"],
                store.dense_path(target, g).stat().st_size / 1e6,
                du_mb(store.lexical_path(target, g)),
                (target / store.DB_NAME).stat().st_size / 1e6,
            )
        )
        print(f"{n} issues measured", file=sys.stderr)

    print(f"\nAdd / remove one issue (the 67-passage sample) — SYNTHETIC archive, seconds, median of {args.repeat}:\n")
    print(
        "| issues | passages | op | total | parse | chunk+tokens | embed | lock wait | db |"
        " derived files + commit | derived built |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for n, p, op, s in rows:
        cells = " | ".join(f"{s.get(k, 0):.2f}" for k in STEPS)
        print(f"| {n} | {p} | {op} | {s['total_s']:.2f} | {cells} | {s['how']} |")
    print(
        "\nFull rebuild of the derived files from the database (what every write would cost without the"
        " incremental path), and sizes:\n"
    )
    print("| issues | passages | full derived build s | repair total s | dense MB | lexical MB | qa.db MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, p, d, total, dmb, lmb, dbmb in sizes:
        print(f"| {n} | {p} | {d:.2f} | {total:.2f} | {dmb:.1f} | {lmb:.1f} | {dbmb:.1f} |")


if __name__ == "__main__":
    main()
