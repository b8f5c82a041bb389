"""The JSON API for programs: GET or POST /api/ask (and the Gradio endpoint /answer, for gradio_client) answers a
question with the data of qa.Answer (its short answer, supporting sentence, citation, confidence, how a follow-up was
understood) and the passages it cites, not chat HTML. It only reads, so a read-only server has it too; with a login,
every call needs it (HTTP Basic or the page's login cookie); the Guard's request limits apply to it as to every route;
bad input is a 4xx (a gr.Error for /answer) with a one-line error."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging

from ..chat import MAX_HISTORY, Archive, Refused, checked, one_line
from ..errors import IndexMissing, QAError
from ..index import MAX_QUESTION_CHARS

log = logging.getLogger(__name__)

ROUTE = "/api/ask"
USAGE = 'send {"question": "...", "history": ["earlier question", ...], "k": 5, "issues": [], "mode": "hybrid"}'


class APIError(Exception):
    """A refused call: the HTTP status and the one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def _history(history) -> list[str] | None:
    """The user's earlier questions as sent: a list of strings (oldest first), or Refused."""
    if history is None or history == []:
        return None
    if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
        raise Refused("history must be a list of the earlier questions (non-empty strings), oldest first")
    if len(history) > MAX_HISTORY // 2 or any(len(h) > MAX_QUESTION_CHARS for h in history):
        raise Refused(
            f"history holds at most {MAX_HISTORY // 2} questions of at most {MAX_QUESTION_CHARS} characters each"
        )
    return [h.strip() for h in history]


def answer_json(archive: Archive, call: dict) -> dict:
    """The answer to one call's values as JSON data, or APIError (400 bad input, 503 no index yet)."""
    if unknown := sorted(set(call) - {"question", "history", "k", "issues", "mode"}):
        raise APIError(400, f"unknown field {unknown[0]!r}; {USAGE}")
    question = call.get("question")
    if not isinstance(question, str) or not question.strip():
        raise APIError(400, f"the question is missing or empty; {USAGE}")
    try:
        k, issues, mode = checked(
            archive, question.strip(), call.get("k", 5), call.get("issues"), call.get("mode", "hybrid")
        )
        history = _history(call.get("history"))
        index = archive.index()
        if not len(index):
            raise APIError(503, "the archive is empty: add issues first (qa index add FILE)")
        answer = index.ask(question, k=k, history=history, mode=mode, issues=issues)
    except Refused as e:
        raise APIError(400, str(e)) from None
    except IndexMissing as e:
        raise APIError(503, one_line(e)) from None
    except (QAError, ValueError) as e:
        raise APIError(400, one_line(e)) from None
    passages = [{"rank": r, **p.to_dict()} for r, p in enumerate(answer.passages or [], 1)]
    return {"question": question.strip(), **answer.to_dict(), "passages": passages}


def _logged_in(request, app, users: list[tuple[str, str]]) -> bool:
    """Whether the request carries a login: HTTP Basic with a user's password, or the page's login cookie."""
    if not users:
        return True
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return any(hmac.compare_digest(f"{user}:{password}", f"{u}:{p}") for u, p in users)
    cookies = request.cookies
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return token is not None and app.tokens.get(token) is not None


async def _call_values(request) -> dict:
    """The call's values: the JSON object of a POST, or the query of a GET (issues and history repeatable)."""
    if request.method == "GET":
        query = request.query_params
        call = {key: query[key] for key in ("question", "mode") if key in query}
        call |= {key: query.getlist(key) for key in ("issues", "history") if key in query}
        if "k" in query:
            call["k"] = int(query["k"]) if query["k"].isdigit() else query["k"]
        if unknown := sorted(set(query) - {"question", "mode", "issues", "history", "k"}):
            raise APIError(400, f"unknown parameter {unknown[0]!r}; ask with ?question=...&k=5&mode=hybrid")
        return call
    try:
        call = json.loads(await request.body())
    except ValueError:
        raise APIError(400, f"the body is not JSON; {USAGE}") from None
    if not isinstance(call, dict):
        raise APIError(400, f"the body must be a JSON object; {USAGE}")
    return call


def mount_api(app, archive: Archive, users: list[tuple[str, str]], concurrency: int) -> None:
    """Add GET and POST /api/ask to the Gradio server's FastAPI app; at most `concurrency` answers at a time."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    slots = asyncio.Semaphore(concurrency)  # waited on in the event loop: no worker thread is held while waiting

    async def ask(request):
        try:
            if not _logged_in(request, app, users):
                raise APIError(401, "log in first: HTTP Basic (curl -u USER:PASSWORD) or the page's login cookie")
            call = await _call_values(request)
            async with slots:
                return JSONResponse(await run_in_threadpool(answer_json, archive, call))
        except APIError as e:
            log.warning("refused an API call: %s %s: %d %s", request.method, ROUTE, e.status, e)
            headers = {"WWW-Authenticate": 'Basic realm="newspaper-qa"'} if e.status == 401 else None
            return JSONResponse({"error": str(e)}, status_code=e.status, headers=headers)
        except Exception as e:  # noqa: BLE001 - never a traceback to a program either
            log.exception("API call failed")
            return JSONResponse({"error": f"the server failed ({type(e).__name__}); its log has the details"}, 500)

    app.add_route(ROUTE, ask, methods=["GET", "POST"])


def answer_endpoint(demo, archive: Archive) -> None:
    """The Gradio endpoint /answer: the same JSON data for gradio_client, through the queue of the chat's questions."""
    import gradio as gr

    def answer(
        question: str,
        history: list[str] | None = None,
        k: int = 5,
        issues: list[str] | None = None,
        mode: str = "hybrid",
    ) -> dict:
        """The answer to a question (history: the earlier questions of the conversation) with its passages."""
        try:
            return answer_json(
                archive, {"question": question, "history": history, "k": k, "issues": issues, "mode": mode}
            )
        except APIError as e:
            log.warning("refused an API call: /answer: %s", e)
            raise gr.Error(str(e), print_exception=False) from None

    with demo:
        gr.api(answer, api_name="answer", concurrency_id="ask")
