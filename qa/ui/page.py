"""The chat page (Gradio): ask the archive, follow up, read the cited paragraphs, rate and export; the Archive tab.
The words are Chinese by default, English by the toggle (qa.strings); the conversation is kept in the browser."""

import logging
from pathlib import Path

from ..chat import EXAMPLES, K_MAX, Archive, ask, conversation, kept_records, one_line
from ..errors import QAError
from ..index import MAX_QUESTION_CHARS
from ..render import text
from ..search import MODES
from ..strings import LANG_NAMES, lang_of, say
from .archive import archive_controls, issue_choices, issue_table
from .conversation import STORAGE_KEY, export_files, restored, saved
from .server import SCROLL_TO_NEWEST, checked_blocks

log = logging.getLogger(__name__)
MAX_COMMENT_CHARS = 1000


def status_line(archive: Archive, lang: str = "zh") -> str:
    try:
        index = archive.index()
        n = len(index.issues())
        return say(lang, "status", model=text(index.model_id), path=text(archive.path), issues=n, s="s" * (n != 1),
                   passages=len(index))  # fmt: skip
    except QAError as e:
        return say(lang, "status_error", path=text(archive.path), error=text(one_line(e)))


def other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def build(path: str | Path, model: str | None = None, *, archive: Archive | None = None, read_only: bool = False):
    """The gr.Blocks app serving the index at path; read_only registers no endpoint that changes the archive."""
    import gradio as gr

    archive = archive or Archive(path, model, editable=not read_only)

    def archive_views(note: str = "", lang: str = "zh"):
        issues = archive.issues()
        choices = issue_choices(issues, lang)
        views = [note, issue_table(issues, lang), gr.update(choices=choices, value=[]), status_line(archive, lang)]
        if archive.editable:
            views.append(gr.update(choices=choices, value=issues[0]["issue_id"] if issues else None))
        return tuple(views)

    def respond(question, history, k, issues, mode, records, lang):
        """The page's turn: the reply added, the box cleared (kept when the question was refused), the records of the
        thumbs and the conversation the browser keeps."""
        lang = lang_of(lang)
        if isinstance(question, str) and not question.strip():
            gr.Warning(say(lang, "empty_question"), duration=3)
        kept = conversation(history)
        dropped = len(history) - len(kept) if isinstance(history, list) else 0  # the oldest, once it is long
        history, explained, record = ask(archive, question, kept, k, issues, mode, lang)
        records = kept_records(records, history, record, dropped)
        box = question if isinstance(question, str) and len(question.strip()) > MAX_QUESTION_CHARS else ""
        return history, box, records, explained, saved(history, records, lang)

    def api_ask(question, history, k, issues, mode):
        history, explained, _ = ask(archive, question, history, k, issues, mode)
        return history, "", explained

    def on_like(records, lang, data: gr.LikeData):
        """The rating stored; its id kept for a comment, and the comment box shown."""
        record = (records or {}).get(data.index if isinstance(data.index, int) else data.index[0])
        if record is None:
            return None, gr.update()
        try:
            from ..store import add_feedback

            liked = bool(data.liked)
            rated = add_feedback(archive.path, record["question"], record["answer"], record["citations"], liked)
            return rated, gr.update(visible=True)
        except Exception:  # noqa: BLE001 - feedback must never break the chat
            log.exception("could not store feedback")
            gr.Warning(say(lang, "feedback_failed"))
            return None, gr.update()

    def on_comment(rated, comment, lang):
        """The comment added to the last rating; the box emptied once it is stored, kept otherwise."""
        comment = comment.strip() if isinstance(comment, str) else ""
        if not isinstance(rated, int) or not comment:
            gr.Warning(say(lang, "comment_none"))
            return comment
        if len(comment) > MAX_COMMENT_CHARS:
            gr.Warning(say(lang, "comment_too_long", n=len(comment), limit=MAX_COMMENT_CHARS))
            return comment
        try:
            from ..store import comment_feedback

            comment_feedback(archive.path, rated, comment)
        except Exception:  # noqa: BLE001 - feedback must never break the chat
            log.exception("could not store a comment")
            gr.Warning(say(lang, "feedback_failed"))
            return comment
        gr.Info(say(lang, "comment_saved"))
        return ""

    def list_issues() -> list[dict]:
        """The indexed issues, newest first."""
        return archive.issues()

    with checked_blocks()(title="报纸问答 · Newspaper QA", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        kept = gr.BrowserState(saved([], {}, "zh"), storage_key=STORAGE_KEY)
        records = gr.State({})
        with gr.Row(elem_id="qa-top"):
            title = gr.Markdown(say("zh", "title"), elem_id="qa-title")
            toggle = gr.Button(LANG_NAMES["en"], size="sm", scale=0, min_width=80, elem_id="qa-lang")
        language = gr.State("zh")
        with gr.Tab(say("zh", "tab_ask"), id="ask") as ask_tab:
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(
                        label=say("zh", "chat"),
                        show_label=False,  # a floating label would cover the top of the conversation
                        height="var(--qa-chat-height)",  # server.CSS: the viewport's height less the rest of the page
                        autoscroll=False,  # SCROLL_TO_NEWEST shows the newest question and the top of its reply
                        elem_id="qa-chat",
                        buttons=["copy"],
                        feedback_options=("Like", "Dislike"),
                        placeholder=say("zh", "chat_placeholder"),
                        render_markdown=False,  # messages are inert HTML (qa.render): no Markdown, links or images
                        latex_delimiters=[],
                    )
                    with gr.Row(elem_id="qa-ask-row"):
                        question = gr.Textbox(
                            placeholder=say("zh", "question_placeholder"),
                            show_label=False,
                            scale=5,
                            max_lines=4,
                            elem_id="qa-question",
                            autofocus=True,
                        )
                        send = gr.Button(say("zh", "send"), variant="primary", scale=0, min_width=72, elem_id="qa-send")
                    chips = gr.Dataset(
                        components=[question],
                        samples=[[q] for q in EXAMPLES],
                        type="index",
                        label=say("zh", "examples"),
                        elem_id="qa-examples",
                    )
                    with gr.Row(elem_id="qa-tools"):
                        new = gr.Button(say("zh", "new"), size="sm", elem_id="qa-new")
                        export = gr.Button(say("zh", "export"), size="sm", elem_id="qa-export")
                    with gr.Row(visible=False, elem_id="qa-comment-row") as comment_row:
                        comment = gr.Textbox(
                            placeholder=say("zh", "comment"),
                            show_label=False,
                            scale=5,
                            max_lines=3,
                            elem_id="qa-comment",
                        )
                        comment_send = gr.Button(
                            say("zh", "comment_send"), size="sm", scale=0, elem_id="qa-comment-send"
                        )
                    with gr.Row(visible=False, elem_id="qa-exported") as exported:
                        as_md = gr.DownloadButton(say("zh", "download_md"), size="sm", elem_id="qa-export-md")
                        as_json = gr.DownloadButton(say("zh", "download_json"), size="sm", elem_id="qa-export-json")
                    with gr.Accordion(say("zh", "explain"), open=False) as explain_box:
                        explained = gr.HTML(elem_id="qa-explain", js_on_load=None)
                with gr.Column(scale=1, min_width=260):
                    settings = gr.Markdown(say("zh", "settings"))
                    k = gr.Slider(1, K_MAX, value=5, step=1, label=say("zh", "k"), info=say("zh", "k_info"))
                    issue_filter = gr.Dropdown(
                        [],
                        value=[],
                        multiselect=True,
                        allow_custom_value=True,  # the archive changes after start: chat.ask() checks the ids
                        label=say("zh", "issues"),
                        info=say("zh", "issues_info"),
                    )
                    mode = gr.Radio(list(MODES), value="hybrid", label=say("zh", "mode"), info=say("zh", "mode_info"))
                    status = gr.HTML(elem_id="qa-status", js_on_load=None)
        with gr.Tab(say("zh", "tab_archive"), id="archive") as archive_tab:
            table = gr.Dataframe(
                issue_table([]),
                interactive=False,
                datatype="str",  # shown as text: a paper named **x** or $$x$$ is shown so
                latex_delimiters=[],
                label=say("zh", "issues_table"),
                elem_id="qa-issues",
            )
            if archive.editable:
                shown = [table, issue_filter, status]
                note, remove_choice, archive_worded, archive_relabel = archive_controls(
                    gr, archive, archive_views, shown, language
                )
            else:
                archive_worded = [gr.Markdown(say("zh", "read_only"))]

                def archive_relabel(lang):
                    return (say(lang, "read_only"),)

                note = gr.HTML(elem_id="qa-note", elem_classes=["qa-lines"], js_on_load=None)

        def relabel(lang):
            """Every word of the page in lang."""
            lang = lang_of(lang)
            issues = archive.issues()
            return (*chat_words(lang, issues), gr.update(label=say(lang, "issues_table"), value=issue_table(issues, lang)),
                    *archive_relabel(lang))  # fmt: skip

        def chat_words(lang, issues):
            return (
                say(lang, "title"),
                gr.update(label=say(lang, "tab_ask")),
                gr.update(label=say(lang, "tab_archive")),
                gr.update(label=say(lang, "chat"), placeholder=say(lang, "chat_placeholder")),
                gr.update(placeholder=say(lang, "question_placeholder")),
                say(lang, "send"),
                gr.update(label=say(lang, "examples")),
                say(lang, "new"),
                say(lang, "export"),
                gr.update(label=say(lang, "download_md")),
                gr.update(label=say(lang, "download_json")),
                gr.update(label=say(lang, "explain")),
                gr.update(placeholder=say(lang, "comment")),
                say(lang, "comment_send"),
                say(lang, "settings"),
                gr.update(label=say(lang, "k"), info=say(lang, "k_info")),
                gr.update(
                    label=say(lang, "issues"), info=say(lang, "issues_info"), choices=issue_choices(issues, lang)
                ),
                gr.update(label=say(lang, "mode"), info=say(lang, "mode_info")),
                status_line(archive, lang),
            )

        worded = [title, ask_tab, archive_tab, chat, question, send, chips, new, export, as_md, as_json, explain_box]
        worded += [comment, comment_send, settings, k, issue_filter, mode, status, table]  # in relabel()'s order
        worded += archive_worded

        def switch(lang, history, records):
            """The other language: the page's words, the toggle (naming the language it switches to), kept."""
            lang = "en" if lang_of(lang) == "zh" else "zh"
            kept_now = saved(conversation(history), records or {}, lang)
            return (*relabel(lang), LANG_NAMES[other(lang)], lang, kept_now)

        def restore(value):
            history, records, lang = restored(value)
            return (history, records, *relabel(lang), LANG_NAMES[other(lang)], lang)

        toggle.click(
            switch, [language, chat, records], worded + [toggle, language, kept], api_visibility="private", queue=False
        )

        # the page's own events carry the records its thumbs need; programs call the stateless /ask below
        ask_inputs = [question, chat, k, issue_filter, mode]
        page_turn = dict(
            fn=respond,
            inputs=ask_inputs + [records, language],
            outputs=[chat, question, records, explained, kept],
            api_visibility="private",
            concurrency_id="ask",
            show_progress_on=chat,
            preprocess=False,  # ask() checks the raw values: a bad one is a one-line reply, not a traceback
        )
        for event in (question.submit, send.click):
            event(**page_turn).then(None, js=SCROLL_TO_NEWEST)
        chips.click(lambda i: EXAMPLES[i] if isinstance(i, int) and 0 <= i < len(EXAMPLES) else "", chips, question,
                    api_visibility="private", queue=False).then(**page_turn).then(None, js=SCROLL_TO_NEWEST)  # fmt: skip
        api_trigger = gr.Button(visible=False)
        api_trigger.click(
            api_ask, ask_inputs, [chat, question, explained], api_name="ask", concurrency_id="ask", preprocess=False
        )

        def start_over(lang):
            return [], {}, "", gr.update(visible=False), saved([], {}, lang)

        for event in (new.click, chat.clear):
            event(start_over, [language], [chat, records, explained, exported, kept], api_visibility="private",
                  queue=False)  # fmt: skip

        def on_export(records, lang):
            md, js = export_files(records or {}, lang_of(lang))
            return md, js, gr.update(visible=True)

        export.click(on_export, [records, language], [as_md, as_json, exported], api_visibility="private")
        rated = gr.State(None)
        chat.like(on_like, [records, language], [rated, comment_row], api_visibility="private")
        for event in (comment.submit, comment_send.click):
            event(on_comment, [rated, comment, language], [comment], api_visibility="private")
        gr.api(list_issues, api_name="issues")
        views = [note, table, issue_filter, status] + ([remove_choice] if archive.editable else [])
        demo.load(lambda value: archive_views("", restored(value)[2]), [kept], views, api_visibility="private")
        demo.load(restore, [kept], [chat, records, *worded, toggle, language], api_visibility="private").then(
            None, js=SCROLL_TO_NEWEST
        )
    return demo
