"""Embedding worker processes for big writes: each loads the model once and embeds its share of the texts.

Workers are `python -m qa.workers PARENT_PID` processes that die with their parent (PR_SET_PDEATHSIG, see
qa.procs), talk to it over their own stdin/stdout pipes only (their stderr is /dev/null: they never hold the
parent's stdout or stderr), and are killed when the parent stops waiting for them, normally or not.
"""

from __future__ import annotations

import os
import pickle
import selectors
import subprocess
import sys

import numpy as np

BATCH = 256  # texts per message back to the parent (its progress bar moves by these)
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _start(n: int) -> list[subprocess.Popen]:
    # one BLAS thread each: N workers use N cores (several threads per worker were 6x slower here on 2 busy cores)
    env = {**os.environ, **SINGLE_THREADED}
    argv = [sys.executable, "-m", "qa.workers", str(os.getpid())]
    return [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        for _ in range(n)
    ]


def _collect(procs: list[subprocess.Popen], progress) -> list[np.ndarray]:
    """Each worker's vectors, in order; ModelError naming the failure if one fails or dies."""
    from .embed import ModelError

    parts: list[list[np.ndarray]] = [[] for _ in procs]
    with selectors.DefaultSelector() as sel:
        for n, p in enumerate(procs):
            sel.register(p.stdout, selectors.EVENT_READ, n)
        while sel.get_map():
            for key, _ in sel.select():
                n = key.data
                try:
                    kind, value = pickle.load(procs[n].stdout)
                except EOFError:
                    raise ModelError(
                        f"an embedding worker died (exit {procs[n].wait()}); try again, or set QA_EMBED_WORKERS=1"
                    ) from None
                if kind == "error":
                    raise ModelError(value)
                if kind == "done":
                    sel.unregister(procs[n].stdout)
                else:
                    parts[n].append(value)
                    progress.update(len(value))
    return [np.concatenate(p) if p else np.zeros((0, 0), dtype=np.float32) for p in parts]


def encode(embedder, texts: list[str], workers: int, progress: bool = False) -> np.ndarray:
    """Vectors of texts embedded by `workers` worker processes, each loading the embedder's model by name."""
    from tqdm import tqdm

    from .embed import factory_of

    shares = np.array_split(np.arange(len(texts)), workers)
    procs = _start(workers)
    try:
        for p, share in zip(procs, shares):
            job = (embedder.model_id, factory_of(embedder.model_id), sys.path, [texts[i] for i in share])
            pickle.dump(job, p.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            p.stdin.close()
        with tqdm(total=len(texts), disable=not progress, desc="embedding", unit="passages") as bar:
            parts = _collect(procs, bar)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
    return np.ascontiguousarray(np.vstack([x for x in parts if len(x)]), dtype=np.float32)


def _serve(channel) -> None:
    model_id, factory, path, texts = pickle.load(sys.stdin.buffer)
    from .embed import load, register

    if factory:  # a model registered in the parent (e.g. the tests' fake one): importable from its sys.path
        sys.path[:] = path
        register(model_id, factory)
    embedder = load(model_id)
    for s in range(0, len(texts), BATCH):
        pickle.dump(("vectors", embedder.encode_here(texts[s : s + BATCH])), channel, protocol=pickle.HIGHEST_PROTOCOL)
        channel.flush()


def main() -> None:
    from .procs import die_with_parent

    die_with_parent(int(sys.argv[1]))
    channel = os.fdopen(os.dup(1), "wb")  # the pipe to the parent; fd 1 itself goes to /dev/null
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        _serve(channel)
        message = ("done", None)
    except Exception as e:  # noqa: BLE001 - reported to the parent as one line
        message = ("error", f"embedding worker: {type(e).__name__}: {' '.join(str(e).split())}")
    pickle.dump(message, channel)
    channel.flush()


if __name__ == "__main__":
    main()
