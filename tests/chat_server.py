"""Start `python app.py` on a free loopback port and connect to it: shared by the app tests and bench/load.py."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(url: str, timeout: float = 120):
    """A gradio_client.Client once the server at url answers (no analytics, nothing downloaded)."""
    from gradio_client import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            return Client(url, verbose=False, analytics_enabled=False, download_files=False)
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def serve(index_dir: Path, *extra: str, output: bool = True):
    """Start `python app.py` on a free port: (process, url). output=False discards what it prints."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    out = subprocess.PIPE if output else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "app.py"),
            "--index-dir",
            str(index_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}/"


def stop(proc) -> str:
    """Stop the server; what it printed."""
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""
