"""The `qa` command line: index build/add/remove/list/rebuild/check/copy, ask, chat, eval, feedback export.

A thin layer over the library: each module adds its commands' parsers and runs them (index, ask, evaluate,
feedback); this one builds the parser and turns errors, a closed pipe and Ctrl-C into one line and an exit code."""

from __future__ import annotations

import argparse
import os
import sys

from . import ask, evaluate, feedback, index


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa", description="Question answering over newspaper issues.")
    sub = p.add_subparsers(dest="command", required=True)
    for commands in (index, ask, evaluate, feedback):
        commands.add_parsers(sub)
    return p


def _run(args: argparse.Namespace) -> int:
    from ..embed import ModelError
    from ..errors import QAError
    from ..parse import ParseError

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
    from ..procs import stopped_by_signals

    args = build_parser().parse_args(argv)
    try:
        with stopped_by_signals():
            return _run(args)
    except BrokenPipeError:  # `qa ask ... | head`: the reader has gone, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt as e:
        from ..errors import Interrupted

        said = str(e) if isinstance(e, Interrupted) else "nothing was written"
        print(f"qa: interrupted; {said}", file=sys.stderr)
        return 130
