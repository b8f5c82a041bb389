"""Chaos, longer than the tests (tests/test_chaos.py, tests/test_hostile.py): writers SIGKILLed at random moments of
add, replace, remove, rebuild and a 4221-passage add (the tests' fake model), some while the real model's workers
embed; writers stopped by SIGTERM at random steps; a full disk at many free-space levels. Prints the figures — kills
survived, orphan processes found, hung pipes, disk-full levels and the stage each stopped at, each kind of error
line — and writes bench/out/chaos.json.

python bench/chaos.py [--kills 150] [--use-kills 6] [--stops 30] [--disk-step-kb 16] [--seed 0]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
OUT = ROOT / "bench" / "out"
STEPS = ("qa.text.tokens_many", "qa.workers._collect", "qa.store.sources.keep", "qa.store.dense._write")
STEPS += ("qa.store.lexical._write", "qa.store.manifest.prepare", "qa.store.manifest.put")


def _outcome(path: Path, before: tuple, after: tuple | None) -> str:
    from chaos import assert_before_or_after

    try:
        return assert_before_or_after(path, before, after)
    except AssertionError as e:
        return f"UNSOUND: {e}"


def _kill_once(op: str, files, base: Path, work: Path, after: tuple, span: float, rng: random.Random) -> dict:
    """One writer SIGKILLed at a random moment: before its lock, during it, or at one of its exact steps."""
    from chaos import KILL_POINTS, OPS, kill_at, orphans_after, start
    from helpers import copy, state

    path, tag = copy(base, work / f"kill-{uuid.uuid4().hex[:8]}"), uuid.uuid4().hex
    argv = [*OPS[op](files), "--index-dir", path]
    how = rng.choice(("start", "locked", "point"))
    if how == "point":
        moment = rng.choice(KILL_POINTS + (("qa.workers._collect",) if op == "big add" else ()))
        proc = start(argv, tag, at=(moment, 1, signal.SIGKILL))
        proc.wait(600)
    else:
        proc = start(argv, tag)
        delay = rng.uniform(0, 6 if op == "big add" else 1.5) if how == "start" else rng.uniform(0, 1.2 * span)
        if how == "start":
            time.sleep(delay)
        kill_at(proc, path, delay if how == "locked" else None)
        moment = f"{how} +{delay:.2f} s"
    hung = False
    try:
        proc.communicate(timeout=10)
    except Exception:  # noqa: BLE001 - a pipe still held open by a process of ours
        hung = True
    record = {"op": op, "moment": moment, "orphans": orphans_after(tag), "hung_pipe": hung}
    record["outcome"] = _outcome(path, state(base), after)
    shutil.rmtree(path, ignore_errors=True)
    return record


def _stop_once(op: str, files, base: Path, work: Path, rng: random.Random) -> dict:
    """One writer sent SIGTERM at a random step: one line, saying the state the index is in, nothing to tidy."""
    from chaos import OPS, orphans_after, start
    from helpers import copy, leftovers, state

    path, tag = copy(base, work / f"stop-{uuid.uuid4().hex[:8]}"), uuid.uuid4().hex
    steps = [s for s in STEPS if op == "big add" or s != "qa.workers._collect"]
    step = rng.choice(steps if op != "remove" else steps[3:])
    proc = start([*OPS[op](files), "--index-dir", path], tag, at=(step, 1, signal.SIGTERM))
    _, err = proc.communicate(timeout=600)
    line = err.strip().splitlines()[-1] if err.strip() else ""
    unchanged = state(path) == state(base)
    consistent = unchanged == ("nothing was written" in line)
    record = {"op": op, "step": step, "exit": proc.returncode, "lines": len(err.strip().splitlines()), "line": line}
    record.update(orphans=orphans_after(tag), consistent=consistent, leftovers=leftovers(path))
    shutil.rmtree(path, ignore_errors=True)
    return record


def _use_kills(files, work: Path, n: int) -> list[dict]:
    """Writers killed while the real model's two workers load or embed 4221 passages."""
    from chaos import orphans_after, ours, start
    from helpers import state

    from qa import archive
    from qa.parse import parse_file

    path = work / "use"
    archive.build(path, [parse_file(files["A"])])
    before, out = state(path), []
    for i in range(n):
        tag = uuid.uuid4().hex
        proc = start(["add", files["BIG"], "--index-dir", path], tag)
        deadline, busy_s = time.monotonic() + 300, (0, 8)[i % 2]
        while time.monotonic() < deadline and proc.poll() is None:
            workers = [p for p in ours(tag) if "qa.workers" in " ".join(p.cmdline())]
            if len(workers) == 2 and all(sum(w.cpu_times()[:2]) >= busy_s for w in workers):
                break
            time.sleep(0.1)
        rss = sum(p.memory_info().rss for p in ours(tag)) / 1e6
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        moment = "workers loading the model" if busy_s == 0 else "workers embedding"
        record = {"moment": moment, "rss_mb_at_kill": round(rss), "orphans": orphans_after(tag)}
        out.append({**record, "outcome": _outcome(path, before, None)})
    return out


