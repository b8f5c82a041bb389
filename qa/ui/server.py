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
:root { --qa-chat-height: clamp(260px, calc(100vh - 320px), 640px); }
@supports (height: 100dvh) { :root { --qa-chat-height: clamp(260px, calc(100dvh - 320px), 640px); } }
#qa-top { align-items: center; flex-wrap: nowrap; }
#qa-title h2 { margin: 0 0 2px; }
#qa-ask-row { flex-wrap: nowrap; align-items: stretch; }
#qa-ask-row > * { min-width: 0; }
#qa-send { flex: 0 0 auto; }
#qa-lang { flex: 0 0 auto; }
.qa-cite summary { cursor: pointer; }
.qa-cite mark { background: #fde68a; color: inherit; padding: 0 1px; }
.qa-cite .qa-para { margin: 4px 0 8px 1.2em; white-space: pre-wrap; }
.qa-sentence { margin: 4px 0 8px; padding-left: 10px; border-left: 3px solid #d1d5db; }
.qa-understood { margin: 0 0 4px; color: var(--body-text-color-subdued); }
.qa-short { margin: 0 0 4px; }
.qa-ref { color: var(--link-text-color); cursor: pointer; text-decoration: underline; }
.qa-lines { white-space: pre-line; }
@media (max-width: 640px) {
  #qa-title p { display: none; }
  #qa-title h2 { font-size: 1.1rem; }
}
"""
# Chinese glyph shapes (直 骨 令 述): the page is zh-CN before Gradio renders it; the [n] after an answer opens and
# shows citation n of the same reply (a script on the page: messages are inert HTML, with no links or scripts)
HEAD = """<script>
document.documentElement.lang = "zh-CN";
document.addEventListener("click", (event) => {
  const ref = event.target.closest && event.target.closest(".qa-ref");
  const rank = ref && [...ref.classList].map((c) => c.match(/^qa-ref-(\\d+)$/)).find(Boolean);
  const message = ref && ref.closest(".message-content, [data-testid=bot]");
  const cite = rank && message && message.querySelector(`details.qa-cite-${rank[1]}`);
  if (!cite) return;
  cite.open = true;
  cite.scrollIntoView({ block: "nearest" });
  cite.querySelector("summary").focus({ preventScroll: true });
});
document.addEventListener("keydown", (event) => {
  if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("qa-ref")) {
    event.preventDefault();
    event.target.click();
  }
});
// Gradio labels a message with its raw content: for a reply that is HTML, so it is labelled with its words instead
const spoken = (html) => {
  const doc = new DOMParser().parseFromString(html, "text/html");  // inert: runs and loads nothing
  const parts = [...doc.querySelectorAll(".qa-understood, .qa-short, .qa-sentence, .qa-cite summary")];
  return (parts.length ? parts.map((e) => e.textContent).join(" ") : doc.body.textContent).replace(/\\s+/g, " ").trim();
};
const labelled = new WeakMap();  // the label this script gave an element: not rewritten again
new MutationObserver((changes) => {
  for (const change of changes) {
    const nodes = change.type === "attributes" ? [change.target] : [...change.addedNodes];
    for (const node of nodes) {
      if (!node.querySelectorAll) continue;
      for (const e of [node, ...node.querySelectorAll("[aria-label]")]) {
        const label = e.getAttribute("aria-label");
        const m = label && labelled.get(e) !== label && label.match(/^((?:bot|user)'s message: )([\\s\\S]*[<&][\\s\\S]*)$/);
        if (!m) continue;
        labelled.set(e, m[1] + spoken(m[2]));
        e.setAttribute("aria-label", labelled.get(e));
      }
    }
  }
}).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"] });
</script>"""
# after a reply: the newest question at the top of the chat box (its reply's short answer below it), the box in view
SCROLL_TO_NEWEST = """() => { setTimeout(() => {
  const users = document.querySelectorAll('#qa-chat [data-testid="user"]');
  const bots = document.querySelectorAll('#qa-chat [data-testid="bot"]');
  const newest = users[users.length - 1] || bots[bots.length - 1];
  if (!newest) return;
  let box = newest.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
    box = box.parentElement;
  }
  if (box && box !== document.scrollingElement) {
    box.scrollTop += newest.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  }
  const top = newest.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 160) window.scrollBy(0, top - 80);
}, 50); }"""
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


FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "system-ui",
    "sans-serif",
]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "monospace"]


def theme():
    """Gradio's default look with a Chinese font stack of installed fonts (the page loads nothing from the internet:
    names, not web fonts)."""
    import gradio as gr

    return gr.themes.Default(font=FONTS, font_mono=MONO_FONTS)


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
        auth_message="报纸问答 · Newspaper QA: 请用服务器启动时给定的用户名和密码登录 (log in with the user and password the server was started with).",
        theme=theme(),
        css=CSS + ARCHIVE_CSS,
        head=HEAD,
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
