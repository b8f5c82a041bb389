"""Start `python app.py` on a free port and connect to it: shared by the app tests and the bench/ web scripts."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(url: str, timeout: float = 120, auth: tuple[str, str] | None = None):
    """A gradio_client.Client once the server at url answers (no analytics, nothing downloaded)."""
    from gradio_client import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            return Client(url, verbose=False, analytics_enabled=False, download_files=False, auth=auth)
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def serve(index_dir: Path, *extra: str, output: bool = True, host: str = "127.0.0.1", env: dict | None = None):
    """Start `python app.py` on a free port of host (reached through 127.0.0.1): (process, url). What it prints goes
    to a log file (read it with log_text) unless output=False; env adds environment variables."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    log = tempfile.NamedTemporaryFile("wb", prefix="app-", suffix=".log", delete=False) if output else None
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--index-dir", str(index_dir), "--host", host, "--port", str(port)]
        + list(extra),
        cwd=ROOT,
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    proc.log = Path(log.name) if log else None
    if log:
        log.close()
    return proc, f"http://127.0.0.1:{port}/"


def log_text(proc) -> str:
    """What the server has printed so far."""
    return proc.log.read_text(encoding="utf-8", errors="replace") if proc.log else ""


def mode_line(proc, timeout: float = 300) -> str:
    """The line app.py says once it serves: its mode and where."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [line for line in log_text(proc).splitlines() if " mode at http" in line]
        if lines:
            return lines[0]
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"app.py did not say its mode; it printed:\n{log_text(proc)}")


def stop(proc) -> str:
    """Stop the server; what it printed."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    out = log_text(proc)
    if proc.log:
        proc.log.unlink(missing_ok=True)
    return out
