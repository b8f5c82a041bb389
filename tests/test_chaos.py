"""Chaos: writers killed (SIGKILL) at any moment of add, replace, remove, rebuild and of ≥ 4000-passage adds (the
worker processes' range), and writers stopped by SIGTERM or SIGINT. After each: the index is exactly as before or
after, `qa index check` passes, no process of ours is alive 10 s later, a caller reading the writer's output is
not left hanging, and a signal ends in one line that says which state the index is in."""

import signal
import time
import uuid
from pathlib import Path

import numpy as np
import psutil
import pytest
from chaos import (
    KILL_POINTS,
    OPS,
    assert_before_or_after,
    big_issue,
    calibrate,
    kill_at,
    orphans_after,
    ours,
    start,
)
from fake_embedding import FAKE_MODEL
from helpers import assert_sound, copy, cut_sample, leftovers, one_line, state

from qa import archive
from qa.parse import parse_file


@pytest.fixture(scope="module")
def files(tmp_path_factory, sample_path) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("issues")
    return {**cut_sample(sample_path, d), "BIG": big_issue(sample_path, d)}


@pytest.fixture(scope="module")
def base(tmp_path_factory, files) -> Path:
    """Index of A and the sample with the fake model. Copy before writing."""
    path = tmp_path_factory.mktemp("base") / "index"
    archive.build(path, [parse_file(files["A"]), parse_file(files["S"])], model=FAKE_MODEL)
    return path


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_before_or_after_and_no_process(tmp_path, files, base):
    before, kills, seen = state(base), 0, {"before": 0, "after": 0}
    for op in ("add", "replace", "remove", "rebuild", "big add"):
        after, span = calibrate(op, files, base, tmp_path)
        # before the lock (parsing, tokenizing, embedding), spread over the locked write and a bit beyond, and at
        # exact points: before the dense file, the lexical files, the manifest, and right after the commit
        timings = [("now", 0.3), *(("locked", float(d)) for d in np.linspace(0, span * 1.2, 5)), *KILL_POINTS]
        if op == "big add":
            timings += [("now", 2.5), ("now", 5.0), "qa.workers._collect"]  # tokenizers, then embedding workers
        for n, timing in enumerate(timings):
            path, tag = copy(base, tmp_path / f"{op}-{n}"), uuid.uuid4().hex
            argv = [*OPS[op](files), "--index-dir", path]
            if isinstance(timing, str):
                proc = start(argv, tag, at=(timing, 1, signal.SIGKILL))
                assert proc.wait(300) == -signal.SIGKILL, (op, timing)
            else:
                proc = start(argv, tag)
                if timing[0] == "now":
                    time.sleep(timing[1])
                kill_at(proc, path, timing[1] if timing[0] == "locked" else None)
            proc.communicate(timeout=10)  # the pipes close: no process of ours holds them
            kills += 1
            assert orphans_after(tag) == [], (op, timing)
            seen[assert_before_or_after(path, before, after)] += 1
            if timing == KILL_POINTS[-1]:
                assert state(path) == after  # died between its commit and its manifest: the write stands
    assert kills >= 46 and seen["before"] and seen["after"], (kills, seen)


def embedding_workers(tag: str) -> list[psutil.Process]:
    return [p for p in ours(tag) if "qa.workers" in " ".join(p.cmdline())]


@pytest.mark.slow
def test_sigkill_while_the_real_model_embeds_4000_passages_leaves_no_worker(tmp_path, files):
    """The case of the report: 2 workers of ~630 MB each embedding with USE when their writer is killed."""
    path = tmp_path / "use"
    archive.build(path, [parse_file(files["A"])])  # the default model (USE)
    before = state(path)
    for moment in ("starting", "embedding"):
        tag = uuid.uuid4().hex
        proc = start(["add", files["BIG"], "--index-dir", path], tag)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            workers = embedding_workers(tag)
            busy = [w for w in workers if sum(w.cpu_times()[:2]) > 8]  # the model loaded, embedding
            if len(workers) == 2 and (moment == "starting" or busy):
                break
            time.sleep(0.1)
        assert len(embedding_workers(tag)) == 2, proc.stderr.read() if proc.poll() is not None else moment
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        assert orphans_after(tag) == [], moment
        assert assert_before_or_after(path, before, None) == "before"


STOPS = {  # how the stop is made → the state the index must be in, as the line says
    ("add", "qa.text.tokens_many"): "nothing was written",
    ("add", "qa.store.dense._write"): "nothing was written",
    ("add", "qa.store.manifest.prepare"): "nothing was written",
    ("add", "qa.store.manifest.put"): "the write had just been published",
    ("remove", "qa.store.lexical._write"): "nothing was written",
    ("big add", "qa.workers._collect"): "nothing was written",
}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("op, point", list(STOPS))
def test_sigterm_and_sigint_stop_a_write_cleanly_in_one_line(tmp_path, files, base, op, point, signum):
    path, tag = copy(base, tmp_path / "ix"), uuid.uuid4().hex
    before = state(path)
    proc = start([*OPS[op](files), "--index-dir", path], tag, at=(point, 1, signum))
    _, err = proc.communicate(timeout=300)
    said = STOPS[(op, point)]
    assert proc.returncode == 130 and one_line(err) and err.startswith(f"qa: interrupted; {said}"), err
    assert orphans_after(tag) == []
    assert (state(path) == before) == (said == "nothing was written")
    assert not leftovers(path)  # stopped cleanly: nothing to tidy
    assert_sound(path)
