"""The chat page (Gradio): ask the archive, read the cited paragraphs, leave feedback; the Archive tab."""

import logging
from pathlib import Path

from ..chat import EXAMPLES, K_MAX, Archive, ask, conversation, kept_records, one_line
from ..errors import QAError
from ..render import text
from ..search import MODES
from .archive import archive_controls, issue_choices, issue_rows
from .server import checked_blocks

log = logging.getLogger(__name__)


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
            from ..store import add_feedback

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
                note, remove_choice = archive_controls(gr, archive, archive_views, [issue_table, issue_filter, status])
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
