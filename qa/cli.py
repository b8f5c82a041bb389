"""The `qa` command line: index build/add/remove/list/rebuild/check/copy, ask, chat, eval, feedback export."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _index_dir(args) -> Path | str:
    """The archive: --store URI, else --index-dir, else $QA_STORE, $QA_INDEX or ./index."""
    from . import store
    from .index import default_index_dir

    where = getattr(args, "store", None) or args.index_dir
    return store.location(where) if where else default_index_dir()


def _parse_files(args) -> list:
    from .inputs import read_issue_files

    return read_issue_files(
        args.files, issue_id=args.issue_id, date=args.date, paper=args.paper, progress=not args.quiet
    )


def cmd_index_build(args) -> int:
    from .archive import build

    reports = build(_index_dir(args), _parse_files(args), model=args.model, fresh=args.fresh, progress=not args.quiet)
    for r in reports:
        print(r)
    print(f"index built at {_index_dir(args)}/")
    return 0


def cmd_index_add(args) -> int:
    from .archive import add

    reports = add(_index_dir(args), _parse_files(args), model=args.model, replace=args.replace, progress=not args.quiet)
    for r in reports:
        print(r)
    if all(r.status == "unchanged" for r in reports):
        print("nothing to do: every issue is already indexed from the same file")
    return 0


def cmd_index_remove(args) -> int:
    from .archive import remove

    reports = remove(_index_dir(args), args.issue_ids)
    for r in reports:
        print(r)
    return 0 if all(r.status == "removed" for r in reports) else 1


def cmd_index_list(args) -> int:
    from .index import Index

    issues = Index.open(_index_dir(args)).issues()
    if args.json:
        print(json.dumps(issues, ensure_ascii=False, indent=1))
        return 0
    import time

    print(f"{'issue':28} {'paper':10} {'date':10} {'articles':>8} {'passages':>8}  {'source sha256':14} added")
    for i in issues:
        added = time.strftime("%Y-%m-%d %H:%M", time.localtime(i["added_at"]))
        print(
            f"{i['issue_id']:28} {i['paper'] or '-':10} {i['date'] or '-':10} {i['articles']:8d} {i['passages']:8d}"
            f"  {i['source_hash'][:12]:14} {added}"
        )
    return 0


def cmd_index_rebuild(args) -> int:
    from .archive import rebuild

    reports = rebuild(_index_dir(args), model=args.model, add_model=args.add_model, progress=not args.quiet)
    for r in reports:
        print(r)
    if args.add_model:
        from .store import models_of

        print(f"{_index_dir(args)}/: {len(reports)} issue(s), models now {', '.join(models_of(_index_dir(args)))}")
        return 0
    count = {
        status: sum(r.status == status for r in reports) for status in ("reread", "reembedded", "lost (no kept file)")
    }
    lost = f"; {count['lost (no kept file)']} lost (no kept file)" if count["lost (no kept file)"] else ""
    print(
        f"rebuilt {_index_dir(args)}/: {count['reread']} issue(s) read again from their kept files,"
        f" {count['reembedded']} from their stored passages{lost}"
    )
    return 0


def _repair(path: Path, problems: list) -> list:
    """Repair what can be repaired; the problems left after (re-checked)."""
    from . import store
    from .archive import repair

    for p in problems:
        print(f"{'repairing' if p.repairable else 'cannot repair'}: {p}")
    if any(p.repairable for p in problems):
        repair(path)
    problems, notes = store.check(path)
    for n in notes:
        print(f"note: {n}")
    return problems


def cmd_index_check(args) -> int:
    from . import store

    path = _index_dir(args)
    tidied = store.tidy(path) if args.repair else []
    problems, notes = store.check(path)
    for n in tidied + notes:
        print(f"note: {n}")
    found = len(problems)
    if problems and args.repair:
        problems = _repair(path, problems)
    for p in problems:
        print(f"problem: {p}")
    if problems:
        fix = (
            "fix them with: qa index check --repair (or, after a model change: qa index rebuild --model MODEL)"
            if any(p.repairable for p in problems)
            else "each names its fix"
        )
        print(f"{path}/: {len(problems)} problem(s); {fix}", file=sys.stderr)
        return 1
    summary = store.summary(path)
    print(f"{path}/ is sound{' (repaired)' if found else ''}: {summary}")
    return 0


def cmd_index_copy(args) -> int:
    from .archive import copy

    reports, source = copy(_index_dir(args), args.to), _index_dir(args)
    print(
        f"copied {len(reports)} issue(s), {sum(r.passages for r in reports)} passages with vectors, {source} -> {args.to}"
    )
    return 0


def filter_options(sp) -> None:
    sp.add_argument("--issue", action="append", metavar="ISSUE_ID", help="search only this issue (repeatable)")
    sp.add_argument("--paper", action="append", metavar="PAPER", help="search only this paper's issues (repeatable)")
    sp.add_argument(
        "--since", metavar="DATE", help="search only issues of this date or later (YYYY-MM-DD, YYYY-MM, YYYY)"
    )
    sp.add_argument("--until", metavar="DATE", help="search only issues of this date or earlier (as --since)")


def _filters(args) -> dict:
    return {"issues": args.issue or None, "papers": args.paper or None, "since": args.since, "until": args.until}


def cmd_ask(args) -> int:
    from .index import Index

    index = Index.open(_index_dir(args))
    answer = index.ask(args.question, k=args.k, history=args.history, mode=args.mode, **_filters(args))
    explain = index.explain(answer.understood_as or args.question) if args.explain else None
    if args.json:
        out = {
            "question": args.question,
            "understood_as": answer.understood_as,
            "answer": {key: answer.to_dict()[key] for key in ("text", "sentence", "citation", "confidence")},
            "passages": [
                {"rank": r, **h.to_dict(), **({"scores": h.scores} if explain else {})}
                for r, h in enumerate(answer.passages, 1)
            ],
        }
        if explain:
            out["explain"] = explain
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    if explain:
        print(_explain_text(explain))
    _print_answer(answer, explain is not None)
    return 0


def _print_answer(answer, explain: bool = False) -> None:
    """How a follow-up was understood, the short answer (or the best sentence), then the numbered citations."""
    if answer.understood_as:
        print(f"理解为 / understood as: {answer.understood_as}")
    if answer.sentence:
        head = answer.text if answer.text is not None else "(no short answer: not sure; the best sentence follows)"
        print(f"{head}\n    {answer.sentence}\n    — {answer.citation}  (confidence {answer.confidence:.2f})\n")
    if not answer.passages:
        print("no passage found")
    for r, h in enumerate(answer.passages, 1):
        parts = "".join(f", {name} {v:.3f}" for name, v in h.scores.items()) if explain else ""
        print(f"[{r}] {h.citation}  (score {h.score:.3f}{parts})\n    {h.text}\n")


CHAT_HELP = (
    "one question a line; follow-ups use the earlier ones. /new starts a new conversation, /quit (or Ctrl-D) ends."
)


def cmd_chat(args) -> int:
    from .errors import QAError
    from .index import Index

    index = Index.open(_index_dir(args))
    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and ↑ history for input())

        print(CHAT_HELP)
    turns: list[str] = []
    while (line := _read_turn(interactive)) is not None:
        if line in ("/quit", "/exit"):
            break
        if line == "/new":
            turns = []
            print("(new conversation)\n")
            continue
        try:
            answer = index.ask(line, k=args.k, history=turns, mode=args.mode, **_filters(args))
        except (QAError, ValueError) as e:
            print(f"qa: error: {e}", file=sys.stderr)
            continue
        _print_answer(answer)
        turns.append(line)
    return 0


def _read_turn(interactive: bool) -> str | None:
    """The next non-empty question line, or None at the end of input."""
    while True:
        try:
            line = input("问 / ask> " if interactive else "")
        except EOFError:
            return None
        if line.strip():
            return line.strip()


def _explain_text(explain: dict) -> str:
    """The explain dict as a few readable lines: matched tokens, translated terms, fusion weight."""
    lines = [f"question tokens in the index: {' '.join(explain['tokens']) or '-'}"]
    if explain["translated"]:
        lines.append("translated terms (CC-CEDICT; weight):")
        lines += [
            f"  {t['english']}: " + ", ".join(f"{zh} {w:.2f}" for zh, w in t["chinese"]) for t in explain["translated"]
        ]
    lines.append(f"score = BM25/max + {explain['dense_weight']:g} × cosine\n")
    return "\n".join(lines)


def cmd_feedback_export(args) -> int:
    from .store import feedback

    rows = feedback(_index_dir(args))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.output and args.output != "-":
        Path(args.output).write_text(lines, encoding="utf-8")
        print(f"{len(rows)} feedback records written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0


def cmd_eval(args) -> int:
    from . import store
    from .errors import QAError
    from .evaluate import evaluate

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
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return 0
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
    if "answers" in res:
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
    return 0


FILES_HELP = (
    "issue files: text, HTML, PDF, scans (PNG, JPEG, TIFF), .docx; a FOLDER is one issue (its files in page order);"
    " each text file is an issue, other files given together are the pages of one issue per date in their names"
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa", description="Question answering over newspaper issues.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, model=True, index_help="index directory (default: ./index or $QA_INDEX)"):
        sp.add_argument("--index-dir", help=index_help)
        sp.add_argument(
            "--store",
            metavar="URI",
            help="the archive in Milvus: milvus:///abs/path.db (milvus-lite), milvus://host:19530 or http(s)://... "
            "(token from $QA_MILVUS_TOKEN); default: $QA_STORE, else --index-dir",
        )
        if model:
            sp.add_argument(
                "--model",
                action="append",
                help="sentence-transformers model name or path (default: $QA_MODEL or the bundled USE); several"
                " (repeated or a comma list, e.g. use-multilingual-v3,multilingual-e5-small): the index keeps each"
                " one's vectors and search fuses them",
            )
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    idx = sub.add_parser("index", help="build and maintain the index").add_subparsers(
        dest="index_command", required=True
    )
    b = idx.add_parser("build", help="build the index from issue files (refused if it holds other issues)")
    b.add_argument("files", nargs="+", metavar="FILE", help=FILES_HELP)
    b.add_argument("--fresh", action="store_true", help="start over: drop every issue not among the files")
    ad = idx.add_parser("add", help="add issue files to the index (created if needed)")
    ad.add_argument("files", nargs="+", metavar="FILE", help=FILES_HELP)
    ad.add_argument("--replace", action="store_true", help="swap an issue already indexed from another file")
    ad.set_defaults(func=cmd_index_add)
    for sp in (b, ad):
        sp.add_argument(
            "--issue-id", help="issue id; the FILEs given are then one issue (default: paper + date, or the file name)"
        )
        sp.add_argument(
            "--date", help="issue date YYYY-MM-DD; the FILEs given are then one issue (default: from the file names)"
        )
        sp.add_argument("--paper", help="newspaper name (default: from the bylines)")
        common(sp)
    b.set_defaults(func=cmd_index_build)
    rm = idx.add_parser("remove", help="remove issues by id")
    rm.add_argument("issue_ids", nargs="+", metavar="ISSUE_ID")
    common(rm, model=False)
    rm.set_defaults(func=cmd_index_remove)
    ls = idx.add_parser("list", help="the indexed issues")
    ls.add_argument("--json", action="store_true")
    common(ls, model=False)
    ls.set_defaults(func=cmd_index_list)
    rb = idx.add_parser(
        "rebuild", help="read every issue again from its kept file and re-embed (e.g. with another --model), atomically"
    )
    rb.add_argument(
        "--add-model",
        action="append",
        metavar="MODEL",
        help="only add this model's vectors (e.g. multilingual-e5-small): nothing is read again, the vectors the"
        " index has stay",
    )
    common(rb)
    rb.set_defaults(func=cmd_index_rebuild)
    ck = idx.add_parser("check", help="verify that database, search files and manifest agree (exit 1 if not)")
    ck.add_argument(
        "--repair", action="store_true", help="rebuild the search files and manifest from the database, tidy up"
    )
    common(ck, model=False)
    ck.set_defaults(func=cmd_index_check)

    cp = idx.add_parser("copy", help="copy the archive and its vectors into an empty one (embedded <-> Milvus)")
    cp.add_argument("--to", required=True, metavar="URI", help="the target: a Milvus URI (see --store) or a directory")
    common(cp, model=False)
    cp.set_defaults(func=cmd_index_copy)

    a = sub.add_parser("ask", help="ask a question")
    a.add_argument("question")
    a.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    a.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    filter_options(a)
    a.add_argument("--json", action="store_true", help="print JSON")
    a.add_argument(
        "--explain",
        action="store_true",
        help="show why passages match: tokens, translated terms of an English question, score parts",
    )
    a.add_argument(
        "--history",
        action="append",
        metavar="QUESTION",
        help="an earlier question of the conversation, oldest first (repeatable): QUESTION is read as its follow-up",
    )
    common(a, model=False)
    a.set_defaults(func=cmd_ask)

    c = sub.add_parser("chat", help="a conversation on the terminal: each line a question, follow-ups understood")
    c.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    c.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    filter_options(c)
    common(c, model=False)
    c.set_defaults(func=cmd_chat)

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
    common(e, index_help="keep the index eval builds in this new directory (default: a temporary one)")
    e.set_defaults(func=cmd_eval)

    fb = sub.add_parser("feedback", help="readers' thumbs up/down from the web chat").add_subparsers(
        dest="feedback_command", required=True
    )
    fx = fb.add_parser("export", help="write the feedback as JSONL (question, answer, citations, rating)")
    fx.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout)")
    common(fx, model=False)
    fx.set_defaults(func=cmd_feedback_export)
    return p


def _run(args) -> int:
    from .embed import ModelError
    from .errors import QAError
    from .parse import ParseError

    try:
        return args.func(args)
    except (QAError, ParseError, ModelError, ValueError) as e:
        print(f"qa: error: {e}", file=sys.stderr)
    except BrokenPipeError:
        raise
    except OSError as e:  # a file of the user's: missing, unreadable, not writable
        print(f"qa: error: {e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    from .procs import stopped_by_signals

    args = build_parser().parse_args(argv)
    try:
        with stopped_by_signals():
            return _run(args)
    except BrokenPipeError:  # `qa ask ... | head`: the reader has gone, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt as e:
        from .errors import Interrupted

        said = str(e) if isinstance(e, Interrupted) else "nothing was written"
        print(f"qa: interrupted; {said}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
