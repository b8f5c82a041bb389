"""Answer metrics on the bench sets and the sample-issue set (markdown tables); fits the confidence model.

python bench/answers.py cmrc2018 cmrc2018-en --save out/records      # per-question records
python bench/readers.py --split dev --save out/records/readers-dev.json
python bench/answers.py --fit out/records/cmrc2018.json,out/records/cmrc2018-en.json --readers out/records/readers-dev.json
    # writes the weights, thresholds and minimum support to qa/answer/confidence.json (what qa.answer loads): the
    # weights fitted on all records (each reader-phrased one counted READERS_WEIGHT times), the thresholds on the
    # reader-phrased ones (dev half only), per language and per answer type where it has MIN_TYPED candidates
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np

from qa.answer.confidence import FITTED, WEIGHTS

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
# the confidence features are those qa/answer/confidence.json weighs (a new one goes there first, with weight 0)
FEATURES = tuple(f for f in WEIGHTS if f != "bias")
LANGUAGES = {"zh": False, "en": True}  # the question languages thresholds are kept for: English or not
SUPPORT = {"zh": "sentence", "en": "cosine"}  # the feature that says how well the sentence speaks of the question
SUPPORT_PERCENTILE = 5  # minimum support: this percentile of the support of right answers (2 left 0.04 on a 600 sample)
PRECISION_TARGETS = (0.85, 0.9, 0.93, 0.95, 0.97, 0.99)  # the thresholds' precision targets cross-validated
MAX_WRONG = 0.03  # ... of all reader-phrased questions that may get a wrong answer out of fold
MIN_ABSTAINED = 0.9  # ... of the unanswerable ones that must get none
FOLDS = 5
READERS_WEIGHT = 5  # a reader-phrased record counts this many times in the fit (the bench copies the passages)
MIN_TYPED = 8  # reader-phrased candidates of one language and type needed for a threshold of its own


def run(name: str, limit: int | None) -> dict:
    from qa.evaluate import evaluate

    if name == "sample":
        return evaluate(
            ROOT / "data" / "questions" / "sample-qa.jsonl",
            issues=[ROOT / "data" / "issues" / "sample-issue.txt"],
            answers=True,
            k=10,
            limit=limit,
        )
    passages = BENCH / "cmrc2018" / "passages.jsonl" if name == "cmrc2018-en" else None
    return evaluate(BENCH / name, passages_file=passages, answers=True, k=10, limit=limit)


def is_right(r: dict, label: str) -> bool:
    """The best candidate is a gold answer (em), or one holds the other (contains: bench spans are cut differently)."""
    from qa.evaluate import normalize_answer

    if "candidate_outcome" in r:  # a reader-phrased record (bench/readers.py): an unanswerable one is never right
        return r["candidate_outcome"] == "right"
    if label == "em":
        return r["candidate_em"]
    c = normalize_answer(r["candidate"] or "")
    return bool(c) and any(g and (g in c or c in g) for g in map(normalize_answer, r["answers"]))


def fit(records: list[dict], label: str = "contains", l2: float = 1.0) -> dict:
    """Logistic regression (Newton steps, L2) of 'the best candidate is right' on FEATURES."""
    rs = [r for r in records if (r["answerable"] or "candidate_outcome" in r) and r["candidate"] is not None]
    rs += [r for r in rs if "candidate_outcome" in r] * (READERS_WEIGHT - 1)
    x = np.array([[1.0] + [float(r["features"].get(f, 0.0)) for f in FEATURES] for r in rs])
    y = np.array([1.0 if is_right(r, label) else 0.0 for r in rs])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        g = x.T @ (p - y) + l2 * np.r_[0, w[1:]]
        h = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.diag(np.r_[0, np.ones(len(w) - 1)])
        w -= np.linalg.solve(h, g)
    return {"bias": round(float(w[0]), 3), **{f: round(float(v), 3) for f, v in zip(FEATURES, w[1:])}}


def _confidence(weights: dict, r: dict) -> float:
    """What the model with these weights gives the record's best candidate."""
    x = weights["bias"] + sum(weights[f] * float(r["features"].get(f, 0.0)) for f in FEATURES)
    return 1 / (1 + math.exp(-x))


def threshold_for(records: list[dict], weights: dict, precision: float, label: str = "contains") -> float:
    """Lowest confidence at which the answers above it are right at least `precision` of the time."""
    scored = sorted(
        (
            (_confidence(weights, r), is_right(r, label))
            for r in records
            if r["candidate"] is not None and not r["features"].get("ruled_out")  # a capped one is never shown
        ),
        reverse=True,
    )
    best, right = 1.0, 0
    for n, (c, ok) in enumerate(scored, 1):
        right += ok
        if right / n >= precision:
            best = c
    return round(best, 3)


