"""A conversation of the web chat kept in the reader's browser (so it survives a reload) and exported as Markdown and
JSON with its citations."""

import json
import tempfile
import time
from pathlib import Path

from ..chat import MAX_RECORDS, conversation
from ..strings import lang_of, say

STORAGE_KEY = "qa-conversation"  # the browser's localStorage key (the value is encrypted by Gradio)


def saved(history: list[dict], records: dict, lang: str) -> dict:
    """What the browser keeps: the messages on the page, the records of their answers, the interface language."""
    return {"chat": history, "records": [[i, r] for i, r in sorted(records.items())], "lang": lang_of(lang)}


def restored(value) -> tuple[list[dict], dict, str]:
    """(messages, records by message index, language) from what the browser kept; anything malformed is dropped."""
    value = value if isinstance(value, dict) else {}
    history = conversation(value.get("chat"))
    pairs = value.get("records") if isinstance(value.get("records"), list) else []
    records = {
        i: r
        for i, r in (p for p in pairs if isinstance(p, list) and len(p) == 2)
        if isinstance(i, int) and 0 <= i < len(history) and isinstance(r, dict) and isinstance(r.get("question"), str)
    }
    return history, dict(sorted(records.items())[-MAX_RECORDS:]), lang_of(value.get("lang"))


def _markdown_turn(n: int, record: dict, lang: str) -> list[str]:
    lines = [f"## {say(lang, 'question_heading')}{n}: {record['question']}", ""]
    if record.get("understood_as"):
        lines += [f"{say(lang, 'understood')} {record['understood_as']}", ""]
    answer = record.get("answer")
    head = f"**{answer}** ({say(lang, 'confidence')} {record.get('confidence', 0):.2f})" if answer else ""
    lines += [f"{say(lang, 'answer_heading')}: {head or say(lang, 'not_sure')}", ""]
    if record.get("sentence"):
        lines += [f"> {record['sentence']}", ""]
    lines += [f"### {say(lang, 'citations_heading')}", ""]
    for c in record.get("citations", []):
        lines += [f"[{c['rank']}] {c.get('citation', '')} · {say(lang, 'score')} {c.get('score', 0):.2f}", ""]
        lines += [f"> {c.get('text', '')}", ""]
    return lines


def as_markdown(records: dict, lang: str) -> str:
    """The answered questions of a conversation, oldest first, each with its answer and its citations."""
    lines = [f"# {say(lang, 'title').splitlines()[0].lstrip('# ')}", ""]
    for n, (_, record) in enumerate(sorted(records.items()), 1):
        lines += _markdown_turn(n, record, lang)
    return "\n".join(lines)


def as_json(records: dict) -> str:
    """The answered questions of a conversation, oldest first: question, understood_as, answer, citations."""
    turns = [record for _, record in sorted(records.items())]
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps({"exported_at": when, "turns": turns}, ensure_ascii=False, indent=1)


def export_files(records: dict, lang: str) -> list[str]:
    """The conversation written as conversation.md and conversation.json in a new temporary folder (Gradio serves
    them from its cache and deletes them with it)."""
    folder = Path(tempfile.mkdtemp(prefix="qa-export-"))
    md, js = folder / "conversation.md", folder / "conversation.json"
    md.write_text(as_markdown(records, lang), encoding="utf-8")
    js.write_text(as_json(records), encoding="utf-8")
    return [str(md), str(js)]
