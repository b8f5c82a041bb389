"""`qa eval`: retrieval (and answer) metrics on a bench set, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import add_common


def _evaluated(args: argparse.Namespace) -> dict:
    """qa.evaluate's results for the command's options, without the per-question answer records."""
    from .. import store
    from ..errors import QAError
    from ..evaluate import evaluate

    if args.index_dir and Path(args.index_dir, store.DB_NAME).exists():
        raise QAError(f"{args.index_dir}/ already holds an index; eval builds its own: give a new directory")
    modes = ("hybrid", "dense", "lexical") if args.mode == "all" else (args.mode,)
    res = evaluate(
        args.bench_dir,
        passages_file=args.passages,
        issues=args.issues,
        k=args.k,
        modes=modes,
        model=args.model,
        limit=args.limit,
        progress=not args.quiet,
        answers=args.answers,
        index_dir=args.store or args.index_dir,
    )
    res.pop("answer_records", None)
    return res


def _print_retrieval(res: dict) -> None:
    print(
        f"{res['bench']}: {res['questions']} questions over {res['passages']} passages, model {res['model']},"
        f" built in {res['build_s']} s"
    )
    print(f"{'mode':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for mode, m in res["modes"].items():
        print(
            f"{mode:8} {m['R@1']:6.3f} {m['R@5']:6.3f} {m['R@10']:6.3f} {m['MRR@10']:7.3f}"
            f" {m['p50_ms']:7.2f} {m['p95_ms']:7.2f}"
        )


def _print_answers(res: dict) -> None:
    a = res["answers"]
    print(f"\nanswers (mode {next(iter(res['modes']))}, top 5 passages):")
    print(
        f"{'group':18} {'n':>5} {'sent':>6} {'base':>6} {'EM':>6} {'contain':>7} {'cover':>6} {'acc@ans':>7} {'abstain':>7}"
    )
    groups = (
        [("all", a["all"])]
        + [(f"type {k}", v) for k, v in a["by_type"].items()]
        + [(f"lang {k}", v) for k, v in a["by_lang"].items()]
    )
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for name, m in groups:
        print(
            f"{name:18} {m['n']:5d} {m['sentence_acc']:6.3f} {m['baseline_sentence_acc']:6.3f} {m['em']:6.3f}"
            f" {m['contains']:7.3f} {m['coverage']:6.3f} {fmt(m['acc_answered']):>7} {fmt(m.get('abstained_unanswerable')):>7}"
        )
    lat = a["latency_ms"]
    print(
        f"latency ms: search p50 {lat['search_p50']} p95 {lat['search_p95']}; ask p50 {lat['ask_p50']}"
        f" p95 {lat['ask_p95']} (sent = the answer sentence holds a gold answer; base = the top passage's first sentence)"
    )


def cmd_eval(args: argparse.Namespace) -> int:
    res = _evaluated(args)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return 0
    _print_retrieval(res)
    if "answers" in res:
        _print_answers(res)
    return 0


def add_parsers(sub) -> None:
    """The `qa eval` command."""
    e = sub.add_parser(
        "eval",
        help="retrieval (and --answers) metrics on a bench folder (passages.jsonl + questions.jsonl)"
        " or on a questions .jsonl over --issues FILE...",
    )
    e.add_argument("bench_dir")
    e.add_argument("-k", type=int, default=10)
    e.add_argument("--mode", choices=("hybrid", "dense", "lexical", "all"), default="hybrid")
    e.add_argument(
        "--passages", help="passages.jsonl of another set (default: the set's own, or the one its SOURCE.md names)"
    )
    e.add_argument(
        "--issues",
        nargs="+",
        metavar="FILE",
        help="issue files or folders to index when BENCH is a questions .jsonl file (e.g. data/questions/sample-qa.jsonl)",
    )
    e.add_argument("--answers", action="store_true", help="also measure short answers and supporting sentences")
    e.add_argument("--limit", type=int, help="only the first N questions")
    e.add_argument("--json", action="store_true")
    add_common(e, index_help="keep the index eval builds in this new directory (default: a temporary one)")
    e.set_defaults(func=cmd_eval)
