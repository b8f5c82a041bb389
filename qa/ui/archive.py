"""The Archive tab: the indexed issues as a table and choices; upload, add and remove."""

import logging
import time

from ..chat import Archive, one_line, read_uploads, uploaded_blobs
from ..errors import IssueConflict, QAError
from ..index import write
from ..inputs import upload_defaults
from ..parse import ParseError
from ..render import text

log = logging.getLogger(__name__)

UPLOAD_TYPES = [".txt", ".pdf", ".html", ".htm", ".docx", ".png", ".jpg", ".jpeg", ".tif", ".tiff"]  # read by content
CSS = """
#qa-issues .virtual-table-viewport { overflow-x: auto; overscroll-behavior-x: contain; scrollbar-width: thin; }
#qa-issues th, #qa-issues td { white-space: nowrap; }
#qa-remove-choice input { padding-right: 28px; text-overflow: ellipsis; }
"""  # a phone: the issues table scrolls sideways inside its box; the remove choice stops before the dropdown arrow
REPLACE_LABEL = "Replace an issue already indexed from another file"
FORMATS_NOTE = (
    "One issue per text file: `## ` before each article title, `### ` before a subtitle, a blank line between"
    " paragraphs (UTF-8, GB18030/GBK or UTF-16; HTML inside a .txt is read as HTML). Also HTML pages, PDF, Word"
    " .docx and scans (PNG, JPEG, TIFF; read by OCR): the pages of one day uploaded together make one issue."
    " Date as YYYY-MM-DD. Fields left empty are taken from the files: the date from the file name"
    " (株洲日报-2021-05-08.txt) or the masthead, the paper from the bylines, the id from paper and date."
)


def form_value(value) -> str | None:
    """A form field as the write takes it: its text, stripped; None when empty (then taken from the files)."""
    return value.strip() or None if isinstance(value, str) else None


def conflict_note(e: IssueConflict, parsed: list, archive: Archive) -> str:
    """The page's words for an upload whose issue id is taken by another file: the checkbox and the id field, not the
    CLI's flags."""
    indexed = {i["issue_id"]: i["source_hash"] for i in archive.issues()}
    taken = [i.issue_id for i in parsed if indexed.get(i.issue_id, i.source_hash) != i.source_hash]
    if not taken:
        return one_line(e)
    return (
        f"issue {taken[0]!r} is already indexed from a different file; tick “{REPLACE_LABEL}” to swap it, or type"
        " another issue id"
    )


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


def archive_controls(gr, archive: Archive, archive_views, shown: list):
    """The Archive tab's upload, add and remove controls and their endpoints (/add_issues, /remove_issue):
    (the note they write, the issue-to-remove choice). Not built at all for a read-only chat."""

    def add_issues(
        files,
        replace,
        date=None,
        paper=None,
        issue_id=None,
        defaults=None,
        progress=gr.Progress(track_tqdm=True),  # noqa: B008 - Gradio's idiom
    ):
        files = [files] if isinstance(files, str | dict) else list(files or [])
        if not files:
            return archive_views("Choose one or more issue files first.") + (None,)
        progress(0.1, desc="Reading files")
        issue_id = form_value(issue_id)
        if issue_id == (defaults or {}).get("issue_id"):  # the id shown, not typed: made from the date and paper given
            issue_id = None
        parsed, lines = read_uploads(files, issue_id=issue_id, date=form_value(date), paper=form_value(paper))
        if parsed:
            progress(0.5, desc=f"Embedding and indexing {len(parsed)} issue(s)")
            try:
                reports = write(archive.path, parsed, model=archive.model, replace=replace is True, progress=True)
                lines = [f"✓ {r}" for r in reports] + lines
            except IssueConflict as e:
                log.warning("refused an upload: %s", one_line(e))
                lines = [f"✗ nothing was added: {conflict_note(e, parsed, archive)}"] + lines
            except (QAError, ParseError, ValueError) as e:
                log.warning("refused an upload: %s", one_line(e))
                lines = [f"✗ nothing was added: {one_line(e)}"] + lines
            except Exception as e:  # noqa: BLE001
                log.exception("adding issues failed")
                lines = [f"✗ nothing was added ({type(e).__name__}); the server log has the details."] + lines
        return archive_views(text("\n\n".join(lines))) + (None,)

    def prefill(files):
        """The form's fields for the files just chosen: what they would be indexed with."""
        blobs, _ = uploaded_blobs([files] if isinstance(files, str | dict) else list(files or []))
        found = upload_defaults(blobs) if blobs else {}
        return found.get("date", ""), found.get("paper", ""), found.get("issue_id", ""), found

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
                label="Issue files",  # the note below says which (a long label runs under the icons on a phone)
                elem_id="qa-upload",
            )
            with gr.Row():
                date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD", elem_id="qa-date", min_width=120)
                paper = gr.Textbox(label="Paper", placeholder="from the bylines", elem_id="qa-paper", min_width=120)
                issue_id = gr.Textbox(label="Issue id", placeholder="paper-date", elem_id="qa-issue-id", min_width=120)
            gr.Markdown(FORMATS_NOTE, elem_id="qa-formats")
            replace = gr.Checkbox(label=REPLACE_LABEL, elem_id="qa-replace")
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
    defaults = gr.State({})
    files.change(prefill, [files], [date, paper, issue_id, defaults], api_visibility="private", queue=False)
    add.click(
        add_issues,
        [files, replace, date, paper, issue_id, defaults],
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
