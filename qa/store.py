"""On-disk index: SQLite is the source of truth; the FAISS and BM25 files are derived from it, one set per generation.

Layout of an index directory:
  qa.db                    issues, articles, passages (text, tokens, hashes), vectors, meta (SQLite, WAL)
  dense-<gen>.faiss        FAISS IndexIDMap2(IndexFlatIP) over normalised vectors, ids = passage ids
  lexical-<gen>/           bm25s index over the passages' tokens, plus ids.npy (row → passage id), vocab.json,
                           row_ptr/tok/tf/lengths.npy (each row's term counts: the next generation starts from them)
  manifest.json            self-description: format, model, dimension, chunker, issues and their source hashes
  writer.lock              flock held by the one writer (the next waits up to $QA_LOCK_TIMEOUT s, then IndexBusy)

A write, holding the lock, builds the derived files of generation g+1 *before* committing the database at g+1,
then rewrites the manifest and deletes files of generations older than g. Whatever instant a writer dies, the
committed generation has its files; what it leaves behind (temp files, files of an uncommitted generation, a
manifest one generation old, its `.write.tmp-<pid>` marker) is cleaned up by the next writer or `qa index check`.
Passage ids are never reused, so a reader still on generation g never maps an old vector to a new passage.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexBusy, IndexCorrupt, IndexMissing

FORMAT_VERSION = 1
DB_NAME = "qa.db"
MANIFEST = "manifest.json"
LOCK_NAME = "writer.lock"
MARK_PREFIX = ".write.tmp-"  # + pid: a write is under way (left behind only by a writer that died)
BUSY_TIMEOUT_S = 30
BM25_K1, BM25_B = 1.5, 0.75
IVF_MIN = 50_000  # flat search stays exact and fast enough below this (bench/speed.py)
IVF_NPROBE = 32

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    issue_id TEXT PRIMARY KEY, paper TEXT, date TEXT, source TEXT, source_hash TEXT NOT NULL,
    added_at REAL NOT NULL, n_articles INTEGER NOT NULL, n_passages INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE, article_no INTEGER NOT NULL,
    title TEXT NOT NULL, kickers TEXT NOT NULL, reporters TEXT NOT NULL, bylines TEXT NOT NULL,
    PRIMARY KEY (issue_id, article_no));
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, issue_id TEXT NOT NULL REFERENCES issues(issue_id) ON DELETE CASCADE,
    article_no INTEGER NOT NULL, paragraph_no INTEGER NOT NULL, part_no INTEGER NOT NULL,
    kind TEXT NOT NULL, section TEXT, text TEXT NOT NULL, text_hash TEXT NOT NULL,
    content_hash TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_issue ON passages(issue_id);
CREATE INDEX IF NOT EXISTS passages_content ON passages(content_hash);
CREATE INDEX IF NOT EXISTS issues_source ON issues(source_hash);
CREATE TABLE IF NOT EXISTS vectors (
    model_id TEXT NOT NULL, content_hash TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model_id, content_hash));
"""


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    db = path / DB_NAME
    if readonly:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    else:
        con = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


def get_meta(con: sqlite3.Connection) -> dict[str, str]:
    if not con.execute("SELECT name FROM sqlite_master WHERE name='meta'").fetchone():
        return {}
    return dict(con.execute("SELECT key, value FROM meta"))


