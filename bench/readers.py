"""Questions in readers' own words (data/questions/readers.jsonl): right paragraph first, short answers right /
partial / wrong / abstained, by set, language and style, with ask latency.

    python bench/readers.py --split dev                 # the half that may be tuned on
    python bench/readers.py --split test --save out.json  # the held-out half: report, never tune
    python bench/readers.py --split dev --save dev.json   # records bench/answers.py --fit calibrates on

The three collections (the sample issue, cmrc2018 and drcd passages) are indexed once into --index-root
(default: a temporary directory; give one to reuse the indexes between runs of the same code)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
QUESTIONS = ROOT / "data" / "questions" / "readers.jsonl"
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
ASK_K = 5


def collection_issue(name: str):
    """The Issue a set's questions are asked over, and a map passage id → article number (None for the sample)."""
    from qa.evaluate import bench_issue, read_jsonl
    from qa.parse import parse_file

    if name == "sample":
        return parse_file(SAMPLE), None
    passages = read_jsonl(BENCH / name / "passages.jsonl")
    return bench_issue(passages, name), {str(p["id"]): n for n, p in enumerate(passages, 1)}


def open_index(root: Path, name: str, model: str | None):
    """The index of one collection under root, built when it is not there yet."""
    from qa.index import Index, write

    issue, article_of = collection_issue(name)
    path = root / name
    if not (path / "qa.db").is_file():
        t = time.perf_counter()
        write(path, [issue], model=model, fresh=True, max_chars=500 if article_of is None else 10**9)
        print(f"built {name} index in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return Index.open(path), article_of


def is_gold(q: dict, passage, article_of: dict | None) -> bool:
    """The passage is the question's: its gold passage (bench), or a paragraph of its article holding an answer."""
    from qa.evaluate import normalize_answer

    if article_of is not None:
        return passage.article_no in {article_of.get(str(p)) for p in q["passage_ids"]}
    if passage.article_title != q["article_title"]:
        return False
    return any(normalize_answer(a) in normalize_answer(passage.text) for a in q["answers"])


def judge(q: dict, ans) -> str:
    """right, partial (one holds the other but covers under half of it), wrong, or abstained."""
    from qa.evaluate import normalize_answer

    if ans.text is None:
        return "abstained"
    if not q["answerable"]:
        return "wrong"
    verdict = getattr(ans, "verdict", None)
    if q.get("yesno") and verdict is not None and verdict != q["yesno"]:
        return "wrong"
    text = normalize_answer(ans.text)
    best = "wrong"
    for gold in map(normalize_answer, q["answers"]):
        if text == gold:
            return "right"
        if gold and (gold in text or text in gold):
            share = min(len(gold), len(text)) / max(len(gold), len(text))
            best = "right" if share >= 0.5 else "partial"
            if best == "right":
                return best
    return best


def run(questions: list[dict], root: Path, model: str | None) -> list[dict]:
    records = []
    for name in sorted({q["set"] for q in questions}):
        index, article_of = open_index(root, name, model)
        index.ask("预热", k=1)
        for q in (q for q in questions if q["set"] == name):
            t = time.perf_counter()
            ans = index.ask(q["question"], k=ASK_K)
            ms = (time.perf_counter() - t) * 1000
            ranks = [r for r, p in enumerate(ans.passages, 1) if is_gold(q, p, article_of)]
            records.append(
                {
                    "id": q["id"],
                    "set": name,
                    "lang": q["lang"],
                    "style": q["style"],
                    "answerable": q["answerable"],
                    "question": q["question"],
                    "answers": q["answers"],
                    "text": ans.text,
                    "candidate": getattr(ans, "candidate", None),
                    "confidence": round(ans.confidence, 3),
                    "qtype": ans.qtype,
                    "sentence": ans.sentence,
                    "gold_rank": ranks[0] if ranks else None,
                    "outcome": judge(q, ans),
                    "candidate_outcome": judge(q, SimpleNamespace(text=ans.candidate, verdict=ans.verdict)),
                    "verdict": getattr(ans, "verdict", None),
                    "features": getattr(ans, "features", {}),
                    "ms": round(ms, 2),
                }
            )
        index.close()
    return records


def summary(rs: list[dict]) -> dict:
    ok = [r for r in rs if r["answerable"]]
    none = [r for r in rs if not r["answerable"]]
    answered = [r for r in ok if r["outcome"] != "abstained"]
    count = lambda rows, o: sum(r["outcome"] == o for r in rows)  # noqa: E731
    share = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    return {
        "n": len(rs),
        "hit@1": share(sum(r["gold_rank"] == 1 for r in ok), len(ok)),
        "hit@5": share(sum(r["gold_rank"] is not None for r in ok), len(ok)),
        "right": share(count(ok, "right"), len(ok)),
        "partial": share(count(ok, "partial"), len(ok)),
        "right_when_answered": share(count(answered, "right"), len(answered)),
        "wrong_of_all": share(count(rs, "wrong"), len(rs)),
        "unanswerable_abstained": share(count(none, "abstained"), len(none)),
    }


def report(records: list[dict]) -> dict:
    out = {"all": summary(records)}
    for key in ("set", "lang", "style"):
        groups = defaultdict(list)
        for r in records:
            groups[r[key]].append(r)
        out[f"by_{key}"] = {k: summary(v) for k, v in sorted(groups.items())}
    ms = [r["ms"] for r in records]
    out["ask_ms"] = {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2)}
    return out


def table(res: dict) -> str:
    cols = ("n", "hit@1", "hit@5", "right", "partial", "right_when_answered", "wrong_of_all", "unanswerable_abstained")
    rows = ["| group | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    groups = [("all", res["all"])] + [
        (f"{key[3:]} {k}", v) for key in ("by_set", "by_lang", "by_style") for k, v in res[key].items()
    ]
    for name, m in groups:
        rows.append(f"| {name} | " + " | ".join("" if m[c] is None else str(m[c]) for c in cols) + " |")
    rows.append(f"\nask ms p50 {res['ask_ms']['p50']} / p95 {res['ask_ms']['p95']}")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    ap.add_argument("--index-root", type=Path, help="keep the three indexes here (reused when present)")
    ap.add_argument("--model", help="embedding model of a new index (default: the project's)")
    ap.add_argument("--save", type=Path, help="write metrics and per-question records as JSON")
    args = ap.parse_args()
    from qa.evaluate import read_jsonl

    questions = [q for q in read_jsonl(QUESTIONS) if args.split in ("all", q["split"])]
    with tempfile.TemporaryDirectory(prefix="qa-readers-") as tmp:
        records = run(questions, args.index_root or Path(tmp), args.model)
    res = report(records)
    print(f"## readers' questions, split {args.split}: {len(records)} questions\n")
    print(table(res))
    if args.save:
        args.save.write_text(json.dumps({"metrics": res, "records": records}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
