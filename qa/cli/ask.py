"""`qa ask` (one question, as text or JSON) and `qa chat` (a conversation on the terminal)."""

from __future__ import annotations

import argparse
import json
import sys

from .common import add_common, index_dir


def filter_options(sp) -> None:
    sp.add_argument("--issue", action="append", metavar="ISSUE_ID", help="search only this issue (repeatable)")
    sp.add_argument("--paper", action="append", metavar="PAPER", help="search only this paper's issues (repeatable)")
    sp.add_argument(
        "--since", metavar="DATE", help="search only issues of this date or later (YYYY-MM-DD, YYYY-MM, YYYY)"
    )
    sp.add_argument("--until", metavar="DATE", help="search only issues of this date or earlier (as --since)")


def _filters(args: argparse.Namespace) -> dict:
    return {"issues": args.issue or None, "papers": args.paper or None, "since": args.since, "until": args.until}


def cmd_ask(args: argparse.Namespace) -> int:
    from ..index import Index

    index = Index.open(index_dir(args))
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


def cmd_chat(args: argparse.Namespace) -> int:
    from ..errors import QAError
    from ..index import Index

    index = Index.open(index_dir(args))
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


def add_parsers(sub) -> None:
    """The `qa ask` and `qa chat` commands."""
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
    add_common(a, model=False)
    a.set_defaults(func=cmd_ask)

    c = sub.add_parser("chat", help="a conversation on the terminal: each line a question, follow-ups understood")
    c.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    c.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    filter_options(c)
    add_common(c, model=False)
    c.set_defaults(func=cmd_chat)
