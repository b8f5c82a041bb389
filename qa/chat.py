"""One turn of the web chat: the values the page or a program sent, checked (a bad one is a one-line reply and a
one-line log entry, never a traceback), answered and rendered as inert HTML; and uploaded issue files, read as the
CLI reads them."""

import dataclasses
import html
import logging
import os
import threading
from pathlib import Path

from . import inputs, store
from .errors import IndexMissing, QAError
from .guard import MAX_UPLOAD_FILES
from .index import MAX_QUESTION_CHARS, Index
from .inputs import check_file, max_issue_bytes
from .parse import ParseError
from .render import answer_html, cited, explain_html, text
from .search import MODES
from .strings import lang_of, say
from .text import posseg

log = logging.getLogger(__name__)

EXAMPLES = [  # questions about the bundled sample issue that get a short answer (test_app checks they still do)
    "市派驻村工作队有多少支?",
    "今年计划改造多少个老旧小区?",
    "城市更新公司什么时候揭牌?",
    "How many village work teams did the province send?",
    "How many medical experts did Liling bring in over the past five years?",
]
UNKNOWN_WORDS = "曹慧泉主持会议"  # a name jieba's dictionary lacks: tagging it runs the HMM (qa.postag)
K_MAX = 10  # most passages a reply shows
MAX_HISTORY = 60  # messages a conversation keeps (30 questions): what the page sends back with each question
MAX_RECORDS = MAX_HISTORY // 2  # answers of a page that can be rated and exported (their records are kept)


class Refused(ValueError):
    """A web input the chat does not take; the message is the one-line reply (and log line)."""


class Archive:
    """The index the app serves, opened on first use (so the page works while it is still missing)."""

    def __init__(self, path: str | Path, model: str | None = None, *, editable: bool = True):
        self.path = store.location(path)
        self.model = model
        self.editable = editable
        self._index: Index | None = None
        self._lock = threading.Lock()

    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index.open(self.path)
            return self._index

    def issues(self) -> list[dict]:
        try:
            return self.index().issues()
        except QAError:
            return []

    def how_to_add(self, lang: str = "en") -> str:
        return say(lang, "how_to_add" if self.editable else "how_to_add_read_only")

    def warm_up(self) -> None:
        """Load the search files, the query encoder and the answer finder (the English one's dictionary too), so the
        first reader does not wait; and the part-of-speech tagger's tables for words jieba does not know, which the
        examples do not reach (~0.13 s on the first name question)."""
        try:
            index = self.index()
            if len(index):
                for question in (EXAMPLES[0], EXAMPLES[-1]):  # one Chinese, one English
                    index.ask(question, k=3)
            posseg().lcut(UNKNOWN_WORDS)
        except Exception:  # noqa: BLE001 - the first real question reports the problem properly
            log.exception("warm-up failed")


# ---------- a question and its reply ----------


def one_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _friendly(e: Exception, archive: Archive, lang: str) -> str:
    if isinstance(e, IndexMissing):
        return say(lang, "no_index", path=text(archive.path), how=archive.how_to_add(lang))
    if isinstance(e, ValueError) and str(e) == "empty question":
        return say(lang, "empty_question")
    return f"⚠ {text(one_line(e))}"


