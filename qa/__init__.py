"""newspaper-qa: ask a newspaper archive a question, get the short answer and the paragraphs it came from.

import qa
index = qa.Index.open("index")
hits = index.search("市派驻村工作队有多少支?", k=5)     # list[qa.Passage], best first
qa.retrieve("how many work teams were dispatched?")   # same, on the default index
qa.ask("那市派的呢?", history=["驻村工作队有多少支?"])   # .understood_as == "市派驻村工作队有多少支?"
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Index", "Passage", "Answer", "retrieve", "ask", "QAError", "ParseError", "ModelError"]

_cache: dict = {}


def __getattr__(name):  # keep `import qa` cheap: heavy modules load on first use
    if name == "Index":
        from .index import Index

        return Index
    if name == "Passage":
        from .search import Passage

        return Passage
    if name == "Answer":
        from .answer import Answer

        return Answer
    if name in ("QAError", "ParseError", "ModelError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


def _default_index():
    from .index import Index, default_index_dir

    path = default_index_dir().resolve()
    if _cache.get("path") != path:
        _cache["index"], _cache["path"] = Index.open(path), path
    return _cache["index"]


def retrieve(question: str, k: int = 5, **kwargs):
    """Search the default index (./index, or $QA_INDEX): list[Passage], best first."""
    return _default_index().search(question, k=k, **kwargs)


def ask(question: str, k: int = 5, **kwargs):
    """Answer from the default index: a qa.Answer (short answer, sentence, citation); history=[earlier questions,
    oldest first] answers a follow-up in its conversation (Answer.understood_as says how it was read)."""
    return _default_index().ask(question, k=k, **kwargs)
