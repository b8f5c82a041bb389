"""ASGI middleware in front of the chat server: what no request may do, whoever sends it. Uploads do not exist on a
read-only server; every POST says its length and stays under a cap; no call may name a file by URL (Gradio would
fetch it: nothing a reader names is ever fetched)."""

from __future__ import annotations

import json
import logging
import re

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 2_000_000  # any call but an upload: a question with a 30-question chat history is under 1 MB
MAX_UPLOAD_FILES = 20  # issue files in one upload (each at most $QA_MAX_ISSUE_MB)
UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/upload_progress")
NAMED_ROUTE = re.compile(r"/gradio_api/(?:call/v2|call|run|api)/([^/]+)(?:/[^/]+)?/?")


def names_remote_file(data) -> bool:
    """Whether a call's JSON holds a Gradio file reference whose path is a URL (anything with ://): Gradio would
    download it. (Its url field is where the page reads an upload back from this server; Gradio does not fetch it.)"""
    if isinstance(data, list):
        return any(names_remote_file(d) for d in data)
    if not isinstance(data, dict):
        return False
    meta = data.get("meta")
    if isinstance(meta, dict) and meta.get("_type") == "gradio.FileData":
        if isinstance(data.get("path"), str) and "://" in data["path"]:
            return True
    return any(names_remote_file(v) for v in data.values())


class Guard:
    """The middleware: refusals are plain-text HTTP errors (404, 411, 413, 400) before Gradio sees the request
    (endpoints, when given, are the API names that exist: Gradio answers any other with a 500 and a traceback).
    Gradio itself refuses each uploaded file over its max_file_size."""

    def __init__(self, app, *, read_only: bool = False, max_file_bytes: int = 10_000_000, endpoints=None):
        self.app = app
        self.read_only = read_only
        self.endpoints = None if endpoints is None else {*endpoints, "predict"}  # the page's calls by fn_index
        self.max_upload = MAX_UPLOAD_FILES * max_file_bytes + 1_000_000

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is None and _is_json_post(scope):
                body = await _read_body(receive)
                refusal = _remote_file_refusal(body)
                receive = _replay(body, receive)
            if refusal:
                log.warning("refused a request: %s %s: %s", scope["method"], scope["path"], refusal[1])
                return await _respond(send, *refusal)
            if _is_upload(scope):
                send = _logging_refusals(send)
        await self.app(scope, receive, send)

    def refusal(self, scope) -> tuple[int, str] | None:
        """(status, reason) for a request refused on its path, method and length alone; None to let it through."""
        upload = _is_upload(scope)
        if upload and self.read_only:
            return 404, "Not Found: this server is read-only"
        named = NAMED_ROUTE.fullmatch(scope["path"])
        if named and self.endpoints is not None and named[1] not in self.endpoints:
            return 404, f"Not Found: no endpoint /{named[1]} on this server"
        if scope["method"] != "POST":
            return None
        length = dict(scope["headers"]).get(b"content-length", b"")
        if not length.isdigit():
            return 411, "Length Required"
        limit = self.max_upload if upload else MAX_REQUEST_BYTES
        if int(length) > limit:
            return 413, f"Request too large ({int(length)} bytes, at most {limit})"
        return None


def _is_upload(scope) -> bool:
    return scope["path"].rstrip("/").endswith(UPLOAD_ROUTES)


def _logging_refusals(send):
    """send, logging in one line an upload Gradio refuses (over max_file_size, no login): its status and reason."""
    status = 200

    async def logging_send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and status >= 400:
            log.warning("refused an upload: HTTP %d %s", status, _reason(message.get("body", b"")))
            status = 200  # once per response
        await send(message)

    return logging_send


def _reason(body: bytes) -> str:
    """The reason of an error response: its JSON detail, else its text; one line."""
    try:
        data = json.loads(body)
        reason = str(data.get("detail", data) if isinstance(data, dict) else data)
    except ValueError:
        reason = body.decode("utf-8", "replace")
    return " ".join(reason.split())[:300]


def _is_json_post(scope) -> bool:
    content_type = dict(scope["headers"]).get(b"content-type", b"")
    return scope["method"] == "POST" and content_type.split(b";")[0].strip() == b"application/json"


async def _read_body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False) and message["type"] == "http.request"
    return b"".join(chunks)


def _remote_file_refusal(body: bytes) -> tuple[int, str] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None  # Gradio answers malformed JSON itself
    if names_remote_file(data):
        return 400, "Files must be uploaded to this server first (POST /gradio_api/upload); URLs are not fetched"
    return None


def _replay(body: bytes, receive):
    """A receive that hands the app the body already read, then waits on the real one (for the disconnect)."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _respond(send, status: int, reason: str) -> None:
    body = reason.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