def _disk_full(files, base: Path, work: Path, step_kb: int) -> list[dict]:
    """An add of issue B with 0, step, 2·step, … KB free on the index's file system, until it succeeds twice."""
    from helpers import copy, fill, leftovers, state, tmpfs

    from qa.cli import main

    size_kb = sum(f.stat().st_size for f in base.rglob("*") if f.is_file()) // 1024 + 3072
    out, succeeded, free_kb = [], 0, 0
    while succeeded < 2:
        with tmpfs(work / f"disk-{free_kb}", size_kb) as disk:
            path = copy(base, disk / "ix")
            before = state(path)
            fill(disk, free_kb * 1024)
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = main(["index", "add", str(files["B"]), "--index-dir", str(path), "-q"])
            line = err.getvalue().strip()
            stage = line.split("(writing ", 1)[1].split(")")[0] if "(writing " in line else None
            record = {"free_kb": free_kb, "exit": code, "stage": stage, "line": line.replace(str(path), "ix")}
            record.update(unchanged=state(path) == before, leftovers=leftovers(path))
            out.append(record)
            succeeded += code == 0
        free_kb += step_kb
    return out


def _summary(report: dict) -> None:
    kills, stops, use, disk = report["kills"], report["stops"], report["use_kills"], report["disk_full"]
    all_kills = kills + use
    print(f"SIGKILLs: {len(all_kills)} ({len(use)} while the real model's workers loaded or embedded 4221 passages)")
    print(f"  outcomes: {dict(Counter(k['outcome'] for k in all_kills))}")
    print(f"  by op: {dict(Counter(k.get('op', 'big add (USE)') for k in all_kills))}")
    print(f"  orphan processes 10 s after a kill: {sum(len(k['orphans']) for k in all_kills)}")
    print(f"  pipes still held 10 s after a kill: {sum(k.get('hung_pipe', False) for k in all_kills)}")
    if use:
        print(f"  writer + workers RSS at the kill: {max(k['rss_mb_at_kill'] for k in use)} MB at most")
    print(f"SIGTERMs: {len(stops)}; one line each: {all(s['lines'] == 1 for s in stops)};")
    print(
        f"  the line says the state: {all(s['consistent'] for s in stops)}; left anything: {any(s['leftovers'] for s in stops)}"
    )
    for line in sorted({s["line"].split(";")[1].strip() if ";" in s["line"] else s["line"] for s in stops}):
        print(f"  qa: interrupted; {line}")
    print(f"disk full: {len(disk)} levels from 0 to {disk[-1]['free_kb']} KB free")
    for stage, levels in _by_stage(disk).items():
        print(f"  {stage}: {levels}")
    print(f"  state unchanged on every failure: {all(d['unchanged'] for d in disk if d['exit'])};")
    print(f"  files left by a failed write: {sum(bool(d['leftovers']) for d in disk)}")


def _stage(record: dict) -> str:
    """The file a failed write stopped at, generation and hash left out."""
    if record["exit"] == 0:
        return "succeeded"
    stage = record["stage"] or "?"
    for prefix, name in (
        ("sources/", "sources/<sha256>"),
        ("dense-", "dense-<gen>.faiss"),
        ("lexical-", "lexical-<gen>/"),
    ):
        if stage.startswith(prefix):
            return name
    return stage


def _by_stage(disk: list[dict]) -> dict[str, str]:
    stages: dict[str, list[int]] = {}
    for d in disk:
        stages.setdefault(_stage(d), []).append(d["free_kb"])
    return {k: f"{min(v)}–{max(v)} KB ({len(v)} levels)" for k, v in stages.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=150)
    ap.add_argument("--use-kills", type=int, default=6)
    ap.add_argument("--stops", type=int, default=30)
    ap.add_argument("--disk-step-kb", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import fake_embedding
    from chaos import OPS, big_issue, calibrate
    from helpers import cut_sample

    from qa import archive
    from qa.parse import parse_file

    fake_embedding.register_fake()
    rng, work = random.Random(args.seed), Path(tempfile.mkdtemp(prefix="qa-chaos-"))
    try:
        files = {**cut_sample(SAMPLE, work), "BIG": big_issue(SAMPLE, work)}
        base = work / "base"
        archive.build(base, [parse_file(files["A"]), parse_file(files["S"])], model=fake_embedding.FAKE_MODEL)
        made = {op: calibrate(op, files, base, work) for op in OPS}
        kills = []
        for n in range(args.kills):
            op = list(OPS)[n % len(OPS)]
            kills.append(_kill_once(op, files, base, work, *made[op], rng))
            print(f"kill {n + 1}/{args.kills}: {op}, {kills[-1]['moment']} → {kills[-1]['outcome']}", file=sys.stderr)
        stops = [_stop_once(list(OPS)[n % len(OPS)], files, base, work, rng) for n in range(args.stops)]
        report = {"kills": kills, "stops": stops, "use_kills": _use_kills(files, work, args.use_kills)}
        report["disk_full"] = _disk_full(files, base, work, args.disk_step_kb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "chaos.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    _summary(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
