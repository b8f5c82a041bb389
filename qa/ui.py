"""The web chat (Gradio): ask the archive, read the cited paragraphs, manage issues, leave feedback."""

import html
import logging
import os
import threading
import time
from pathlib import Path

from .errors import IndexMissing, QAError
from .index import MAX_QUESTION_CHARS, Index, write
from .inputs import read_uploads
from .parse import ParseError
from .search import MODES

# Offline product: no analytics calls (must be set before gradio is imported).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

EXAMPLES = [  # questions about the bundled sample issue
    "市派驻村工作队有多少支?",
    "今年计划改造多少个老旧小区?",
    "城市更新公司什么时候揭牌?",
    "How many pairs of trains will the Changsha-Zhuzhou-Xiangtan intercity railway run?",
    "How many village work teams did Zhuzhou send out?",
]
UPLOAD_TYPES = [".txt", ".pdf", ".html", ".htm", ".docx", ".png", ".jpg", ".jpeg", ".tif", ".tiff"]  # read by content
CSS = """
.qa-cite summary { cursor: pointer; }
.qa-cite mark { background: #fde68a; color: inherit; padding: 0 1px; }
.qa-cite .qa-para { margin: 4px 0 8px 1.2em; white-space: pre-wrap; }
"""


class Archive:
    """The index the app serves, opened on first use (so the page works while it is still missing)."""

    def __init__(self, path: str | Path, model: str | None = None):
        self.path = Path(path)
        self.model = model
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

    def warm_up(self) -> None:
        """Load the search files, the query encoder and the answer finder, so the first reader does not wait."""
        try:
            index = self.index()
            if len(index):
                for question in (EXAMPLES[0], EXAMPLES[-1]):  # one Chinese, one English
                    index.ask(question, k=3)
        except Exception:  # noqa: BLE001 - the first real question reports the problem properly
            log.exception("warm-up failed")


# ---------- answers as chat messages ----------


def _friendly(e: Exception, path: Path) -> str:
    if isinstance(e, IndexMissing):
        return f"There is no index at `{path}/` yet: add an issue file in the **Archive** tab."
    if isinstance(e, ValueError) and str(e) == "empty question":
        return "Please type a question first."
    return f"⚠ {html.escape(str(e).splitlines()[0] if str(e) else type(e).__name__)}"


def _highlight(text: str, sentence: tuple[int, int] | None, answer: tuple[int, int] | None) -> str:
    """The paragraph as HTML: the supporting sentence marked, the short answer in it bold."""
    if sentence is None:
        return html.escape(text)
    s0, s1 = sentence
    inner = html.escape(text[s0:s1])
    if answer and s0 <= answer[0] < answer[1] <= s1:
        a0, a1 = answer
        inner = html.escape(text[s0:a0]) + "<b>" + html.escape(text[a0:a1]) + "</b>" + html.escape(text[a1:s1])
    return html.escape(text[:s0]) + "<mark>" + inner + "</mark>" + html.escape(text[s1:])


def _spans(answer, passage) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(sentence, short answer) offsets in this passage's text, when it is the passage the answer comes from."""
    best = answer.passage
    if best is None or passage.id != best.id or not answer.sentence:
        return None, None
    start, end = answer.sentence_start, answer.sentence_end
    if passage.text[start:end] != answer.sentence:
        start = passage.text.find(answer.sentence)
        if start < 0:
            return None, None
        end = start + len(answer.sentence)
    span = None
    if answer.text and answer.answer_start is not None and answer.answer_end is not None:
        span = (answer.answer_start, answer.answer_end)
    return (start, end), span


def citation_line(rank: int, passage) -> str:
    return f"[{rank}] {passage.citation} · score {passage.score:.2f}"


def render_answer(answer) -> str:
    """The reply: the short answer (when there is one), then numbered citations that expand to the paragraph."""
    passages = list(answer.passages or [])
    if not passages:
        return "No passage in the archive matches this question. Try other words, or search more issues."
    parts = []
    best = answer.passage
    best_rank = next((r for r, p in enumerate(passages, 1) if best is not None and p.id == best.id), None)
    if answer.text:
        ref = f" [{best_rank}]" if best_rank else ""
        parts.append(f"**{html.escape(answer.text)}**{ref} <small>(confidence {answer.confidence:.2f})</small>")
        if answer.sentence:
            parts.append(f"> {html.escape(answer.sentence)}")
    else:
        parts.append("No answer found in the archive. The closest passages:")
    cites = []
    for r, p in enumerate(passages, 1):
        sentence, span = _spans(answer, p)
        cites.append(
            f'<details class="qa-cite"><summary>{html.escape(citation_line(r, p))}</summary>'
            f'<div class="qa-para">{_highlight(p.text, sentence, span)}</div></details>'
        )
    parts.append("\n".join(cites))
    return "\n\n".join(parts)


