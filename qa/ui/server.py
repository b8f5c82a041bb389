"""Serving the chat: Gradio blocks that refuse bad input in one line, the theme, and launch."""

import logging
import sys
import threading
from pathlib import Path

from ..access import Access
from ..chat import Archive, one_line
from ..guard import Guard
from ..inputs import max_issue_bytes

log = logging.getLogger(__name__)

CSS = """
.qa-cite summary { cursor: pointer; }
.qa-cite mark { background: #fde68a; color: inherit; padding: 0 1px; }
.qa-cite .qa-para { margin: 4px 0 8px 1.2em; white-space: pre-wrap; }
.qa-sentence { margin: 4px 0 8px; padding-left: 10px; border-left: 3px solid #d1d5db; }
.qa-lines { white-space: pre-line; }
"""
SESSIONS = 300  # sessions whose state the server keeps (Gradio's default, 10 000, held ~65 KB each)


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

    from .api import answer_endpoint, mount_api
    from .archive import CSS as ARCHIVE_CSS
    from .page import build

    demo = build(path, model, archive=archive, read_only=access.read_only)
    answer_endpoint(demo, archive)
    demo.queue(default_concurrency_limit=concurrency)
    limit, names = max_issue_bytes(), {fn.api_name for fn in demo.fns.values() if fn.api_name}
    demo.launch(
        server_name=access.host,
        server_port=port,
        auth=access.users or None,
        auth_message="Newspaper QA: log in with the user and password the server was started with.",
        theme=theme(),
        css=CSS + ARCHIVE_CSS,
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
    mount_api(demo.server_app, archive, access.users, concurrency)
    if not quiet:
        host = f"[{access.host}]" if ":" in access.host else access.host
        print(f"app: {access.describe(f'http://{host}:{demo.server_port}/')}", file=sys.stderr, flush=True)
    demo.block_thread()