def generation(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return int(row[0]) if row else 0


def passage_ids(con: sqlite3.Connection) -> np.ndarray:
    return np.fromiter((r[0] for r in con.execute("SELECT id FROM passages ORDER BY id")), dtype=np.int64)


def is_index(path: Path) -> bool:
    return (Path(path) / DB_NAME).is_file()


def open_readonly(path: Path) -> sqlite3.Connection:
    path = Path(path)
    if not is_index(path):
        raise IndexMissing(f"no index at {path}/ (build one: qa index build FILE...)")
    try:
        con = connect(path, readonly=True)
        meta = get_meta(con)
    except sqlite3.DatabaseError as e:
        raise IndexCorrupt(
            f"{path}/{DB_NAME} is not a readable index database ({e}); rebuild it: qa index build FILE..."
        ) from None
    if "generation" not in meta:
        con.close()
        raise IndexMissing(
            f"no index at {path}/ yet (its first build did not finish); build one: qa index build FILE..."
        )
    if int(meta.get("format_version", FORMAT_VERSION)) > FORMAT_VERSION:
        con.close()
        raise IndexCorrupt(f"{path}/ was written by a newer newspaper-qa (format {meta['format_version']}); upgrade qa")
    return con


# ---------- the writer lock and crash recovery ----------


def lock_timeout() -> float:
    """Seconds a writer waits for another one: $QA_LOCK_TIMEOUT, default BUSY_TIMEOUT_S."""
    value = os.environ.get("QA_LOCK_TIMEOUT", "")
    try:
        return float(value) if value else float(BUSY_TIMEOUT_S)
    except ValueError:
        raise ValueError(f"QA_LOCK_TIMEOUT must be a number of seconds, not {value!r}") from None


@contextmanager
def writer_lock(path: Path, timeout: float | None = None):
    """Hold the index's writer lock (an flock: the kernel releases it when the holder dies, even by SIGKILL)."""
    import fcntl

    timeout = lock_timeout() if timeout is None else timeout
    fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    by = f"process {holder}" if holder.isdigit() else "another process"
                    raise IndexBusy(
                        f"{path}/ is being written by {by} (waited {timeout:g} s); "
                        f"try again when it finishes, or raise QA_LOCK_TIMEOUT"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _temp_files(path: Path) -> list[Path]:
    return [f for f in path.iterdir() if f.name.startswith(".") and ".tmp-" in f.name]


def _remove(f: Path) -> None:
    shutil.rmtree(f, ignore_errors=True) if f.is_dir() else f.unlink(missing_ok=True)


def recover(con: sqlite3.Connection, path: Path) -> list[str]:
    """Finish what a writer that died left behind (call holding the writer lock): what was done, one line each.

    Its temp files go, files of generations other than the committed one and the one before go, and the
    manifest is rewritten from the database (the writer may have died between its commit and the manifest).
    """
    temps = _temp_files(path)
    marks = [f for f in temps if f.name.startswith(MARK_PREFIX)]
    notes = []
    for f in temps:
        _remove(f)
    if temps:
        notes.append(f"removed {len(temps)} temp file(s) of an interrupted write")
    gen = generation(con)
    stale = _generation_files(path, keep={gen, gen - 1})
    for f in stale:
        _remove(f)
    if stale:
        notes.append(
            f"removed {len(stale)} file(s) of uncommitted or old generations: {', '.join(sorted(f.name for f in stale))}"
        )
    if marks and gen and manifest_problems(con, path):
        write_manifest(con, path)
        notes.append(f"rewrote {MANIFEST} (an interrupted write had not updated it)")
    return notes


@contextmanager
def write_transaction(path: Path):
    """An exclusive write: the writer lock, then one SQLite transaction; anything not committed is rolled back."""
    path.mkdir(parents=True, exist_ok=True)
    with writer_lock(path):
        con = connect(path)
        mark = path / f"{MARK_PREFIX}{os.getpid()}"
        try:
            con.executescript(SCHEMA)
            recover(con, path)
            mark.touch()
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                if "locked" in str(e) or "busy" in str(e):
                    raise IndexBusy(
                        f"{path}/ is being written by another process; try again when it finishes"
                    ) from None
                raise
            yield con
        finally:
            if con.in_transaction:
                con.execute("ROLLBACK")
                gen = generation(con)
                for f in _generation_files(path, keep={gen, gen - 1}) + _temp_files(path):
                    if f != mark:
                        _remove(f)
            con.close()
            mark.unlink(missing_ok=True)


def commit(con: sqlite3.Connection, path: Path, gen: int) -> None:
    """Publish generation gen: its derived files are already on disk; the commit is the switch."""
    con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(gen),))
    con.execute("COMMIT")
    write_manifest(con, path)
    for f in _generation_files(path, keep={gen, gen - 1}):  # gen-1 stays for readers that opened just before
        _remove(f)


# ---------- derived files ----------


def dense_path(path: Path, gen: int) -> Path:
    return path / f"dense-{gen}.faiss"


def lexical_path(path: Path, gen: int) -> Path:
    return path / f"lexical-{gen}"


def _generation_files(path: Path, keep: set[int]) -> list[Path]:
    out = []
    for f in path.iterdir():
        for prefix in ("dense-", "lexical-"):
            if f.name.startswith(prefix):
                gen = f.name[len(prefix) :].split(".")[0]
                if gen.isdigit() and int(gen) not in keep:
                    out.append(f)
    return out


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}")


