"""Bounded load test of the web chat on loopback: startup time, then N concurrent gradio_client readers for T seconds.

    python bench/load.py [--index-dir DIR] [--readers 20] [--seconds 30] [--client gradio_client|http|api]

Starts `python app.py` on 127.0.0.1 (a free port) over the index (built from data/issues/ into a temp folder when no
--index-dir is given), times process start -> first answer, then has every reader ask questions back to back (no
think time) and prints latency percentiles and errors as a markdown table. Readers are gradio_client.Client objects
(default), or plain HTTP calls of the same queued endpoint (--client http: gradio_client itself costs ~45 ms of CPU
and ~150 ms of polling delay per answer, which on a shared 2-core machine competes with the server), or POSTs to the
JSON API /api/ask (--client api).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from chat_server import client, mode_line, serve, stop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "市派驻村工作队有多少支?",
    "今年计划改造多少个老旧小区?",
    "城市更新公司什么时候揭牌?",
    "长株潭城铁每天21时30分后开行多少趟大站直达列车?",
    "株洲连续几年获国务院表彰激励?",
    "How many pairs of trains will the Changsha-Zhuzhou-Xiangtan intercity railway run?",
    "How many village work teams did Zhuzhou send out?",
    "When was the urban renewal company inaugurated?",
]


class HttpReader:
    """The /ask endpoint through Gradio's plain HTTP API (POST the call, read its server-sent events)."""

    def __init__(self, url: str):
        import httpx

        self.base = f"{url}gradio_api/call/ask"
        self.http = httpx.Client(timeout=60)

    def predict(self, *data, api_name: str):
        event_id = self.http.post(self.base, json={"data": list(data)}).raise_for_status().json()["event_id"]
        event = None
        with self.http.stream("GET", f"{self.base}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event in ("complete", "error"):
                    if event == "error":
                        raise RuntimeError(f"server error: {line[6:200]}")
                    return json.loads(line[6:])
        raise RuntimeError("the event stream ended without a result")


class ApiReader:
    """The JSON API: POST /api/ask, the answer and its passages as data."""

    def __init__(self, url: str):
        import httpx

        self.url = f"{url}api/ask"
        self.http = httpx.Client(timeout=60)

    def answer(self, question: str) -> str:
        reply = self.http.post(self.url, json={"question": question, "k": 5}).raise_for_status().json()
        if not reply["passages"]:
            raise RuntimeError(f"no passages in the reply: {str(reply)[:80]!r}")
        return reply["text"] or reply["sentence"]


READERS = {"http": HttpReader, "api": ApiReader}


def ask(client, question: str) -> str:
    if isinstance(client, ApiReader):
        return client.answer(question)
    history, *_ = client.predict(question, [], 5, [], "hybrid", api_name="/ask")
    reply = history[-1]["content"]
    text = "".join(c.get("text", "") for c in reply) if isinstance(reply, list) else str(reply)
    if "qa-cite" not in text:
        raise RuntimeError(f"no citations in the reply: {text[:80]!r}")
    return text


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", help="a built index (default: build one from data/issues/ in a temp folder)")
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--client", choices=("gradio_client", "http", "api"), default="gradio_client")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="qa-load-")
    index_dir = Path(args.index_dir) if args.index_dir else Path(tmp.name) / "index"
    if not (index_dir / "qa.db").is_file():
        from qa.archive import build
        from qa.parse import parse_file

        build(index_dir, [parse_file(f) for f in sorted((ROOT / "data" / "issues").glob("*.txt"))])

    t0 = time.monotonic()
    proc, url = serve(index_dir)
    try:
        mode_line(proc)  # serving (importing gradio on a loaded machine can take minutes)
        first = client(url)
        ask(first, QUESTIONS[0])
        startup = time.monotonic() - t0

        clients = [
            client(url) if args.client == "gradio_client" else READERS[args.client](url) for _ in range(args.readers)
        ]
        server = psutil.Process(proc.pid)
        cpu0, own0 = server.cpu_times(), psutil.Process().cpu_times()
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        start, load_at_start = time.monotonic(), os.getloadavg()[0]
        stop_at = start + args.seconds

        def reader(n: int) -> None:
            i = n
            while time.monotonic() < stop_at:
                q = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                t = time.monotonic()
                try:
                    ask(clients[n], q)
                    with lock:
                        latencies.append(time.monotonic() - t)
                except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                    with lock:
                        errors.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(args.readers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        cpu1, own1 = server.cpu_times(), psutil.Process().cpu_times()
        server_cpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system
        client_cpu = own1.user + own1.system - own0.user - own0.system
    finally:
        stop(proc)
        tmp.cleanup()

    ms = sorted(x * 1000 for x in latencies)
    print(
        f"Web chat under load: {args.readers} {args.client} readers asking back to back for {args.seconds:g} s"
        f" on 127.0.0.1 ({os.cpu_count()} CPUs)\n"
    )
    print(
        "| startup to first answer | answers | answers/s | p50 ms | p95 ms | max ms | errors"
        " | server CPU ms/answer | client CPU ms/answer |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    n = max(len(ms), 1)
    cells = f"{percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | {ms[-1]:.0f}" if ms else "- | - | -"
    print(
        f"| {startup:.1f} s | {len(ms)} | {len(ms) / elapsed:.1f} | {cells} | {len(errors)} |"
        f" {1000 * server_cpu / n:.0f} | {1000 * client_cpu / n:.0f} |"
    )
    print(
        f"\nmachine load average (1 min) at the start: {load_at_start:.1f}, at the end: {os.getloadavg()[0]:.1f}"
        " (the load generator shares the cores)"
    )
    for e in sorted(set(errors))[:5]:
        print(f"\nerror: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