def explain_markdown(info: dict) -> str:
    """What the search looked for: the index words of the question, and the Chinese terms of an English one."""
    parts = []
    terms = [
        f"- *{html.escape(t['english'])}* → "
        + (", ".join(f"{html.escape(c)} ({w:.2f})" for c, w in t["chinese"]) or "—")
        for t in info.get("translated") or []
    ]
    if terms:
        parts.append("**English words searched as Chinese terms** (weight):\n" + "\n".join(terms))
    words = info.get("tokens") or []
    parts.append(f"**Words of the question found in the index:** {html.escape(' '.join(words)) if words else 'none'}")
    if "dense_weight" in info:
        parts.append(f"**Weight of meaning (dense) against words (lexical):** {info['dense_weight']}")
    return "\n\n".join(parts)


def _explain(index, question: str) -> str:
    try:
        return f"*{html.escape(question)}*\n\n" + explain_markdown(index.explain(question))
    except Exception:  # noqa: BLE001 - the answer matters more than its explanation
        log.exception("explain failed: %r", question)
        return ""


def answer_record(question: str, answer) -> dict:
    return {
        "question": question,
        "answer": answer.text,
        "sentence": answer.sentence,
        "confidence": round(answer.confidence, 3),
        "citations": [{"rank": r, **p.to_dict()} for r, p in enumerate(answer.passages or [], 1)],
    }


# ---------- the archive as tables and choices ----------


def issue_rows(issues: list[dict]) -> list[list]:
    return [
        [
            i["issue_id"],
            i["paper"] or "",
            i["date"] or "",
            i["articles"],
            i["passages"],
            time.strftime("%Y-%m-%d %H:%M", time.localtime(i["added_at"])),
        ]
        for i in issues
    ]


def issue_choices(issues: list[dict]) -> list[tuple[str, str]]:
    return [
        (
            " · ".join(x for x in (i["paper"], i["date"], f"{i['passages']} passages") if x)
            + ("" if i["paper"] and i["date"] else f" ({i['issue_id']})"),
            i["issue_id"],
        )
        for i in issues
    ]


def status_line(archive: Archive) -> str:
    try:
        index = archive.index()
        issues = index.issues()
        return (
            f"Model **{index.model_id}** · index `{archive.path}/` · {len(issues)} issue{'s' * (len(issues) != 1)},"
            f" {len(index)} passages"
        )
    except QAError as e:
        return f"Index `{archive.path}/`: {html.escape(str(e))}"


