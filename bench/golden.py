"""Golden answers: what `Index.ask` answers to every question of a set, recorded once and checked after a change.

    python bench/golden.py                          # record the four sets into bench/golden/<set>.jsonl
    python bench/golden.py --check                  # rerun them and diff: exit 1 on any difference
    python bench/golden.py --check sample           # one set (CI runs this one through tests/test_golden.py)
    python bench/golden.py --check --index-dir /tmp/golden-ix   # keep the built indexes and reuse them next time

A golden file is JSON lines: a header naming the FIELDS, then one array per question: its id, the question type,
the short answer (or null), the best candidate, the confidence (4 decimals), the passage id, the supporting sentence
(a SHA-1 prefix: the files stay small) and the offsets of the sentence and of the answer in the passage. Also
printed: the ask latency p50/p95 (ms) of the run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
GOLDEN = ROOT / "bench" / "golden"
SAMPLE_QUESTIONS = ROOT / "data" / "questions" / "sample-qa.jsonl"
SAMPLE_ISSUE = ROOT / "data" / "issues" / "sample-issue.txt"
SETS = ("sample", "cmrc2018", "drcd", "cmrc2018-en")
DIGITS = 4  # confidence: enough to see any change of a feature or weight, not the float noise of a summation order
FIELDS = (
    "id",
    "qtype",
    "text",
    "candidate",
    "confidence",
    "passage",
    "sentence",
    "sentence_start",
    "sentence_end",
    "answer_start",
    "answer_end",
)


def questions_of(name: str) -> list[dict]:
    from qa.evaluate import read_jsonl

    return read_jsonl(SAMPLE_QUESTIONS if name == "sample" else BENCH / name / "questions.jsonl")


def build(name: str, path: Path) -> None:
    """The index the set's questions are asked of: the sample issue, or the set's passages one article each."""
    from qa.evaluate import bench_issue, default_passages, read_jsonl
    from qa.index import write
    from qa.parse import parse_file

    if name == "sample":
        write(path, [parse_file(SAMPLE_ISSUE)], fresh=True)
    else:
        write(path, [bench_issue(read_jsonl(default_passages(BENCH / name)))], fresh=True, max_chars=10**9)


def record(qid: str, answer) -> dict:
    """The golden line of one answer."""
    sentence = answer.sentence or ""
    return {
        "id": qid,
        "qtype": answer.qtype,
        "text": answer.text,
        "candidate": answer.candidate,
        "confidence": round(answer.confidence, DIGITS),
        "passage": answer.passage.id if answer.passage else None,
        "sentence": hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:8],
        "sentence_start": answer.sentence_start,
        "sentence_end": answer.sentence_end,
        "answer_start": answer.answer_start,
        "answer_end": answer.answer_end,
    }


def answer_all(index_path: Path, questions: list[dict]) -> tuple[list[dict], list[float]]:
    """The golden lines of every question, and each ask's latency in ms."""
    from qa.index import Index

    index = Index.open(index_path)
    try:
        index.ask("预热")  # load the files, the model and jieba before timing
        lines, latency = [], []
        for q in questions:
            t = time.perf_counter()
            answer = index.ask(q["question"])
            latency.append((time.perf_counter() - t) * 1000)
            lines.append(record(q["id"], answer))
    finally:
        index.close()
    return lines, latency


def diff(expected: list[dict], got: list[dict]) -> list[str]:
    """One line per question whose recorded answer changed (or that was added or removed)."""
    old, new = {r["id"]: r for r in expected}, {r["id"]: r for r in got}
    out = [f"{i}: missing from this run" for i in old if i not in new]
    out += [f"{i}: not in the golden file" for i in new if i not in old]
    for i in old.keys() & new.keys():
        changed = {k: (old[i].get(k), new[i].get(k)) for k in old[i].keys() | new[i].keys()}
        changed = {k: v for k, v in changed.items() if v[0] != v[1]}
        if changed:
            out.append(f"{i}: " + "; ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in sorted(changed.items())))
    return sorted(out)


def golden_file(name: str) -> Path:
    return GOLDEN / f"{name}.jsonl"


def read(name: str) -> list[dict]:
    with open(golden_file(name), encoding="utf-8") as f:
        fields = json.loads(f.readline())["fields"]
        return [dict(zip(fields, json.loads(line))) for line in f if line.strip()]


def write_golden(name: str, lines: list[dict]) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    rows = [{"set": name, "fields": FIELDS}] + [[r[f] for f in FIELDS] for r in lines]
    text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    golden_file(name).write_text(text, encoding="utf-8")


def run_set(name: str, index_dir: Path) -> tuple[list[dict], list[float]]:
    path = index_dir / name
    if not (path / "manifest.json").is_file():
        build(name, path)
    return answer_all(path, questions_of(name))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="*", metavar="SET", help=f"any of {', '.join(SETS)} (default: all)")
    ap.add_argument("--check", action="store_true", help="compare with bench/golden/ instead of recording")
    ap.add_argument("--index-dir", type=Path, help="build the indexes here once and reuse them (default: temporary)")
    args = ap.parse_args()
    if set(args.sets) - set(SETS):
        ap.error(f"unknown set {sorted(set(args.sets) - set(SETS))}: choose from {', '.join(SETS)}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="qa-golden-") as tmp:
        for name in args.sets or SETS:
            lines, latency = run_set(name, args.index_dir or Path(tmp))
            p50, p95 = (round(float(np.percentile(latency, q)), 1) for q in (50, 95))
            timing = f"ask p50 {p50} ms, p95 {p95} ms"
            if not args.check:
                write_golden(name, lines)
                print(f"{name}: {len(lines)} answers recorded in {golden_file(name)}; {timing}", flush=True)
                continue
            expected = read(name)
            changes = diff(expected, lines)
            failed |= bool(changes)
            for line in changes[:50]:
                print(line)
            old = {r["id"]: r for r in expected}
            same = sum(old.get(r["id"]) == r for r in lines)
            print(f"{name}: {same} / {len(expected)} identical; {timing}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