def _atomic_write_bytes(target: Path, data: bytes) -> None:
    tmp = _tmp_name(target)
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def load_vectors(
    con: sqlite3.Connection, model_id: str, dim: int, ids: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(passage ids, vectors) of every passage (or of the given ids), in id order."""
    # CROSS JOIN keeps passages the outer loop: with a long IN list SQLite would otherwise scan every vector
    sql = "SELECT p.id, v.vector FROM passages p CROSS JOIN vectors v ON v.content_hash = p.content_hash AND v.model_id = ?"
    if ids is None:
        rows = con.execute(sql + " ORDER BY p.id", (model_id,)).fetchall()
    else:
        rows = []
        for s in range(0, len(ids), 500):
            part = [int(i) for i in ids[s : s + 500]]
            rows += con.execute(sql + f" WHERE p.id IN ({','.join('?' * len(part))})", (model_id, *part)).fetchall()
        rows.sort()
    blob = b"".join(r[1] for r in rows)
    if len(blob) != len(rows) * dim * 4:
        raise IndexCorrupt(
            f"stored vectors of model {model_id} do not all have dimension {dim}; re-embed: qa index rebuild"
        )
    ids_out = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids_out, np.frombuffer(blob, dtype=np.float32).reshape(len(rows), dim)


def ivf_min() -> int:
    """Passages from which the dense file is an IVF index instead of flat (exact) search; $QA_IVF_MIN overrides."""
    return int(os.environ.get("QA_IVF_MIN") or IVF_MIN)


def new_dense_index(vecs: np.ndarray, dim: int):
    """Flat inner product below ivf_min() passages; above, IVF with ~4·√n lists trained on these vectors."""
    import faiss

    n = len(vecs)
    if n < ivf_min():
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    nlist = int(4 * np.sqrt(n))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(n, min(n, 50 * nlist), replace=False)
    index.train(np.ascontiguousarray(vecs[np.sort(sample)]))
    index.nprobe = IVF_NPROBE
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct(id) for the fusion's cosines
    return index


def is_ivf(index) -> bool:
    return hasattr(index, "invlists")


def _dense_fits(index, n: int) -> bool:
    """Is this kind of dense index still the right one for n passages? (IVF lists are retrained as n grows 4x.)"""
    if is_ivf(index):
        return n >= ivf_min() and index.nlist >= 2 * np.sqrt(n)
    return n < ivf_min()


def _dense_ids(index) -> np.ndarray:
    import faiss

    if is_ivf(index):
        lists = index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    return faiss.vector_to_array(index.id_map).astype(np.int64)


def _write_dense(path: Path, gen: int, index) -> None:
    import faiss

    target = dense_path(path, gen)
    tmp = _tmp_name(target)
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)


def build_dense(con: sqlite3.Connection, path: Path, gen: int, model_id: str, dim: int) -> None:
    """Dense file of generation gen from every stored vector."""

    ids, vecs = load_vectors(con, model_id, dim)
    n_passages = con.execute("SELECT count(*) FROM passages").fetchone()[0]
    if len(ids) != n_passages:
        raise IndexCorrupt(f"{path}/: {n_passages - len(ids)} passages have no vector for model {model_id}")
    index = new_dense_index(vecs, dim)
    if len(ids):
        index.add_with_ids(vecs, ids)
    _write_dense(path, gen, index)


def update_dense(
    con: sqlite3.Connection,
    path: Path,
    gen: int,
    model_id: str,
    dim: int,
    prev_gen: int,
    prev_ids: np.ndarray,
    new_ids: np.ndarray,
) -> bool:
    """Dense file of gen from the one of prev_gen: remove deleted ids, add new ones. False if that file is unusable."""
    import faiss

    try:
        index = faiss.read_index(str(dense_path(path, prev_gen)))
        usable = (
            (isinstance(index, faiss.IndexIDMap2) or is_ivf(index))
            and index.d == dim
            and _dense_fits(index, len(new_ids))
            and np.array_equal(np.sort(_dense_ids(index)), prev_ids)
        )
    except Exception:  # noqa: BLE001 - missing or damaged: the caller builds from stored vectors
        return False
    if not usable:
        return False
    removed = np.setdiff1d(prev_ids, new_ids, assume_unique=True)
    added = np.setdiff1d(new_ids, prev_ids, assume_unique=True)
    if len(removed):
        # an IVF direct map (hashtable) removes only through an IDSelectorArray; flat takes it too
        removed = np.ascontiguousarray(removed, dtype=np.int64)  # must outlive the selector, which only points at it
        index.remove_ids(faiss.IDSelectorArray(len(removed), faiss.swig_ptr(removed)))
    if len(added):
        ids, vecs = load_vectors(con, model_id, dim, added)
        if len(ids) != len(added):
            raise IndexCorrupt(f"{path}/: {len(added) - len(ids)} new passages have no vector for model {model_id}")
        index.add_with_ids(vecs, ids)
    _write_dense(path, gen, index)
    return True


@dataclass
class TermCounts:
    """Each row's distinct token ids and their counts (CSR-like), and its length: all BM25 needs to count a corpus."""

    row_ptr: np.ndarray  # int64, rows + 1
    tok: np.ndarray  # int64 token ids, row by row
    tf: np.ndarray  # int64 counts, aligned with tok
    lengths: np.ndarray  # int64 tokens per row, duplicates included

    FILES = ("row_ptr", "tok", "tf", "lengths")

    @classmethod
    def of_token_rows(cls, rows: list[list[int]]) -> TermCounts:
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        if not rows:
            return cls(np.zeros(1, dtype=np.int64), *(np.zeros(0, dtype=np.int64) for _ in range(3)))
        flat = np.fromiter((t for r in rows for t in r), dtype=np.int64, count=int(lengths.sum()))
        which = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        span = int(flat.max()) + 1
        keys, tf = np.unique(which * span + flat, return_counts=True)
        row, tok = np.divmod(keys, span)
        row_ptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=len(rows)))])
        return cls(row_ptr, tok, tf.astype(np.int64), lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def select(self, keep: np.ndarray) -> TermCounts:
        per_row = np.diff(self.row_ptr)
        mask = np.repeat(keep, per_row)
        return TermCounts(
            np.concatenate([[0], np.cumsum(per_row[keep])]), self.tok[mask], self.tf[mask], self.lengths[keep]
        )

    def __add__(self, other: TermCounts) -> TermCounts:
        return TermCounts(
            np.concatenate([self.row_ptr, other.row_ptr[1:] + self.row_ptr[-1]]),
            np.concatenate([self.tok, other.tok]),
            np.concatenate([self.tf, other.tf]),
            np.concatenate([self.lengths, other.lengths]),
        )

    def save(self, d: Path) -> None:
        for name in self.FILES:
            np.save(d / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, d: Path) -> TermCounts:
        return cls(*(np.load(d / f"{name}.npy") for name in cls.FILES))

    def problems(self, n_rows: int, n_vocab: int) -> list[str]:
        if len(self.row_ptr) != n_rows + 1 or len(self.lengths) != n_rows or self.row_ptr[-1] != len(self.tok):
            return ["term counts do not match the passages"]
        if len(self.tok) != len(self.tf) or (len(self.tok) and (self.tok.max() >= n_vocab or self.tok.min() < 0)):
            return ["term counts do not match the vocabulary"]
        return []


def bm25_index(counts: TermCounts, vocab: dict[str, int]):
    """A bm25s.BM25 over the rows of counts.

    The same scores as bm25s.BM25.index (its own idf and tf formulas, its scipy CSC matrix), computed with numpy
    from per-row term counts: no Python loop per document, and a write only counts the rows it adds.
    """
    import bm25s
    import scipy.sparse as sp
    from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer

    bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    n_docs, n_vocab = len(counts), len(vocab)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(counts.row_ptr))
    df = np.bincount(counts.tok, minlength=n_vocab)
    idf_of = _select_idf_scorer(bm25.idf_method)
    dfs, inverse = np.unique(df, return_inverse=True)
    idf = np.array([idf_of(int(d), N=n_docs) if d else 0.0 for d in dfs], dtype=bm25.dtype)[inverse]
    tfc = _select_tfc_scorer(bm25.method)(
        tf_array=counts.tf.astype(bm25.dtype),
        l_d=counts.lengths[doc],
        l_avg=counts.lengths.mean(),
        k1=bm25.k1,
        b=bm25.b,
        delta=bm25.delta,
    )
    matrix = sp.csc_matrix(
        ((idf[counts.tok] * tfc).astype(bm25.dtype), (doc, counts.tok)), shape=(n_docs, n_vocab), dtype=bm25.dtype
    )
    bm25.scores = {"data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr, "num_docs": n_docs}
    bm25.vocab_dict = vocab
    bm25.unique_token_ids_set = set(vocab.values())
    bm25.nonoccurrence_array = None  # only BM25L and BM25+ use it
    return bm25


def _token_rows(texts: list[str], vocab: dict[str, int]) -> list[list[int]]:
    """Token ids of stored token strings; new tokens join vocab. An empty row gets token 0 ("")."""
    return [[vocab.setdefault(t, len(vocab)) for t in text.split(" ") if t] or [0] for text in texts]


def _stored_tokens(con: sqlite3.Connection, ids: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    if ids is None:
        rows = con.execute("SELECT id, tokens FROM passages ORDER BY id").fetchall()
    else:
        rows = []
        for s in range(0, len(ids), 500):
            part = [int(i) for i in ids[s : s + 500]]
            rows += con.execute(
                f"SELECT id, tokens FROM passages WHERE id IN ({','.join('?' * len(part))})", part
            ).fetchall()
        rows.sort()
    return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]


def _write_lexical(path: Path, gen: int, row_ids: np.ndarray, counts: TermCounts, vocab: dict[str, int]) -> None:
    target = lexical_path(path, gen)
    tmp = _tmp_name(target)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    if len(row_ids):
        bm25_index(counts, vocab).save(tmp, vocab_name="vocab.json", show_progress=False)  # its vocab is ours
    else:
        (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    np.save(tmp / "ids.npy", row_ids)
    counts.save(tmp)
    for f in tmp.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    shutil.rmtree(target, ignore_errors=True)  # an uncommitted generation's leftover, never a live one
    os.replace(tmp, target)


def build_lexical(con: sqlite3.Connection, path: Path, gen: int) -> None:
    """Lexical files of generation gen from every passage's stored tokens."""
    row_ids, texts = _stored_tokens(con)
    vocab: dict[str, int] = {"": 0}  # bm25s wants at least one token; "" never matches a query token
    _write_lexical(path, gen, row_ids, TermCounts.of_token_rows(_token_rows(texts, vocab)), vocab)


def update_lexical(
    con: sqlite3.Connection, path: Path, gen: int, prev_gen: int, prev_ids: np.ndarray, new_ids: np.ndarray
) -> bool:
    """Lexical files of gen from prev_gen's term counts: drop deleted rows, count only new ones, redo BM25."""
    prev = lexical_path(path, prev_gen)
    try:
        row_ids = np.load(prev / "ids.npy")
        counts = TermCounts.load(prev)
        vocab = json.loads((prev / "vocab.json").read_text(encoding="utf-8"))
        usable = np.array_equal(np.sort(row_ids), prev_ids) and not counts.problems(len(row_ids), len(vocab))
    except Exception:  # noqa: BLE001 - missing or damaged: the caller builds from stored tokens
        return False
    if not usable:
        return False
    keep = np.isin(row_ids, new_ids)
    counts, row_ids = counts.select(keep), row_ids[keep]
    added = np.setdiff1d(new_ids, prev_ids, assume_unique=True)
    if len(added):
        added_ids, texts = _stored_tokens(con, added)
        counts = counts + TermCounts.of_token_rows(_token_rows(texts, vocab))
        row_ids = np.concatenate([row_ids, added_ids])
    _write_lexical(path, gen, row_ids, counts, vocab)
    return True


def preload() -> None:
    """Import what building derived files needs, so a writer does not do it while holding the lock."""
    import bm25s  # noqa: F401
    import faiss  # noqa: F401
    import scipy.sparse  # noqa: F401


def build_derived(
    con: sqlite3.Connection, path: Path, gen: int, prev: tuple[int, np.ndarray] | None = None
) -> dict[str, str]:
    """Derived files of generation gen: updated from generation prev = (gen, its passage ids) where those files
    are sound, else built from the database. Returns how each was made ("incremental" or "full")."""
    meta = get_meta(con)
    model_id, dim = meta["model_id"], int(meta["dim"])
    how = {"dense": "full", "lexical": "full"}
    if prev is not None:
        new_ids = passage_ids(con)
        if update_dense(con, path, gen, model_id, dim, prev[0], prev[1], new_ids):
            how["dense"] = "incremental"
        if update_lexical(con, path, gen, prev[0], prev[1], new_ids):
            how["lexical"] = "incremental"
    if how["dense"] == "full":
        build_dense(con, path, gen, model_id, dim)
    if how["lexical"] == "full":
        build_lexical(con, path, gen)
    return how


def remove_stale_files(path: Path, keep: set[int]) -> None:
    """Files of generations not in keep, and temp files of writers no longer running."""
    for f in _generation_files(path, keep):
        _remove(f)
    for f in _temp_files(path):
        if not _pid_alive(f.name.rsplit("-", 1)[-1]):
            _remove(f)


def _pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return int(pid) != os.getpid()


def manifest_data(con: sqlite3.Connection, path: Path) -> dict:
    """What manifest.json should say about the committed state (without its written_at)."""
    meta = get_meta(con)
    issues = {
        r[0]: {"paper": r[1], "date": r[2], "source_hash": r[3], "passages": r[4]}
        for r in con.execute("SELECT issue_id, paper, date, source_hash, n_passages FROM issues ORDER BY issue_id")
    }
    gen = int(meta.get("generation", 0))
    return {
        "format": "newspaper-qa index",
        "format_version": FORMAT_VERSION,
        "generation": gen,
        "model_id": meta.get("model_id"),
        "dim": int(meta["dim"]) if "dim" in meta else None,
        "chunker_version": int(meta.get("chunker_version", 0)),
        "passages": con.execute("SELECT count(*) FROM passages").fetchone()[0],
        "files": {"database": DB_NAME, "dense": dense_path(path, gen).name, "lexical": lexical_path(path, gen).name},
        "issues": issues,
    }


def write_manifest(con: sqlite3.Connection, path: Path) -> dict:
    manifest = manifest_data(con, path)
    manifest["written_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _atomic_write_bytes(path / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    return manifest


def manifest_problems(con: sqlite3.Connection, path: Path) -> list[str]:
    """Where manifest.json disagrees with the database (it is missing, unreadable, or says something else)."""
    f = path / MANIFEST
    if not f.is_file():
        return [f"{MANIFEST} is missing"]
    try:
        found = json.loads(f.read_text(encoding="utf-8"))
        if not isinstance(found, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as e:
        return [f"{MANIFEST} is not valid JSON ({e})"]
    want = manifest_data(con, path)
    out = []
    for key in ("format_version", "generation", "model_id", "dim", "chunker_version", "passages", "files"):
        if found.get(key) != want[key]:
            out.append(f"{MANIFEST} says {key} = {found.get(key)!r}, the database {want[key]!r}")
    issues = found.get("issues") if isinstance(found.get("issues"), dict) else {}
    if issues != want["issues"]:
        extra, missing = sorted(set(issues) - set(want["issues"])), sorted(set(want["issues"]) - set(issues))
        changed = sorted(i for i in set(issues) & set(want["issues"]) if issues[i] != want["issues"][i])
        detail = "; ".join(
            f"{label}: {', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}"
            for label, ids in (("not in the database", extra), ("not in the manifest", missing), ("different", changed))
            if ids
        )
        out.append(f"{MANIFEST} lists other issues than the database ({detail})")
    return out


# ---------- check and repair ----------


def _check_dense(path: Path, gen: int, dim: int, ids: np.ndarray, con: sqlite3.Connection, model_id: str) -> list[str]:
    import faiss

    f = dense_path(path, gen)
    if not f.is_file():
        return [f"{f.name} (dense search file of generation {gen}) is missing"]
    try:
        index = faiss.read_index(str(f))
    except Exception as e:  # noqa: BLE001
        return [f"{f.name} cannot be read ({type(e).__name__}; {f.stat().st_size} bytes: truncated or damaged)"]
    if not (isinstance(index, faiss.IndexIDMap2) or is_ivf(index)):
        return [f"{f.name} is neither an IndexIDMap2 nor an IVF index (found {type(index).__name__})"]
    if index.d != dim:
        return [
            f"{f.name} holds {index.d}-dimensional vectors, the index model {model_id} makes {dim} (built with another model)"
        ]
    found = np.sort(_dense_ids(index))
    if not np.array_equal(found, ids):
        return [
            f"{f.name} holds {len(found)} passages, the database {len(ids)} "
            f"({len(np.setdiff1d(ids, found))} missing, {len(np.setdiff1d(found, ids))} not in the database)"
        ]
    sample = ids[np.linspace(0, len(ids) - 1, min(len(ids), 20)).astype(int)] if len(ids) else ids
    if len(sample):
        sids, stored = load_vectors(con, model_id, dim, sample)
        got = np.vstack([index.reconstruct(int(i)) for i in sids]) if len(sids) else stored
        if not np.allclose(got, stored, atol=1e-5):
            return [f"{f.name} holds vectors other than the stored {model_id} vectors (built with another model?)"]
    return []


def _check_lexical(path: Path, gen: int, ids: np.ndarray) -> list[str]:
    import bm25s

    d = lexical_path(path, gen)
    if not d.is_dir():
        return [f"{d.name}/ (lexical search files of generation {gen}) is missing"]
    # the term counts only speed up the next write (without them it counts every passage): optional, but whole
    has_counts = [(d / f"{name}.npy").is_file() for name in TermCounts.FILES]
    try:
        row_ids = np.load(d / "ids.npy")
        vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
        counts = TermCounts.load(d) if all(has_counts) else None
        bm25 = bm25s.BM25.load(d, mmap=False, load_vocab=False, show_progress=False) if len(row_ids) else None
    except Exception as e:  # noqa: BLE001
        return [f"{d.name}/ cannot be read ({type(e).__name__}: missing or damaged file)"]
    out = []
    if not np.array_equal(np.sort(row_ids), ids):
        out.append(f"{d.name}/ lists {len(row_ids)} passages, the database {len(ids)}")
    if counts is not None:
        out += [f"{d.name}/ {p}" for p in counts.problems(len(row_ids), len(vocab))]
    elif any(has_counts):
        out.append(f"{d.name}/ has only some of its term-count files")
    if bm25 is not None and (bm25.scores["num_docs"] != len(row_ids) or len(bm25.scores["indptr"]) != len(vocab) + 1):
        out.append(f"{d.name}/ BM25 matrix does not match its passages or vocabulary")
    return out


def verify(con: sqlite3.Connection, path: Path, *, manifest: bool = True) -> list[str]:
    """Every way the committed index disagrees with itself, one line each (empty: sound)."""
    quick = con.execute("PRAGMA quick_check").fetchone()[0]
    if quick != "ok":
        return [f"{DB_NAME} is damaged: {quick}"]
    meta = get_meta(con)
    missing = [k for k in ("generation", "model_id", "dim") if k not in meta]
    if missing:
        return [f"{DB_NAME} records no {', '.join(missing)}"]
    gen, model_id, dim = int(meta["generation"]), meta["model_id"], int(meta["dim"])
    problems = []
    for issue_id, n_passages, found_p, n_articles, found_a in con.execute(
        "SELECT i.issue_id, i.n_passages, (SELECT count(*) FROM passages p WHERE p.issue_id = i.issue_id),"
        " i.n_articles, (SELECT count(*) FROM articles a WHERE a.issue_id = i.issue_id) FROM issues i"
    ):
        if (n_passages, n_articles) != (found_p, found_a):
            problems.append(
                f"issue {issue_id}: recorded {n_articles} articles / {n_passages} passages, "
                f"stored {found_a} / {found_p}"
            )
    orphans = con.execute(
        "SELECT count(*) FROM passages WHERE issue_id NOT IN (SELECT issue_id FROM issues)"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} passages belong to no issue")
    no_vector = con.execute(
        "SELECT count(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model_id = ?"
        " AND v.content_hash = p.content_hash)",
        (model_id,),
    ).fetchone()[0]
    if no_vector:
        problems.append(f"{no_vector} passages have no vector for the index model {model_id}")
    bad_size = con.execute(
        "SELECT count(*) FROM vectors WHERE model_id = ? AND length(vector) != ?", (model_id, 4 * dim)
    ).fetchone()[0]
    if bad_size:
        problems.append(f"{bad_size} stored vectors of {model_id} are not {dim}-dimensional (another model's?)")
    others = [r[0] for r in con.execute("SELECT DISTINCT model_id FROM vectors WHERE model_id != ?", (model_id,))]
    if others:
        problems.append(f"{DB_NAME} holds vectors of models other than the index model {model_id}: {', '.join(others)}")
    if problems:
        return problems  # the derived files are checked against a sound database only
    ids = passage_ids(con)
    problems += _check_dense(path, gen, dim, ids, con, model_id)
    problems += _check_lexical(path, gen, ids)
    if manifest:
        problems += manifest_problems(con, path)
    return problems


def check(path: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) of the index at path. Finishes an interrupted write first when no writer is running."""
    path = Path(path)
    con = open_readonly(path)
    notes: list[str] = []
    busy = False
    try:
        try:
            with writer_lock(path, timeout=0):
                wcon = connect(path)
                try:
                    notes += recover(wcon, path)
                finally:
                    wcon.close()
        except IndexBusy:
            busy = True
            notes.append("a write is in progress: checked the last committed generation, not the manifest")
        except OSError as e:  # a read-only index directory: check without recovering
            notes.append(f"cannot take the writer lock ({e.strerror}): checked without tidying up")
        return verify(con, path, manifest=not busy), notes
    finally:
        con.close()


@dataclass
class Derived:
    """The loaded derived files of one generation."""

    gen: int
    dense: object  # faiss index
    bm25: object | None  # bm25s.BM25, None for an empty index
    bm25_ids: np.ndarray
    vocab: dict[str, int]
    char_df: dict[str, int] | None = None  # filled on first use by search.character_frequency


def load_derived(path: Path, gen: int) -> Derived:
    import bm25s
    import faiss

    dpath, lpath = dense_path(path, gen), lexical_path(path, gen)
    if not dpath.is_file() or not (lpath / "ids.npy").is_file():
        raise IndexCorrupt(
            f"{path}/ is missing its search files for generation {gen}; repair it: qa index check --repair"
        )
    try:
        dense = faiss.read_index(str(dpath))
        ids = np.load(lpath / "ids.npy")
        vocab = json.loads((lpath / "vocab.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(lpath, mmap=False, load_vocab=False, show_progress=False) if len(ids) else None
    except Exception as e:  # noqa: BLE001 - a damaged file of any kind
        raise IndexCorrupt(
            f"{path}/ has a damaged search file ({type(e).__name__}); repair it: qa index check --repair"
        ) from None
    if dense.ntotal != len(ids):
        raise IndexCorrupt(
            f"{path}/: dense and lexical files disagree ({dense.ntotal} vs {len(ids)} passages); repair it: qa index check --repair"
        )
    con = connect(path, readonly=True)
    try:
        meta = get_meta(con)
    finally:
        con.close()
    if "dim" in meta and dense.d != int(meta["dim"]):
        raise IndexCorrupt(
            f"{path}/{dpath.name} holds {dense.d}-dimensional vectors but the index model "
            f"{meta.get('model_id')} makes {meta['dim']}; repair it: qa index check --repair"
        )
    return Derived(gen, dense, bm25, ids, vocab)


# ---------- reader feedback (kept across rebuilds: not part of SCHEMA, so a fresh build leaves it alone) ----------

FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, created_at REAL NOT NULL, rating INTEGER NOT NULL, question TEXT NOT NULL,
    answer TEXT, citations TEXT NOT NULL, model_id TEXT, generation INTEGER);
"""


def add_feedback(path: Path, question: str, answer: str | None, citations: list[dict], liked: bool) -> int:
    """Store a reader's thumbs up (liked) or down on an answer, with the question and its citations; the row id."""
    path = Path(path)
    if not is_index(path):
        raise IndexMissing(f"no index at {path}/ to store feedback in")
    con = connect(path)
    try:
        con.executescript(FEEDBACK_SCHEMA)
        meta = get_meta(con)
        cur = con.execute(
            "INSERT INTO feedback (created_at, rating, question, answer, citations, model_id, generation)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                time.time(),
                1 if liked else -1,
                question,
                answer,
                json.dumps(citations, ensure_ascii=False),
                meta.get("model_id"),
                int(meta.get("generation", 0)),
            ),
        )
        return int(cur.lastrowid)
    finally:
        con.close()


def feedback(path: Path) -> list[dict]:
    """Every stored feedback row, oldest first."""
    con = open_readonly(Path(path))
    try:
        if not con.execute("SELECT name FROM sqlite_master WHERE name='feedback'").fetchone():
            return []
        rows = con.execute(
            "SELECT id, created_at, rating, question, answer, citations, model_id, generation FROM feedback ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    return [
        {
            "id": r[0],
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r[1])),
            "rating": "up" if r[2] > 0 else "down",
            "question": r[3],
            "answer": r[4],
            "citations": json.loads(r[5]),
            "model_id": r[6],
            "generation": r[7],
        }
        for r in rows
    ]
