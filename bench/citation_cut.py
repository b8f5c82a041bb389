"""How far below the best passage the right one can score: for each question of data/questions/sample-qa.jsonl and
of the dev half of data/questions/readers.jsonl, the ratio of the first right passage's score to the best score
among the K_MAX passages, and what a relative cut (drop the passages scored under RATIO × the best) would cost:
right passages cut, and passages shown.

    python bench/citation_cut.py [--index-root DIR] [--ratios 0.2 0.3 0.4 0.5]

The chat cuts its citations at qa.chat.CITATION_CUT (measured here; the numbers are in README)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from readers import QUESTIONS, ROOT, is_gold, open_index  # noqa: E402

SAMPLE_QA = ROOT / "data" / "questions" / "sample-qa.jsonl"


def questions() -> list[dict]:
    """sample-qa (over the sample issue) and the dev half of readers.jsonl, each with its collection."""
    sample = [{**json.loads(line), "set": "sample", "from": "sample-qa"} for line in SAMPLE_QA.open(encoding="utf-8")]
    readers = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8")]
    dev = [{**q, "from": "readers-dev"} for q in readers if q["split"] == "dev" and q.get("answerable", True)]
    return sample + dev


def ratios_of(root: Path, k: int) -> list[dict]:
    """Per question: the score ratios of the passages to the best, and the ratio of the first right one (or None)."""
    from qa.chat import K_MAX

    k = k or K_MAX
    rows, indexes = [], {}
    for q in questions():
        if q["set"] not in indexes:
            indexes[q["set"]] = open_index(root, q["set"], None)
        index, article_of = indexes[q["set"]]
        hits = index.search(q["question"], k=k)
        best = max(hits[0].score, 1e-9) if hits else 1.0
        gold = next((h.score / best for h in hits if is_gold(q, h, article_of)), None)
        rows.append({"from": q["from"], "ratios": [h.score / best for h in hits], "gold": gold})
    return rows


def table(rows: list[dict], cuts: list[float]) -> str:
    lines = ["| cut (× best) | set | questions | right passage in top k | right passage cut | passages shown (mean) |"]
    lines.append("|---|---|---|---|---|---|")
    for cut in cuts:
        for name in ("sample-qa", "readers-dev"):
            rs = [r for r in rows if r["from"] == name]
            found = [r for r in rs if r["gold"] is not None]
            cut_off = sum(r["gold"] < cut for r in found)
            shown = sum(sum(x >= cut for x in r["ratios"]) for r in rs) / len(rs)
            lines.append(f"| {cut:.2f} | {name} | {len(rs)} | {len(found)} | {cut_off} | {shown:.1f} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index-root", type=Path, help="where the collections' indexes are built (reused when there)")
    p.add_argument("--k", type=int, default=0, help="passages searched (default: the chat's K_MAX)")
    p.add_argument("--ratios", type=float, nargs="+", default=[0.0, 0.2, 0.3, 0.4, 0.5, 0.6])
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-cut-") as tmp:
        rows = ratios_of(args.index_root or Path(tmp), args.k)
    print(table(rows, args.ratios))
    golds = sorted(r["gold"] for r in rows if r["gold"] is not None and r["gold"] < 1)
    print(f"\nright passage not first: {len(golds)}; its ratios to the best: {[round(g, 2) for g in golds]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
