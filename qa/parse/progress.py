"""A progress bar per page while PDFs and scans are read (OCR takes tens of seconds a page): shown on stderr by the
command line and in the chat (Gradio follows tqdm bars), silent for library calls unless asked for."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_shown: ContextVar[bool] = ContextVar("qa_parse_progress", default=False)


@contextmanager
def page_progress(shown: bool = True) -> Iterator[None]:
    """Within this block, readers of pages show a progress bar per file (if shown)."""
    token = _shown.set(shown)
    try:
        yield
    finally:
        _shown.reset(token)


def pages(items: Iterable, total: int, name: str) -> Iterable:
    """The pages of the file called name, counted on a progress bar when page_progress is on."""
    if not _shown.get() or total < 1:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=f"reading {Path(name).name}", unit="page", leave=False)
