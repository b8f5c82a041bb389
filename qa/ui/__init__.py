"""The web chat (Gradio): the page, the Archive tab and the server that launches them."""

import os

# Offline product: no analytics calls (must be set before gradio is imported).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .archive import UPLOAD_TYPES  # noqa: E402
from .page import build  # noqa: E402
from .server import launch  # noqa: E402

__all__ = ["UPLOAD_TYPES", "build", "launch"]