def min_support_for(records: list[dict], language: str, label: str = "contains") -> float:
    """The SUPPORT_PERCENTILE-th percentile of the sentence support among the right answers in that language."""
    support = [float(r["features"].get(SUPPORT[language], 0.0)) for r in records if is_right(r, label)]
    return round(float(np.percentile(support, SUPPORT_PERCENTILE)), 2)


def _language(r: dict) -> str:
    return "en" if r["features"].get("english") else "zh"


def fitted(records: list[dict], readers: list[dict], label: str, precisions: dict, sources: list[str]) -> dict:
    """The contents of qa/answer/confidence.json fitted on these records (readers: the reader-phrased dev records,
    which set the thresholds when given) with each language's thresholds at its precision target."""
    weights = fit(records + readers, label)
    calibrating = readers or records
    thresholds = {}
    for lang in LANGUAGES:
        precision = precisions[lang]
        rs = [r for r in calibrating if _language(r) == lang]
        thresholds[lang] = threshold_for(rs, weights, precision, label)
        if thresholds[lang] >= 1.0 and readers:  # too few right answers to reach it: pooled with the bench's
            pooled = rs + [r for r in records if _language(r) == lang]
            thresholds[lang] = threshold_for(pooled, weights, precision, label)
            continue  # and no type has data enough for its own
        for qtype in sorted({r["qtype"] for r in rs}):
            typed = [r for r in rs if r["qtype"] == qtype and r["candidate"] is not None]
            if len(typed) >= MIN_TYPED:  # and no lower than the bench's of the type: a few readers' records are noisy
                bench = [r for r in records if _language(r) == lang and r["qtype"] == qtype and r["candidate"]]
                floor = threshold_for(bench, weights, precision, label) if len(bench) >= MIN_TYPED else 0.0
                thresholds[f"{lang}/{qtype}"] = max(threshold_for(typed, weights, precision, label), floor)
    by_language = {lang: [r for r in records + readers if _language(r) == lang] for lang in LANGUAGES}
    return {
        "about": f"written by bench/answers.py --fit on {', '.join(sources)}: logistic regression of 'the best"
        f" candidate is right' (label {label}; reader-phrased records weighted {READERS_WEIGHT}); thresholds: per"
        f" question language (and language/type with {MIN_TYPED}+ candidates), the lowest confidence whose answers"
        f" above it were right {precisions} of the time on the {'reader-phrased' if readers else 'bench'} records"
        " (a language they never reach it for: pooled with its bench records, no type thresholds);"
        f" min_support: per language, percentile {SUPPORT_PERCENTILE} of the sentence support (Chinese: share of the"
        " question's words; English: cosine) of right answers, bench and reader-phrased",
        "weights": weights,
        "thresholds": thresholds,
        "min_support": {lang: min_support_for(rs, lang, label) for lang, rs in by_language.items()},
    }


def _fold(r: dict, folds: int) -> int:
    return zlib.crc32(r["id"].encode()) % folds


def _shown(model: dict, r: dict) -> bool:
    """Whether the fitted model would show the record's best candidate (its structural checks as recorded)."""
    if r["candidate"] is None or r["features"].get("ruled_out"):
        return False
    lang = _language(r)
    return _confidence(model["weights"], r) >= model["thresholds"].get(
        f"{lang}/{r['qtype']}", model["thresholds"][lang]
    )


def out_of_fold(records: list[dict], readers: list[dict], label: str, precision: float, folds: int) -> list[dict]:
    """Per language, the metrics of the reader-phrased questions when each fold is answered by a model fitted
    without it: what a new question can expect."""
    shown = {}
    for k in range(folds):
        rest = [r for r in readers if _fold(r, folds) != k]
        model = fitted(records, rest, label, dict.fromkeys(LANGUAGES, precision), [])
        shown.update((r["id"], _shown(model, r)) for r in readers if _fold(r, folds) == k)
    return [_metrics([r for r in readers if _language(r) == lang], shown, lang, precision) for lang in LANGUAGES]


def _metrics(readers: list[dict], shown: dict, lang: str, precision: float) -> dict:
    answered = [r for r in readers if shown[r["id"]]]
    right = sum(r["answerable"] and r["candidate_outcome"] == "right" for r in answered)
    wrong = len(answered) - right
    answerable = sum(r["answerable"] for r in readers)
    abstained = sum(not r["answerable"] and not shown[r["id"]] for r in readers)
    return {
        "language": lang,
        "precision": precision,
        "right": round(right / answerable, 3),
        "right_when_answered": round(right / max(right + wrong, 1), 3),
        "wrong_of_all": round(wrong / len(readers), 3),
        "unanswerable_abstained": round(abstained / max(len(readers) - answerable, 1), 3),
    }


