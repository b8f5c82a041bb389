"""`qa feedback export`: readers' ratings from the web chat, as JSONL."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import add_common, index_dir


def cmd_feedback_export(args: argparse.Namespace) -> int:
    from ..store import feedback

    rows = feedback(index_dir(args))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.output and args.output != "-":
        Path(args.output).write_text(lines, encoding="utf-8")
        print(f"{len(rows)} feedback records written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0


def add_parsers(sub) -> None:
    """The `qa feedback` command and its verb."""
    fb = sub.add_parser("feedback", help="readers' thumbs up/down from the web chat").add_subparsers(
        dest="feedback_command", required=True
    )
    fx = fb.add_parser("export", help="write the feedback as JSONL (question, answer, citations, rating)")
    fx.add_argument("-o", "--output", metavar="FILE", help="output file (default: stdout)")
    add_common(fx, model=False)
    fx.set_defaults(func=cmd_feedback_export)