def _text_of(message) -> str | None:
    """The text of one chat message as sent: its content string, or the joined text parts of a content list."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        parts = [c.get("text") for c in content if isinstance(c, dict) and c.get("type", "text") == "text"]
        content = "".join(p for p in parts if isinstance(p, str)) if parts else None
    return content if isinstance(content, str) else None


def conversation(history) -> list[dict]:
    """The text messages of the chat history the page (or a program) sent, as {role, content}; anything else is
    dropped (files, components, malformed entries), and only the last MAX_HISTORY - 2 are kept (room for the next
    question and its reply)."""
    messages = [
        {"role": m["role"], "content": text}
        for m in (history if isinstance(history, list) else [])
        if (text := _text_of(m)) is not None and m.get("role") in ("user", "assistant")
    ]
    return messages[-(MAX_HISTORY - 2) :]


def earlier_questions(history: list[dict]) -> list[str]:
    """The reader's questions of a conversation (as conversation() keeps it), oldest first, as they were typed: what
    Index.ask takes as history to understand a follow-up. Questions that were refused for their length are left out."""
    questions = (html.unescape(m["content"]) for m in history if m["role"] == "user")
    return [q for q in questions if q.strip() and len(q) <= MAX_QUESTION_CHARS]


def _passages(k) -> int:
    whole = isinstance(k, int) or (isinstance(k, float) and k.is_integer())
    if isinstance(k, bool) or not whole or not 1 <= k <= K_MAX:
        raise Refused(f"The number of passages must be a whole number from 1 to {K_MAX}, not {k!r}.")
    return int(k)


def _issue_ids(archive: Archive, issues) -> list[str] | None:
    issues = [issues] if isinstance(issues, str) and issues else issues or []
    if not isinstance(issues, list) or not all(isinstance(i, str) for i in issues):
        raise Refused("The issues to search must be a list of issue ids (see the /issues endpoint).")
    known = {i["issue_id"] for i in archive.issues()} if issues else set()
    if unknown := [i for i in issues if i not in known]:
        raise Refused(f"No issue {unknown[0]!r} in the archive; the /issues endpoint lists the issue ids.")
    return issues or None


def checked(archive: Archive, question: str, k, issues, mode, lang: str = "en") -> tuple[int, list[str] | None, str]:
    """The settings of a question as the search takes them, or Refused naming what is wrong."""
    if len(question) > MAX_QUESTION_CHARS:
        raise Refused(say(lang, "too_long", n=len(question), limit=MAX_QUESTION_CHARS))
    if mode not in MODES:
        raise Refused(f"Unknown search mode {mode!r}; use one of {', '.join(MODES)}.")
    return _passages(k), _issue_ids(archive, issues), mode


def answer_record(question: str, answer) -> dict:
    """What a reply's thumbs and the conversation export keep: the question (and how it was understood), the answer
    and the citations shown."""
    return {
        "question": question,
        "understood_as": answer.understood_as,
        "answer": answer.text,
        "sentence": answer.sentence,
        "citation": answer.citation,
        "confidence": round(answer.confidence, 3),
        "citations": [{"rank": r, **p.to_dict()} for r, p in enumerate(cited(answer), 1)],
    }


@dataclasses.dataclass
class Turn:
    """A checked question of a conversation, in the language of the page."""

    question: str
    earlier: list[str]
    k: int
    issues: list[str] | None
    mode: str
    lang: str


def _reply(archive: Archive, turn: Turn):
    """(reply HTML, explanation HTML, the answer's record or None) for a checked question."""
    lang = turn.lang
    try:
        index = archive.index()
        if not len(index):
            return say(lang, "empty_archive", how=archive.how_to_add(lang)), "", None
        answer = index.ask(turn.question, k=turn.k, history=turn.earlier, mode=turn.mode, issues=turn.issues)
    except (QAError, ParseError, ValueError) as e:
        if not isinstance(e, IndexMissing):
            log.warning("question not answered: %s", one_line(e))
        return _friendly(e, archive, lang), "", None
    except Exception as e:  # noqa: BLE001 - never a traceback on the page
        log.exception("question failed: %r", turn.question)
        return say(lang, "server_error", kind=type(e).__name__), "", None
    asked = answer.understood_as or turn.question
    try:
        explained = explain_html(asked, index.explain(asked))
    except Exception:  # noqa: BLE001 - the answer matters more than its explanation
        log.exception("explain failed: %r", asked)
        explained = ""
    return answer_html(answer, lang), explained, answer_record(turn.question, answer)


def ask(archive: Archive, question, history, k, issues, mode, lang="zh") -> tuple[list[dict], str, dict | None]:
    """One turn of the chat, from the values as the page or a program sent them: (the conversation with the question
    and its reply, what the search looked for, the answer's record or None). The reader's earlier questions of the
    conversation are the history a follow-up is understood with. An empty question changes nothing. Never raises."""
    history, lang = conversation(history), lang_of(lang)
    if not isinstance(question, str):
        log.warning("refused a question: not text (%s)", type(question).__name__)
        return history + [{"role": "assistant", "content": say(lang, "not_text")}], "", None
    question = question.strip()
    if not question:
        return history, "", None
    earlier = earlier_questions(history)
    history.append({"role": "user", "content": text(question)})
    try:
        turn = Turn(question, earlier, *checked(archive, question, k, issues, mode, lang), lang)
    except Refused as e:
        log.warning("refused a question: %s", e)
        return history + [{"role": "assistant", "content": text(e)}], "", None
    reply, explained, record = _reply(archive, turn)
    return history + [{"role": "assistant", "content": reply}], explained, record


def kept_records(records: dict | None, history: list[dict], record: dict | None, dropped: int = 0) -> dict:
    """The records of the answers still on the page, by message index (after the first `dropped` messages left the
    conversation), with the new answer's record; the newest MAX_RECORDS."""
    records = {i - dropped: r for i, r in (records or {}).items() if i >= dropped}
    if record is not None:
        records[len(history) - 1] = record
    return {i: records[i] for i in sorted(records)[-MAX_RECORDS:]}


def upload_paths(files) -> list:
    return [f.get("path") if isinstance(f, dict) else f for f in files]


def uploaded_blobs(files) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The (path, bytes) of the uploaded files that pass the checks of `qa index add` (size limit, at most
    MAX_UPLOAD_FILES), and one line for each that does not."""
    files = upload_paths(files)
    if len(files) > MAX_UPLOAD_FILES:
        return [], [f"{len(files)} files: add at most {MAX_UPLOAD_FILES} at a time"]
    blobs, refused, limit = [], [], max_issue_bytes()
    for f in map(Path, files):
        try:
            check_file(f, {}, limit)
            blobs.append((str(f), f.read_bytes()))
        except (ParseError, OSError) as e:
            refused.append(one_line(e))
    return blobs, refused


def read_uploads(files, **given: str | None) -> tuple[list, list[str]]:
    """The issues of the uploaded files (checked as `qa index add` checks files: size limit, encodings; pages uploaded
    together make one issue as files given by name do; given: the issue_id, date and paper `qa index add` takes), and
    a one-line refusal for each file or issue that is not one; the upload folders are left out of names and
    messages."""
    blobs, refused = uploaded_blobs(files)
    issues, failed = inputs.read_uploads(blobs, **given)
    folders = {f"{Path(str(f)).parent}{os.sep}" for f in upload_paths(files)}
    refused = [f"✗ {_without(line, folders)}" for line in refused + failed]
    for line in refused:
        log.warning("refused an upload: %s", line[2:])
    return [dataclasses.replace(i, source=Path(i.source).name) for i in issues], refused


def _without(line: str, folders: set[str]) -> str:
    for folder in folders:
        line = line.replace(folder, "")
    return line