def build(path: str | Path, model: str | None = None, *, archive: Archive | None = None):
    """The gr.Blocks app serving the index at path."""
    import gradio as gr

    archive = archive or Archive(path, model)

    def archive_views(note: str = ""):
        issues = archive.issues()
        choices = issue_choices(issues)
        ids = [i["issue_id"] for i in issues]
        return (
            note,
            issue_rows(issues),
            gr.update(choices=choices, value=[]),
            gr.update(choices=choices, value=ids[0] if ids else None),
            status_line(archive),
        )

    def respond(question, history, k, issues, mode, records):
        question = (question or "").strip()
        history = list(history or [])
        records = dict(records or {})
        explained = ""
        if not question:
            history.append({"role": "assistant", "content": "Please type a question first."})
            return history, "", records, explained
        history.append({"role": "user", "content": question})
        if len(question) > MAX_QUESTION_CHARS:
            reply = (
                f"That question is {len(question)} characters long; please keep it to "
                f"{MAX_QUESTION_CHARS} characters or fewer."
            )
        else:
            try:
                index = archive.index()
                if not len(index):
                    reply = "The archive is empty: add an issue file in the **Archive** tab."
                else:
                    answer = index.ask(question, k=int(k), mode=mode, issues=list(issues or []) or None)
                    reply = render_answer(answer)
                    records[len(history)] = answer_record(question, answer)
                    explained = _explain(index, question)
            except (QAError, ParseError, ValueError) as e:
                reply = _friendly(e, archive.path)
            except Exception as e:  # noqa: BLE001 - never a traceback on the page
                log.exception("question failed: %r", question)
                reply = f"⚠ Something went wrong on the server ({type(e).__name__}); the server log has the details."
        history.append({"role": "assistant", "content": reply})
        return history, "", records, explained

    def on_like(records, data: gr.LikeData):
        record = (records or {}).get(data.index if isinstance(data.index, int) else data.index[0])
        if record is None:
            return
        try:
            from .store import add_feedback

            add_feedback(archive.path, record["question"], record["answer"], record["citations"], bool(data.liked))
        except Exception:  # noqa: BLE001 - feedback must never break the chat
            log.exception("could not store feedback")
            gr.Warning("Your feedback could not be saved.")

    def add_issues(files, replace, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's idiom
        files = [files] if isinstance(files, str) else list(files or [])
        if not files:
            return archive_views("Choose one or more issue files first.") + (None,)
        progress(0, desc="Reading files")
        blobs, unread = [], []
        for f in files:
            try:
                blobs.append((Path(f).name, Path(f).read_bytes()))
            except OSError as e:
                unread.append(f"{Path(f).name}: cannot read it ({e.strerror})")
        parsed, unreadable = read_uploads(blobs, progress=True)  # pages uploaded together: one issue (README)
        failed = [f"✗ {html.escape(line)}" for line in unread + unreadable]
        lines = []
        if parsed:
            progress(0.5, desc=f"Embedding and indexing {len(parsed)} issue(s)")
            try:
                reports = write(archive.path, parsed, model=archive.model, replace=bool(replace), progress=True)
                lines = [f"✓ {html.escape(str(r))}" for r in reports]
            except (QAError, ParseError, ValueError) as e:
                lines = [f"✗ nothing was added: {html.escape(str(e))}"]
            except Exception as e:  # noqa: BLE001
                log.exception("adding issues failed")
                lines = [f"✗ nothing was added ({type(e).__name__}); the server log has the details."]
        return archive_views("\n\n".join(lines + failed)) + (None,)

    def ask_remove(issue_id):
        if not issue_id:
            return gr.update(visible=False), ""
        found = next((i for i in archive.issues() if i["issue_id"] == issue_id), None)
        if found is None:
            return gr.update(visible=False), f"No issue {html.escape(issue_id)} in the archive."
        return (
            gr.update(visible=True),
            f"Remove **{html.escape(issue_id)}** ({found['passages']} passages) from the archive? "
            "Its feedback stays; the issue can be added again from its file.",
        )

    def remove_issue(issue_id):
        if not issue_id:
            return archive_views("Choose an issue to remove.") + (gr.update(visible=False),)
        try:
            reports = write(archive.path, [], remove=[issue_id])
            note = "\n\n".join(("✓ " if r.status == "removed" else "✗ ") + html.escape(str(r)) for r in reports)
        except (QAError, ValueError) as e:
            note = f"✗ {html.escape(str(e))}"
        return archive_views(note) + (gr.update(visible=False),)

    def list_issues() -> list[dict]:
        """The indexed issues, newest first."""
        return archive.issues()

    with gr.Blocks(title="Newspaper QA", analytics_enabled=False) as demo:
        gr.Markdown(
            "## Newspaper QA · 报纸问答\nAsk the archive in Chinese or English: the short answer first, "
            "then the paragraphs it comes from."
        )
        records = gr.State({})
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(
                        label="Chat",
                        height=520,
                        elem_id="qa-chat",
                        buttons=["copy"],
                        feedback_options=("Like", "Dislike"),
                        placeholder="Ask about the indexed newspaper issues.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Type a question (中文 or English) and press Enter",
                            show_label=False,
                            scale=5,
                            max_lines=4,
                            elem_id="qa-question",
                            autofocus=True,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-send")
                    gr.Examples(EXAMPLES, inputs=[question], label="Example questions", elem_id="qa-examples")
                    with gr.Accordion("How the last question was searched", open=False):
                        explained = gr.Markdown(elem_id="qa-explain")
                with gr.Column(scale=1, min_width=260):
                    gr.Markdown("### Settings")
                    k = gr.Slider(1, 10, value=5, step=1, label="Passages to show")
                    initial = archive.issues()
                    issue_filter = gr.Dropdown(
                        issue_choices(initial),
                        value=[],
                        multiselect=True,
                        label="Issues to search",
                        info="Newest first; none chosen = all",
                    )
                    mode = gr.Radio(
                        list(MODES),
                        value="hybrid",
                        label="Search mode",
                        info="hybrid = words + meaning; dense = meaning; lexical = words",
                    )
                    status = gr.Markdown(status_line(archive), elem_id="qa-status")
        with gr.Tab("Archive", id="archive"):
            issue_table = gr.Dataframe(
                issue_rows(initial),
                headers=["Issue", "Paper", "Date", "Articles", "Passages", "Added"],
                interactive=False,
                label="Indexed issues",
                elem_id="qa-issues",
            )
            with gr.Row():
                with gr.Column():
                    files = gr.File(
                        file_count="multiple",
                        file_types=UPLOAD_TYPES,
                        label="Issue files: text, PDF, HTML, Word, scans (pages of one day together: one issue)",
                        elem_id="qa-upload",
                    )
                    replace = gr.Checkbox(label="Replace an issue already indexed from another file")
                    add = gr.Button("Add to archive", variant="primary", elem_id="qa-add")
                with gr.Column():
                    remove_choice = gr.Dropdown(
                        [(c[0], c[1]) for c in issue_choices(initial)],
                        value=initial[0]["issue_id"] if initial else None,
                        label="Issue to remove",
                        elem_id="qa-remove-choice",
                    )
                    remove = gr.Button("Remove issue…", variant="stop", elem_id="qa-remove")
                    with gr.Group(visible=False) as confirm_box:
                        confirm_text = gr.Markdown()
                        with gr.Row():
                            confirm = gr.Button("Yes, remove it", variant="stop", elem_id="qa-confirm")
                            cancel = gr.Button("Cancel", elem_id="qa-cancel")
            note = gr.Markdown(elem_id="qa-note")

        ask_inputs = [question, chat, k, issue_filter, mode, records]
        ask_outputs = [chat, question, records, explained]
        question.submit(respond, ask_inputs, ask_outputs, api_name="ask", concurrency_id="ask", show_progress_on=chat)
        send.click(
            respond, ask_inputs, ask_outputs, api_visibility="private", concurrency_id="ask", show_progress_on=chat
        )
        chat.clear(lambda: {}, None, [records], api_visibility="private", queue=False)
        chat.like(on_like, [records], None, api_visibility="private")

        views = [note, issue_table, issue_filter, remove_choice, status]
        add.click(
            add_issues,
            [files, replace],
            views + [files],
            api_name="add_issues",
            concurrency_limit=1,
            concurrency_id="write",
            show_progress_on=files,
        )
        remove.click(ask_remove, [remove_choice], [confirm_box, confirm_text], api_visibility="private")
        cancel.click(lambda: gr.update(visible=False), None, [confirm_box], api_visibility="private")
        confirm.click(
            remove_issue,
            [remove_choice],
            views + [confirm_box],
            api_name="remove_issue",
            concurrency_limit=1,
            concurrency_id="write",
            show_progress_on=remove_choice,
        )
        gr.api(list_issues, api_name="issues")
        demo.load(lambda: archive_views(), None, views, api_visibility="private")
    return demo


def theme():
    """Gradio's default look with the system's fonts (the page loads nothing from the internet)."""
    import gradio as gr

    return gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def single_threaded_kernels() -> None:
    """One BLAS/OpenMP thread per computation: readers are already served in parallel, and per-request thread pools
    only oversubscribe the cores (measured on 2 cores, 4 concurrent askers: 27 -> 72 answers/s). FAISS is set to one
    thread by Index itself."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def launch(
    path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    model: str | None = None,
    concurrency: int = 4,
    quiet: bool = False,
):
    """Serve the app (blocks until stopped); the search files and query encoder load while the server starts."""
    single_threaded_kernels()
    archive = Archive(path, model)
    threading.Thread(target=archive.warm_up, daemon=True).start()  # overlaps the import of gradio
    demo = build(path, model, archive=archive)
    demo.queue(default_concurrency_limit=concurrency)
    return demo.launch(
        server_name=host,
        server_port=port,
        theme=theme(),
        css=CSS,
        quiet=quiet,
        show_error=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        footer_links=["api"],
        max_file_size="50mb",
    )
