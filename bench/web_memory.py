"""Server memory under many API questions: does the web chat grow with every question a program asks?

    python bench/web_memory.py [--index-dir DIR] [--questions 10000] [--workers 4] [--warm-up 200]

Starts `python app.py` on 127.0.0.1 (a free port) over the index (built from data/issues/ into a temp folder when no
--index-dir is given), asks --warm-up questions, then --questions more through Gradio's plain HTTP API (POST
/gradio_api/call/ask, then read its events: each call is a new session, as for any program that is not a browser),
from --workers threads, and prints the server's RSS after the first answer, after the warm-up and every 1000
questions as a markdown table. The target (issue 17) is at most 50 MB of growth over 10,000 questions.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from load import QUESTIONS, HttpReader, ask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from chat_server import client, mode_line, serve, stop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def ask_many(url: str, n: int, workers: int, errors: list[str]) -> None:
    """n questions from `workers` threads, each with its own HTTP connection."""
    counter = iter(range(n))
    lock = threading.Lock()

    def work() -> None:
        reader = HttpReader(url)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                ask(reader, QUESTIONS[i % len(QUESTIONS)])
            except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def row(name: str, n: int, rss: int, base: int, seconds: float) -> None:
    """One line of the table, printed at once (a long run shows its progress)."""
    rate = f"{n / seconds:.0f}" if seconds else "-"
    print(f"| {name} | {n} | {rss / MB:.0f} | {(rss - base) / MB:+.0f} | {rate} |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", help="a built index (default: build one from data/issues/ in a temp folder)")
    ap.add_argument("--questions", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--warm-up", type=int, default=200)
    ap.add_argument("--step", type=int, default=1000, help="questions between two RSS readings")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="qa-memory-")
    index_dir = Path(args.index_dir) if args.index_dir else Path(tmp.name) / "index"
    if not (index_dir / "qa.db").is_file():
        from qa.index import write
        from qa.parse import parse_file

        write(index_dir, [parse_file(f) for f in sorted((ROOT / "data" / "issues").glob("*.txt"))], fresh=True)

    proc, url = serve(index_dir)
    errors: list[str] = []
    print(f"Web chat server RSS over {args.questions} API questions ({args.workers} HTTP workers, one session each)\n")
    print("| point | questions | RSS MB | growth since warm-up MB | questions/s |")
    print("|---|---:|---:|---:|---:|", flush=True)
    try:
        mode_line(proc)  # serving (importing gradio on a loaded machine can take minutes)
        ask(client(url), QUESTIONS[0])
        server = psutil.Process(proc.pid)
        first = server.memory_info().rss
        ask_many(url, args.warm_up, args.workers, errors)
        base = server.memory_info().rss
        row("after the first answer", 0, first, base, 0.0)
        row("after the warm-up", args.warm_up, base, base, 0.0)
        start, done, rss = time.monotonic(), 0, base
        while done < args.questions:
            step = min(args.step, args.questions - done)
            ask_many(url, step, args.workers, errors)
            done += step
            rss = server.memory_info().rss
            row(f"+{done} questions", done, rss, base, time.monotonic() - start)
    finally:
        stop(proc)
        tmp.cleanup()

    growth = (rss - base) / MB
    print(f"\ngrowth over {args.questions} questions: {growth:+.1f} MB (target: at most +50 MB); errors: {len(errors)}")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f}")
    for e in sorted(set(errors))[:5]:
        print(f"error: {e}")
    return 1 if errors or growth > 50 else 0


if __name__ == "__main__":
    sys.exit(main())
