"""The Archive tab: the indexed issues as a table and choices; upload, add and remove."""

import logging
import time

from ..chat import Archive, one_line, read_uploads, uploaded_blobs
from ..errors import IssueConflict, QAError
from ..index import write
from ..inputs import upload_defaults
from ..parse import ParseError
from ..render import text
from ..strings import lang_of, say

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".pdf", ".html", ".htm", ".docx", ".png", ".jpg", ".jpeg", ".tif", ".tiff"]  # read by content
CSS = """
#qa-issues .virtual-table-viewport { overflow-x: auto; overscroll-behavior-x: contain; scrollbar-width: thin; }
#qa-issues th, #qa-issues td { white-space: nowrap; }
#qa-remove-choice input { padding-right: 28px; text-overflow: ellipsis; }
"""  # a phone: the issues table scrolls sideways inside its box; the remove choice stops before the dropdown arrow
COLUMNS = ("issue", "paper", "date", "articles", "passages", "added")


def form_value(value) -> str | None:
    """A form field as the write takes it: its text, stripped; None when empty (then taken from the files)."""
    return value.strip() or None if isinstance(value, str) else None


def conflict_note(e: IssueConflict, parsed: list, archive: Archive, lang: str = "zh") -> str:
    """The page's words for an upload whose issue id is taken by another file: the checkbox and the id field, not the
    CLI's flags."""
    indexed = {i["issue_id"]: i["source_hash"] for i in archive.issues()}
    taken = [i.issue_id for i in parsed if indexed.get(i.issue_id, i.source_hash) != i.source_hash]
    if not taken:
        return one_line(e)
    return say(lang, "conflict", issue=repr(taken[0]), replace=say(lang, "replace"))


