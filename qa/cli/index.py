"""`qa index build|add|remove|list|rebuild|check|copy`: build and maintain the archive."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import add_common, index_dir

FILES_HELP = (
    "issue files: text, HTML, PDF, scans (PNG, JPEG, TIFF), .docx; a FOLDER is one issue (its files in page order);"
    " each text file is an issue, other files given together are the pages of one issue per date in their names"
)


def _parse_files(args: argparse.Namespace) -> list:
    from ..inputs import read_issue_files

    return read_issue_files(
        args.files, issue_id=args.issue_id, date=args.date, paper=args.paper, progress=not args.quiet
    )


def cmd_index_build(args: argparse.Namespace) -> int:
    from ..archive import build

    reports = build(index_dir(args), _parse_files(args), model=args.model, fresh=args.fresh, progress=not args.quiet)
    for r in reports:
        print(r)
    print(f"index built at {index_dir(args)}/")
    return 0


def cmd_index_add(args: argparse.Namespace) -> int:
    from ..archive import add

    reports = add(index_dir(args), _parse_files(args), model=args.model, replace=args.replace, progress=not args.quiet)
    for r in reports:
        print(r)
    if all(r.status == "unchanged" for r in reports):
        print("nothing to do: every issue is already indexed from the same file")
    return 0


def cmd_index_remove(args: argparse.Namespace) -> int:
    from ..archive import remove

    reports = remove(index_dir(args), args.issue_ids)
    for r in reports:
        print(r)
    return 0 if all(r.status == "removed" for r in reports) else 1


def cmd_index_list(args: argparse.Namespace) -> int:
    from ..index import Index

    issues = Index.open(index_dir(args)).issues()
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


def cmd_index_rebuild(args: argparse.Namespace) -> int:
    from ..archive import rebuild

    reports = rebuild(index_dir(args), model=args.model, add_model=args.add_model, progress=not args.quiet)
    for r in reports:
        print(r)
    if args.add_model:
        from ..store import models_of

        print(f"{index_dir(args)}/: {len(reports)} issue(s), models now {', '.join(models_of(index_dir(args)))}")
        return 0
    count = {
        status: sum(r.status == status for r in reports) for status in ("reread", "reembedded", "lost (no kept file)")
    }
    lost = f"; {count['lost (no kept file)']} lost (no kept file)" if count["lost (no kept file)"] else ""
    print(
        f"rebuilt {index_dir(args)}/: {count['reread']} issue(s) read again from their kept files,"
        f" {count['reembedded']} from their stored passages{lost}"
    )
    return 0


def _repair(path: Path, problems: list) -> list:
    """Repair what can be repaired; the problems left after (re-checked)."""
    from .. import store
    from ..archive import repair

    for p in problems:
        print(f"{'repairing' if p.repairable else 'cannot repair'}: {p}")
    if any(p.repairable for p in problems):
        repair(path)
    problems, notes = store.check(path)
    for n in notes:
        print(f"note: {n}")
    return problems


def cmd_index_check(args: argparse.Namespace) -> int:
    from .. import store

    path = index_dir(args)
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


def cmd_index_copy(args: argparse.Namespace) -> int:
    from ..archive import copy

    reports, source = copy(index_dir(args), args.to), index_dir(args)
    print(
        f"copied {len(reports)} issue(s), {sum(r.passages for r in reports)} passages with vectors, {source} -> {args.to}"
    )
    return 0


def _add_file_parsers(idx) -> None:
    """`qa index build` and `qa index add`: issue files in."""
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
        add_common(sp)
    b.set_defaults(func=cmd_index_build)


def _add_maintenance_parsers(idx) -> None:
    """`qa index remove|list|rebuild|check|copy`."""
    rm = idx.add_parser("remove", help="remove issues by id")
    rm.add_argument("issue_ids", nargs="+", metavar="ISSUE_ID")
    add_common(rm, model=False)
    rm.set_defaults(func=cmd_index_remove)
    ls = idx.add_parser("list", help="the indexed issues")
    ls.add_argument("--json", action="store_true")
    add_common(ls, model=False)
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
    add_common(rb)
    rb.set_defaults(func=cmd_index_rebuild)
    ck = idx.add_parser("check", help="verify that database, search files and manifest agree (exit 1 if not)")
    ck.add_argument(
        "--repair", action="store_true", help="rebuild the search files and manifest from the database, tidy up"
    )
    add_common(ck, model=False)
    ck.set_defaults(func=cmd_index_check)

    cp = idx.add_parser("copy", help="copy the archive and its vectors into an empty one (embedded <-> Milvus)")
    cp.add_argument("--to", required=True, metavar="URI", help="the target: a Milvus URI (see --store) or a directory")
    add_common(cp, model=False)
    cp.set_defaults(func=cmd_index_copy)


def add_parsers(sub) -> None:
    """The `qa index` command and its verbs."""
    idx = sub.add_parser("index", help="build and maintain the index").add_subparsers(
        dest="index_command", required=True
    )
    _add_file_parsers(idx)
    _add_maintenance_parsers(idx)
