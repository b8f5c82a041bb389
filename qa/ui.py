"""The web chat (Gradio): ask the archive, read the cited paragraphs, manage issues, leave feedback."""

import logging
import os
import sys
import threading
import time
from pathlib import Path

from .access import Access
from .chat import EXAMPLES, K_MAX, Archive, ask, conversation, kept_records, one_line, read_uploads
from .errors import QAError
from .guard import Guard
from .index import write
from .inputs import max_issue_bytes
from .parse import ParseError
from .render import text
from .search import MODES

# Offline product: no analytics calls (must be set before gradio is imported).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".pdf", ".html", ".htm", ".docx", ".png", ".jpg", ".jpeg", ".tif", ".tiff"]  # read by content

CSS = """
.qa-cite summary { cursor: pointer; }
.qa-cite mark { background: #fde68a; color: inherit; padding: 0 1px; }
.qa-cite .qa-para { margin: 4px 0 8px 1.2em; white-space: pre-wrap; }
.qa-sentence { margin: 4px 0 8px; padding-left: 10px; border-left: 3px solid #d1d5db; }
.qa-lines { white-space: pre-line; }
"""
SESSIONS = 300  # sessions whose state the server keeps (Gradio's default, 10 000, held ~65 KB each)


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
            f"Model <b>{text(index.model_id)}</b> · index <code>{text(archive.path)}/</code> · {len(issues)}"
            f" issue{'s' * (len(issues) != 1)}, {len(index)} passages"
        )
    except QAError as e:
        return f"Index <code>{text(archive.path)}/</code>: {text(one_line(e))}"