def issue_table(issues: list[dict], lang: str = "zh") -> dict:
    """The issues table's value: its rows under headers in lang."""
    rows = [
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
    return {"data": rows, "headers": [say(lang, f"col_{c}") for c in COLUMNS]}


def issue_choices(issues: list[dict], lang: str = "zh") -> list[tuple[str, str]]:
    return [
        (
            " · ".join(x for x in (i["paper"], i["date"], say(lang, "choice_passages", n=i["passages"])) if x)
            + ("" if i["paper"] and i["date"] else f" ({i['issue_id']})"),
            i["issue_id"],
        )
        for i in issues
    ]


def archive_controls(gr, archive: Archive, archive_views, shown: list, language):
    """The Archive tab's upload, add and remove controls and their endpoints (/add_issues, /remove_issue): (the note
    they write, the issue-to-remove choice, the controls that carry words, relabel(lang) giving those words in lang in
    the same order). The notes are in the page's language (the State language). Not built for a read-only chat."""

    def add_issues(
        files,
        replace,
        date=None,
        paper=None,
        issue_id=None,
        defaults=None,
        lang="zh",
        progress=gr.Progress(track_tqdm=True),  # noqa: B008 - Gradio's idiom
    ):
        lang = lang_of(lang)
        files = [files] if isinstance(files, str | dict) else list(files or [])
        if not files:
            return archive_views(say(lang, "choose_files"), lang) + (None,)
        progress(0.1, desc=say(lang, "reading"))
        issue_id = form_value(issue_id)
        if issue_id == (defaults or {}).get("issue_id"):  # the id shown, not typed: made from the date and paper given
            issue_id = None
        parsed, lines = read_uploads(files, issue_id=issue_id, date=form_value(date), paper=form_value(paper))
        if parsed:
            progress(0.5, desc=say(lang, "indexing", n=len(parsed)))
            try:
                reports = write(archive.path, parsed, model=archive.model, replace=replace is True, progress=True)
                lines = [f"✓ {r}" for r in reports] + lines
            except IssueConflict as e:
                log.warning("refused an upload: %s", one_line(e))
                lines = [say(lang, "refused", why=conflict_note(e, parsed, archive, lang))] + lines
            except (QAError, ParseError, ValueError) as e:
                log.warning("refused an upload: %s", one_line(e))
                lines = [say(lang, "refused", why=one_line(e))] + lines
            except Exception as e:  # noqa: BLE001
                log.exception("adding issues failed")
                lines = [say(lang, "add_failed", kind=type(e).__name__)] + lines
        return archive_views(text("\n\n".join(lines)), lang) + (None,)

    def prefill(files):
        """The form's fields for the files just chosen: what they would be indexed with."""
        blobs, _ = uploaded_blobs([files] if isinstance(files, str | dict) else list(files or []))
        found = upload_defaults(blobs) if blobs else {}
        return found.get("date", ""), found.get("paper", ""), found.get("issue_id", ""), found

    def ask_remove(issue_id, lang):
        if not issue_id:
            return gr.update(visible=False), ""
        found = next((i for i in archive.issues() if i["issue_id"] == issue_id), None)
        if found is None:
            return gr.update(visible=False), say(lang, "no_such_issue", issue=text(issue_id))
        return gr.update(visible=True), say(lang, "confirm_remove", issue=text(issue_id), n=found["passages"])

    def remove_issue(issue_id, lang="zh"):
        lang = lang_of(lang)
        if not issue_id or not isinstance(issue_id, str):
            return archive_views(say(lang, "choose_remove"), lang) + (gr.update(visible=False),)
        try:
            reports = write(archive.path, [], remove=[issue_id])
            note = "\n\n".join(("✓ " if r.status == "removed" else "✗ ") + str(r) for r in reports)
        except (QAError, ValueError) as e:
            log.warning("refused a removal: %s", one_line(e))
            note = f"✗ {one_line(e)}"
        return archive_views(text(note), lang) + (gr.update(visible=False),)

    with gr.Row():
        with gr.Column():
            files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                label=say("zh", "upload"),  # the note below says which (a long label runs under the icons on a phone)
                elem_id="qa-upload",
            )
            with gr.Row():
                date = gr.Textbox(
                    label=say("zh", "date"), placeholder=say("zh", "date_placeholder"), elem_id="qa-date", min_width=120
                )
                paper = gr.Textbox(
                    label=say("zh", "paper"), placeholder=say("zh", "paper_placeholder"), elem_id="qa-paper",
                    min_width=120,
                )  # fmt: skip
                issue_id = gr.Textbox(
                    label=say("zh", "issue_id"), placeholder=say("zh", "issue_id_placeholder"), elem_id="qa-issue-id",
                    min_width=120,
                )  # fmt: skip
            formats = gr.Markdown(say("zh", "formats"), elem_id="qa-formats")
            replace = gr.Checkbox(label=say("zh", "replace"), elem_id="qa-replace")
            add = gr.Button(say("zh", "add"), variant="primary", elem_id="qa-add")
        with gr.Column():
            remove_choice = gr.Dropdown(
                [],
                value=None,
                allow_custom_value=True,  # the archive changes after start: remove_issue() checks the id
                label=say("zh", "remove_choice"),
                elem_id="qa-remove-choice",
            )
            remove = gr.Button(say("zh", "remove"), variant="stop", elem_id="qa-remove")
            with gr.Group(visible=False) as confirm_box:
                confirm_text = gr.HTML(js_on_load=None)
                with gr.Row():
                    confirm = gr.Button(say("zh", "confirm_yes"), variant="stop", elem_id="qa-confirm")
                    cancel = gr.Button(say("zh", "cancel"), elem_id="qa-cancel")
    note = gr.HTML(elem_id="qa-note", elem_classes=["qa-lines"], js_on_load=None)

    def relabel(lang):
        """The controls' words in lang, in the order of worded; the choices' words too (the choice itself is kept)."""
        lang = lang_of(lang)
        return (
            gr.update(label=say(lang, "upload")),
            gr.update(label=say(lang, "date"), placeholder=say(lang, "date_placeholder")),
            gr.update(label=say(lang, "paper"), placeholder=say(lang, "paper_placeholder")),
            gr.update(label=say(lang, "issue_id"), placeholder=say(lang, "issue_id_placeholder")),
            say(lang, "formats"),
            gr.update(label=say(lang, "replace")),
            say(lang, "add"),
            gr.update(label=say(lang, "remove_choice"), choices=issue_choices(archive.issues(), lang)),
            say(lang, "remove"),
            say(lang, "confirm_yes"),
            say(lang, "cancel"),
        )

    worded = [files, date, paper, issue_id, formats, replace, add, remove_choice, remove, confirm, cancel]
    views = [note] + shown + [remove_choice]
    defaults = gr.State({})
    files.change(prefill, [files], [date, paper, issue_id, defaults], api_visibility="private", queue=False)
    add.click(
        add_issues,
        [files, replace, date, paper, issue_id, defaults, language],
        views + [files],
        api_name="add_issues",
        concurrency_limit=1,
        concurrency_id="write",
        show_progress_on=files,
        preprocess=False,  # the uploaded files' paths as sent (checked by Gradio to be uploads): no type traceback
    )
    remove.click(ask_remove, [remove_choice, language], [confirm_box, confirm_text], api_visibility="private")
    cancel.click(lambda: gr.update(visible=False), None, [confirm_box], api_visibility="private")
    confirm.click(
        remove_issue,
        [remove_choice, language],
        views + [confirm_box],
        api_name="remove_issue",
        concurrency_limit=1,
        concurrency_id="write",
        show_progress_on=remove_choice,
    )
    return note, remove_choice, worded, relabel