def chosen_precision(records: list[dict], readers: list[dict], label: str, folds: int) -> tuple[dict, list[dict]]:
    """Per language, the precision target whose out-of-fold answers are right most often while at most MAX_WRONG of
    its questions get a wrong answer and at least MIN_ABSTAINED of its unanswerable ones none (else the target with
    the fewest wrong answers, then the most right ones)."""
    by_target = [out_of_fold(records, readers, label, p, folds) for p in PRECISION_TARGETS]  # one fit serves both
    chosen, table = {}, []
    for i, lang in enumerate(LANGUAGES):
        rows = [per_language[i] for per_language in by_target]
        ok = [t for t in rows if t["wrong_of_all"] <= MAX_WRONG and t["unanswerable_abstained"] >= MIN_ABSTAINED]
        if ok:  # a tie: the stricter target
            best = max(ok, key=lambda t: (t["right"], t["precision"]))
        else:  # none keeps its promises: the fewest wrong answers (stricter targets that do not cut them only lose)
            best = min(rows, key=lambda t: (t["wrong_of_all"], -t["right"], -t["precision"]))
        chosen[lang] = best["precision"]
        table += rows
    return chosen, table


def table(name: str, res: dict) -> str:
    a = res["answers"]
    rows = [
        f"### {name}: {res['questions']} questions, retrieval R@1 {res['modes']['hybrid']['R@1']}",
        "",
        "| group | n | sentence acc | baseline (1st sentence) | EM | contains | coverage | acc answered | abstained (unanswerable) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    groups = (
        [("all", a["all"])]
        + [(f"type {k}", v) for k, v in a["by_type"].items()]
        + [(f"lang {k}", v) for k, v in a["by_lang"].items()]
    )
    for g, m in groups:
        rows.append(
            f"| {g} | {m['n']} | {m['sentence_acc']} | {m['baseline_sentence_acc']} | {m['em']} | {m['contains']} |"
            f" {m['coverage']} | {m['acc_answered']} | {m.get('abstained_unanswerable', '')} |"
        )
    lat = a["latency_ms"]
    rows.append(
        f"\nlatency ms: search p50 {lat['search_p50']} / p95 {lat['search_p95']}; ask p50 {lat['ask_p50']} /"
        f" p95 {lat['ask_p95']}; answer step p50 {lat['answer_step_p50']} / p95 {lat['answer_step_p95']}"
    )
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("sets", nargs="*", default=["sample", "cmrc2018", "drcd", "cmrc2018-en"])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--save", help="folder for the per-question records (JSON)")
    ap.add_argument("--fit", help="fit the confidence model on these saved records files (comma-separated)")
    ap.add_argument("--readers", type=Path, help="reader-phrased dev records (bench/readers.py --save) for --fit")
    ap.add_argument("--out", type=Path, default=FITTED, help="where --fit writes it (default: %(default)s)")
    ap.add_argument(
        "--precision",
        type=float,
        help="the thresholds' precision on the reader-phrased records (default: chosen by cross-validation)",
    )
    ap.add_argument("--label", choices=("em", "contains"), default="contains", help="what counts as right when fitting")
    args = ap.parse_args()
    if args.fit:
        sources = args.fit.split(",")
        records = [r for f in sources for r in json.loads(Path(f).read_text(encoding="utf-8"))]
        readers = json.loads(args.readers.read_text(encoding="utf-8"))["records"] if args.readers else []
        names = [Path(f).name for f in sources] + ([args.readers.name] if args.readers else [])
        precision = dict.fromkeys(LANGUAGES, args.precision or 0.9)
        if args.precision is None and readers:
            precision, cv = chosen_precision(records, readers, args.label, FOLDS)
            print("\n".join(json.dumps(t) for t in cv), f"\nchosen precision targets: {precision}")
        model = fitted(records, readers, args.label, precision, names)
        if args.precision is None and readers:
            model["about"] += (
                f"; the precision targets {precision} chosen by {FOLDS}-fold cross-validation on the reader-phrased"
                f" records: the most right answers out of fold with at most {MAX_WRONG:.0%} of a language's questions answered"
                f" wrong and {MIN_ABSTAINED:.0%} of the unanswerable abstained (cross_validation: each target's"
                " out-of-fold metrics)"
            )
            model["cross_validation"] = cv
        args.out.write_text(json.dumps(model, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: v for k, v in model.items() if k != "about"}, indent=2), f"\nwritten to {args.out}")
        return 0
    for name in args.sets:
        res = run(name, args.limit)
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            Path(args.save, f"{name}.json").write_text(
                json.dumps(res.pop("answer_records"), ensure_ascii=False), encoding="utf-8"
            )
        print(table(name, res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