def refusal(e: Exception) -> str:
    """One line for an input Gradio could not take: the first complaint of a validation error, else the message."""
    errors = getattr(e, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(map(str, first.get("loc", ())))
        return f"{getattr(e, 'title', type(e).__name__)}: {first.get('msg')}" + (f" ({where})" if where else "")
    return f"{type(e).__name__}: {one_line(e)}"


def checked_blocks():
    """gr.Blocks whose calls with inputs Gradio cannot take (a malformed chat history or file list, a path outside
    the uploads, a value out of a component's range) are refused in one log line and one error message, not a
    traceback (Gradio prints one for any exception that is not a quiet gr.Error)."""
    import gradio as gr

    class Blocks(gr.Blocks):
        async def preprocess_data(self, block_fn, inputs, state, explicit_call=False):
            try:
                return await super().preprocess_data(block_fn, inputs, state, explicit_call)
            except Exception as e:  # noqa: BLE001 - every refusal is one line, whatever Gradio raised
                reason = refusal(e)
                log.warning("refused a call of %s: %s", block_fn.api_name or block_fn.name, reason)
                raise gr.Error(reason, print_exception=False) from None

    return Blocks


def build(path: str | Path, model: str | None = None, *, archive: Archive | None = None, read_only: bool = False):
    """The gr.Blocks app serving the index at path; read_only registers no endpoint that changes the archive."""
    import gradio as gr

    archive = archive or Archive(path, model, editable=not read_only)

    def archive_views(note: str = ""):
        issues = archive.issues()
        choices = issue_choices(issues)
        views = [note, issue_rows(issues), gr.update(choices=choices, value=[]), status_line(archive)]
        if archive.editable:
            views.append(gr.update(choices=choices, value=issues[0]["issue_id"] if issues else None))
        return tuple(views)

    def respond(question, history, k, issues, mode, records):
        kept = conversation(history)
        dropped = len(history) - len(kept) if isinstance(history, list) else 0  # the oldest, once it is long
        history, explained, record = ask(archive, question, kept, k, issues, mode)
        return history, "", kept_records(records, history, record, dropped), explained

    def api_ask(question, history, k, issues, mode):
        history, explained, _ = ask(archive, question, history, k, issues, mode)
        return history, "", explained

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

    def list_issues() -> list[dict]:
        """The indexed issues, newest first."""
        return archive.issues()

    with checked_blocks()(title="Newspaper QA", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
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
                        render_markdown=False,  # messages are inert HTML (qa.render): no Markdown, links or images
                        latex_delimiters=[],
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
                        explained = gr.HTML(elem_id="qa-explain", js_on_load=None)
                with gr.Column(scale=1, min_width=260):
                    gr.Markdown("### Settings")
                    k = gr.Slider(1, K_MAX, value=5, step=1, label="Passages to show")
                    issue_filter = gr.Dropdown(
                        [],
                        value=[],
                        multiselect=True,
                        allow_custom_value=True,  # the archive changes after start: chat.ask() checks the ids
                        label="Issues to search",
                        info="Newest first; none chosen = all",
                    )
                    mode = gr.Radio(
                        list(MODES),
                        value="hybrid",
                        label="Search mode",
                        info="hybrid = words + meaning; dense = meaning; lexical = words",
                    )
                    status = gr.HTML(elem_id="qa-status", js_on_load=None)
        with gr.Tab("Archive", id="archive"):
            issue_table = gr.Dataframe(
                headers=["Issue", "Paper", "Date", "Articles", "Passages", "Added"],
                interactive=False,
                datatype="str",  # shown as text: a paper named **x** or $$x$$ is shown so
                latex_delimiters=[],
                label="Indexed issues",
                elem_id="qa-issues",
            )
            if archive.editable:
                note, remove_choice = _archive_controls(gr, archive, archive_views, [issue_table, issue_filter, status])
            else:
                gr.Markdown(
                    "This chat is read-only: issues are added and removed on the server with `qa index add` and"
                    " `qa index remove`."
                )
                note = gr.HTML(elem_id="qa-note", elem_classes=["qa-lines"], js_on_load=None)

        # the page's own events carry the records its thumbs need; programs call the stateless /ask below
        ask_inputs = [question, chat, k, issue_filter, mode]
        for event in (question.submit, send.click):
            event(
                respond,
                ask_inputs + [records],
                [chat, question, records, explained],
                api_visibility="private",
                concurrency_id="ask",
                show_progress_on=chat,
                preprocess=False,  # ask() checks the raw values: a bad one is a one-line reply, not a traceback
            )
        api_trigger = gr.Button(visible=False)
        api_trigger.click(
            api_ask, ask_inputs, [chat, question, explained], api_name="ask", concurrency_id="ask", preprocess=False
        )
        chat.clear(lambda: {}, None, [records], api_visibility="private", queue=False)
        chat.like(on_like, [records], None, api_visibility="private")
        gr.api(list_issues, api_name="issues")
        views = [note, issue_table, issue_filter, status] + ([remove_choice] if archive.editable else [])
        demo.load(lambda: archive_views(), None, views, api_visibility="private")
    return demo


def _archive_controls(gr, archive: Archive, archive_views, shown: list):
    """The Archive tab's upload, add and remove controls and their endpoints (/add_issues, /remove_issue):
    (the note they write, the issue-to-remove choice). Not built at all for a read-only chat."""

    def add_issues(files, replace, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's idiom
        files = [files] if isinstance(files, str | dict) else list(files or [])
        if not files:
            return archive_views("Choose one or more issue files first.") + (None,)
        progress(0.1, desc="Reading files")
        parsed, lines = read_uploads(files)
        if parsed:
            progress(0.5, desc=f"Embedding and indexing {len(parsed)} issue(s)")
            try:
                reports = write(archive.path, parsed, model=archive.model, replace=replace is True, progress=True)
                lines = [f"✓ {r}" for r in reports] + lines
            except (QAError, ParseError, ValueError) as e:
                log.warning("refused an upload: %s", one_line(e))
                lines = [f"✗ nothing was added: {one_line(e)}"] + lines
            except Exception as e:  # noqa: BLE001
                log.exception("adding issues failed")
                lines = [f"✗ nothing was added ({type(e).__name__}); the server log has the details."] + lines
        return archive_views(text("\n\n".join(lines))) + (None,)

    def ask_remove(issue_id):
        if not issue_id:
            return gr.update(visible=False), ""
        found = next((i for i in archive.issues() if i["issue_id"] == issue_id), None)
        if found is None:
            return gr.update(visible=False), f"No issue {text(issue_id)} in the archive."
        return (
            gr.update(visible=True),
            f"Remove <b>{text(issue_id)}</b> ({found['passages']} passages) from the archive? "
            "Its feedback stays; the issue can be added again from its file.",
        )

    def remove_issue(issue_id):
        if not issue_id or not isinstance(issue_id, str):
            return archive_views("Choose an issue to remove.") + (gr.update(visible=False),)
        try:
            reports = write(archive.path, [], remove=[issue_id])
            note = "\n\n".join(("✓ " if r.status == "removed" else "✗ ") + str(r) for r in reports)
        except (QAError, ValueError) as e:
            log.warning("refused a removal: %s", one_line(e))
            note = f"✗ {one_line(e)}"
        return archive_views(text(note)) + (gr.update(visible=False),)

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
                [],
                value=None,
                allow_custom_value=True,  # the archive changes after start: remove_issue() checks the id
                label="Issue to remove",
                elem_id="qa-remove-choice",
            )
            remove = gr.Button("Remove issue…", variant="stop", elem_id="qa-remove")
            with gr.Group(visible=False) as confirm_box:
                confirm_text = gr.HTML(js_on_load=None)
                with gr.Row():
                    confirm = gr.Button("Yes, remove it", variant="stop", elem_id="qa-confirm")
                    cancel = gr.Button("Cancel", elem_id="qa-cancel")
    note = gr.HTML(elem_id="qa-note", elem_classes=["qa-lines"], js_on_load=None)

    views = [note] + shown + [remove_choice]
    add.click(
        add_issues,
        [files, replace],
        views + [files],
        api_name="add_issues",
        concurrency_limit=1,
        concurrency_id="write",
        show_progress_on=files,
        preprocess=False,  # the uploaded files' paths as sent (checked by Gradio to be uploads): no type traceback
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
    return note, remove_choice


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
    access: Access | None = None,
    port: int = 7860,
    model: str | None = None,
    concurrency: int = 4,
    quiet: bool = False,
):
    """Serve the app as access says (default: loopback) and say so in one line; blocks until stopped. The search
    files and query encoder load while the server starts."""
    access = (access or Access("127.0.0.1")).check()
    single_threaded_kernels()
    archive = Archive(path, model, editable=not access.read_only)
    threading.Thread(target=archive.warm_up, daemon=True).start()  # overlaps the import of gradio
    from starlette.middleware import Middleware

    demo = build(path, model, archive=archive, read_only=access.read_only)
    demo.queue(default_concurrency_limit=concurrency)
    limit, names = max_issue_bytes(), {fn.api_name for fn in demo.fns.values() if fn.api_name}
    demo.launch(
        server_name=access.host,
        server_port=port,
        auth=access.users or None,
        auth_message="Newspaper QA: log in with the user and password the server was started with.",
        theme=theme(),
        css=CSS,
        quiet=True,
        show_error=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        footer_links=["api"],
        max_file_size=limit,
        state_session_capacity=SESSIONS,
        app_kwargs={
            "middleware": [Middleware(Guard, read_only=access.read_only, max_file_bytes=limit, endpoints=names)]
        },
        prevent_thread_lock=True,
    )
    if not quiet:
        host = f"[{access.host}]" if ":" in access.host else access.host
        print(f"app: {access.describe(f'http://{host}:{demo.server_port}/')}", file=sys.stderr, flush=True)
    demo.block_thread()
