"""Conversations in readers' words (data/questions/dialogues.jsonl): each turn asked with the conversation's earlier
questions as history, and once more alone (history ignored, the baseline). Per kind of turn (first, follow-up,
topic switch) and per kind of follow-up: answered right, right paragraph first, and how often the question was
rewritten (a topic switch rewritten is contaminated by the old topic). Also the readers' stand-alone questions of
data/questions/readers.jsonl (same split) asked after an unrelated first turn: how many were rewritten.

    python bench/dialogues.py --split dev                  # the half that may be tuned on
    python bench/dialogues.py --split test --save out.json # the held-out half: report, never tune

Indexes are built as bench/readers.py builds them (--index-root keeps them between runs)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from readers import ASK_K, QUESTIONS, is_gold, judge, open_index

ROOT = Path(__file__).resolve().parent.parent
DIALOGUES = ROOT / "data" / "questions" / "dialogues.jsonl"


def outcome(turn: dict, answer, article_of: dict | None) -> dict:
    ranks = [r for r, p in enumerate(answer.passages, 1) if is_gold(turn, p, article_of)]
    return {"outcome": judge(turn, answer), "gold_rank": ranks[0] if ranks else None, "text": answer.text}


def run_dialogue(index, dialogue: dict, article_of: dict | None) -> list[dict]:
    records, history = [], []
    for n, turn in enumerate(dialogue["turns"], 1):
        with_history = index.ask(turn["question"], k=ASK_K, history=history)
        alone = index.ask(turn["question"], k=ASK_K) if history else with_history
        records.append(
            {
                "id": f"{dialogue['id']}/{n}",
                "kind": turn["kind"],
                "followup_kind": turn.get("followup_kind"),
                "lang": turn["lang"],
                "answerable": turn["answerable"],
                "question": turn["question"],
                "understood_as": with_history.understood_as,
                "reference": turn.get("standalone"),
                "answers": turn["answers"],
                "history": outcome(turn, with_history, article_of),
                "alone": outcome(turn, alone, article_of),
            }
        )
        history.append(turn["question"])
    return records


def run(dialogues: list[dict], readers: list[dict], root: Path, model: str | None) -> tuple[list[dict], dict]:
    records, switches = [], {}
    for name in sorted({d["source"] for d in dialogues}):
        index, article_of = open_index(root, name, model)
        for d in (d for d in dialogues if d["source"] == name):
            records.extend(run_dialogue(index, d, article_of))
        switches[name] = switch_check(index, name, dialogues, readers)
        index.close()
    return records, switches


def switch_check(index, name: str, dialogues: list[dict], readers: list[dict]) -> dict:
    """Readers' stand-alone questions (readers.jsonl, same split and collection) each asked after an unrelated
    first turn of a dialogue (another article; one Chinese, one English): how many were rewritten (contaminated)
    and how many answers differ from the question asked alone."""
    firsts = [d["turns"][0] for d in dialogues if d["source"] == name]
    n = rewritten = changed = 0
    for q in (q for q in readers if q["set"] == name):
        alone = index.ask(q["question"], k=ASK_K)
        place = q.get("article_title") or tuple(q.get("passage_ids", ()))
        others = [t for t in firsts if (t.get("article_title") or tuple(t.get("passage_ids", ()))) != place]
        for anchor in [next((t for t in others if t["lang"] == lang), None) for lang in ("zh", "en")]:
            if anchor is None:
                continue
            a = index.ask(q["question"], k=ASK_K, history=[anchor["question"]])
            n += 1
            rewritten += a.understood_as is not None
            changed += (a.text, a.passage and a.passage.id) != (alone.text, alone.passage and alone.passage.id)
    return {"pairs": n, "rewritten": rewritten, "answer_or_passage_changed": changed}


def summary(rs: list[dict], mode: str) -> dict:
    ok = [r for r in rs if r["answerable"]]
    none = [r for r in rs if not r["answerable"]]
    share = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    return {
        "n": len(rs),
        "right": share(sum(r[mode]["outcome"] == "right" for r in ok), len(ok)),
        "hit@1": share(sum(r[mode]["gold_rank"] == 1 for r in ok), len(ok)),
        "wrong": share(sum(r[mode]["outcome"] == "wrong" for r in rs), len(rs)),
        "unanswerable_abstained": share(sum(r[mode]["outcome"] == "abstained" for r in none), len(none)),
        "rewritten": share(sum(r["understood_as"] is not None for r in rs), len(rs)) if mode == "history" else None,
    }


def report(records: list[dict]) -> dict:
    groups = defaultdict(list)
    for r in records:
        groups[r["kind"]].append(r)
        if r["followup_kind"]:
            groups[f"followup {r['followup_kind']}"].append(r)
        if r["kind"] == "followup":
            groups[f"followup {r['lang']}"].append(r)
    return {g: {m: summary(rs, m) for m in ("history", "alone")} for g, rs in sorted(groups.items())}


def table(res: dict) -> str:
    cols = ("n", "right", "hit@1", "wrong", "unanswerable_abstained", "rewritten")
    rows = ["| turns | history | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for group, modes in res.items():
        for mode, m in modes.items():
            cells = ["" if m[c] is None else str(m[c]) for c in cols]
            rows.append(f"| {group} | {'used' if mode == 'history' else 'ignored'} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--index-root", type=Path, help="keep the indexes here (reused when present)")
    ap.add_argument("--model", help="embedding model of a new index (default: the project's)")
    ap.add_argument("--save", type=Path, help="write metrics and per-turn records as JSON")
    ap.add_argument("--show", action="store_true", help="print each rewritten turn and its outcome")
    args = ap.parse_args()
    from qa.evaluate import read_jsonl

    dialogues = [d for d in read_jsonl(DIALOGUES) if d["split"] == args.split]
    readers = [q for q in read_jsonl(QUESTIONS) if q["split"] == args.split]
    with tempfile.TemporaryDirectory(prefix="qa-dialogues-") as tmp:
        records, switches = run(dialogues, readers, args.index_root or Path(tmp), args.model)
    res = report(records)
    res["readers_after_an_unrelated_turn"] = switches
    if args.show:
        for r in records:
            print(r["id"], r["kind"], r["question"], "=>", r["understood_as"], "|", r["history"], r["alone"])
    print(f"## dialogues, split {args.split}: {len(dialogues)} conversations, {len(records)} turns\n")
    print(table({k: v for k, v in res.items() if k != "readers_after_an_unrelated_turn"}))
    print("\nreaders' stand-alone questions after an unrelated first turn:")
    for name, m in switches.items():
        print(f"  {name}: {m['rewritten']} of {m['pairs']} rewritten, {m['answer_or_passage_changed']} answers changed")
    if args.save:
        args.save.write_text(json.dumps({"metrics": res, "records": records}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
