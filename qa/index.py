"""The Index: build, add, remove and rebuild issues; search and ask it."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import store
from .chunk import CHUNKER_VERSION, MAX_CHARS, Chunk, chunk_issue
from .errors import IndexCorrupt, IssueConflict, ModelMismatch
from .parse import Issue, parse_file
from .search import MODES, Passage, fetch_passages, rank
from .text import tokens

DEFAULT_INDEX = "index"
MAX_QUESTION_CHARS = 500


def default_index_dir() -> Path:
    return Path(os.environ.get("QA_INDEX") or DEFAULT_INDEX)


@dataclass
class IssueReport:
    """What a write did to one issue: added, replaced, unchanged, removed."""

    issue_id: str
    status: str
    passages: int = 0
    embedded: int = 0

    def __str__(self) -> str:
        extra = f", {self.passages} passages, {self.embedded} embedded" if self.status in ("added", "replaced") else ""
        return f"{self.issue_id}: {self.status}{extra}"


def _index_model(path: Path) -> str | None:
    if not store.is_index(path):
        return None
    con = store.open_readonly(path)
    try:
        return store.get_meta(con).get("model_id") if con.execute(
            "SELECT name FROM sqlite_master WHERE name='meta'").fetchone() else None
    finally:
        con.close()


def _known_vectors(path: Path, model_id: str, hashes: set[str]) -> set[str]:
    if not store.is_index(path) or not hashes:
        return set()
    con = store.open_readonly(path)
    try:
        if not con.execute("SELECT name FROM sqlite_master WHERE name='vectors'").fetchone():
            return set()
        known = set()
        hl = list(hashes)
        for s in range(0, len(hl), 500):
            part = hl[s : s + 500]
            known.update(r[0] for r in con.execute(
                f"SELECT content_hash FROM vectors WHERE model_id=? AND content_hash IN ({','.join('?' * len(part))})",
                [model_id, *part]))
        return known
    finally:
        con.close()


def _insert_issue(con, issue: Issue, chunks: list[Chunk]) -> None:
    con.execute(
        "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?)",
        (issue.issue_id, issue.paper, issue.date, str(issue.source), issue.source_hash, time.time(),
         len(issue.articles), len(chunks)),
    )
    con.executemany(
        "INSERT INTO articles VALUES (?,?,?,?,?,?)",
        [(issue.issue_id, a.no, a.title, json.dumps(a.kickers, ensure_ascii=False),
          json.dumps(a.reporters, ensure_ascii=False), json.dumps(a.bylines, ensure_ascii=False))
         for a in issue.articles],
    )
    con.executemany(
        "INSERT INTO passages (issue_id, article_no, paragraph_no, part_no, kind, section, text, text_hash,"
        " content_hash, tokens) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(c.issue_id, c.article_no, c.paragraph_no, c.part_no, c.kind, c.section, c.text,
          store_hash(c.text), c.content_hash, " ".join(t for t in tokens(f"{c.context} {c.text}") if " " not in t))
         for c in chunks],
    )


def store_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write(
    path: str | Path,
    issues: list[Issue],
    *,
    model: str | None = None,
    fresh: bool = False,
    replace: bool = False,
    remove: list[str] | None = None,
    reembed: bool = False,
    max_chars: int = MAX_CHARS,
    progress: bool = False,
) -> list[IssueReport]:
    """One atomic change to the index at path: add (or replace) issues, remove issue ids, or start afresh."""
    from .embed import load as load_model
    from .embed import model_name

    path = Path(path)
    current = None if fresh or reembed else _index_model(path)
    if model and current and model_name(model) != current:
        raise ModelMismatch(
            f"{path}/ holds vectors of model {current!r}, not {model_name(model)!r}; "
            f"re-embed everything with: qa index rebuild --model {model_name(model)}")
    embedder = load_model(current or model)

    seen: dict[str, Issue] = {}
    for issue in issues:
        if issue.issue_id in seen and seen[issue.issue_id].source_hash != issue.source_hash:
            raise IssueConflict(f"two different files have issue id {issue.issue_id!r} ({seen[issue.issue_id].source}, {issue.source}); give each its own --issue-id")
        seen[issue.issue_id] = issue
    issues = list(seen.values())
    chunks = {i.issue_id: chunk_issue(i, max_chars) for i in issues}
    all_chunks = [c for cs in chunks.values() for c in cs]
    need = {c.content_hash: c.embed_text for c in all_chunks}
    known = _known_vectors(path, embedder.model_id, set(need))
    todo = [h for h in need if h not in known]
    vectors = embedder.encode_documents([need[h] for h in todo], progress=progress) if todo else None
    embedded = set(todo)

    reports: list[IssueReport] = []
    with store.write_transaction(path) as con:
        meta = store.get_meta(con)
        if meta.get("model_id") and meta["model_id"] != embedder.model_id and not (fresh or reembed):
            raise ModelMismatch(f"{path}/ holds vectors of model {meta['model_id']!r}, not {embedder.model_id!r}")
        if fresh:
            con.execute("DELETE FROM issues")
        for issue_id in remove or []:
            if con.execute("DELETE FROM issues WHERE issue_id=?", (issue_id,)).rowcount:
                reports.append(IssueReport(issue_id, "removed"))
            else:
                reports.append(IssueReport(issue_id, "not in the index"))
        for issue in issues:
            row = con.execute("SELECT source_hash FROM issues WHERE issue_id=?", (issue.issue_id,)).fetchone()
            status = "added"
            if row and row[0] == issue.source_hash:
                reports.append(IssueReport(issue.issue_id, "unchanged"))
                continue
            if row:
                if not replace:
                    raise IssueConflict(
                        f"issue {issue.issue_id!r} is already indexed from a different file; "
                        f"use --replace to swap it, or give another --issue-id")
                con.execute("DELETE FROM issues WHERE issue_id=?", (issue.issue_id,))
                status = "replaced"
            _insert_issue(con, issue, chunks[issue.issue_id])
            n_new = sum(1 for c in {c.content_hash for c in chunks[issue.issue_id]} if c in embedded)
            reports.append(IssueReport(issue.issue_id, status, len(chunks[issue.issue_id]), n_new))
        if vectors is not None:
            con.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?,?,?)",
                [(embedder.model_id, h, v.tobytes()) for h, v in zip(todo, vectors)],
            )
        if reembed:
            con.execute("DELETE FROM vectors WHERE model_id != ?", (embedder.model_id,))
            missing = [r[0] for r in con.execute(
                "SELECT DISTINCT p.content_hash FROM passages p LEFT JOIN vectors v ON v.content_hash = p.content_hash"
                " AND v.model_id = ? WHERE v.content_hash IS NULL", (embedder.model_id,))]
            if missing:
                texts = _embed_texts(con, missing)
                vecs = embedder.encode_documents([texts[h] for h in missing], progress=progress)
                con.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?)",
                                [(embedder.model_id, h, v.tobytes()) for h, v in zip(missing, vecs)])
        con.execute("DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM passages)")
        gen = store.generation(con) + 1
        for key, value in (("format_version", store.FORMAT_VERSION), ("model_id", embedder.model_id),
                           ("dim", embedder.dim), ("chunker_version", CHUNKER_VERSION), ("max_chars", max_chars)):
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))
        store.build_derived(con, path, gen)
        store.commit(con, path, gen)
    return reports


def _embed_texts(con, hashes: list[str]) -> dict[str, str]:
    """The embedded text of each content hash, rebuilt from the stored passage and its article."""
    out = {}
    for s in range(0, len(hashes), 500):
        part = hashes[s : s + 500]
        for h, text, title, section in con.execute(
            "SELECT p.content_hash, p.text, a.title, p.section FROM passages p JOIN articles a"
            f" ON a.issue_id = p.issue_id AND a.article_no = p.article_no WHERE p.content_hash IN ({','.join('?' * len(part))})",
            part,
        ):
            out[h] = f"{' '.join(x for x in (title, section) if x)}\n{text}"
    return out


class Index:
    """A built index, opened for search. Picks up new writes (a new generation) without reopening."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._con = store.open_readonly(self.path)
        self._lock = threading.RLock()
        self._derived = None
        self.meta = store.get_meta(self._con)
        if "model_id" not in self.meta:
            raise IndexCorrupt(f"{self.path}/ has no model recorded; rebuild it: qa index build FILE...")

    @classmethod
    def open(cls, path: str | Path | None = None) -> "Index":
        return cls(default_index_dir() if path is None else path)

    # ----- writes (classmethods so a missing index can be created) -----
    @classmethod
    def build(cls, path: str | Path, files, *, model: str | None = None, progress: bool = False, **kw) -> "Index":
        write(path, [parse_file(f) for f in files], model=model, fresh=True, progress=progress, **kw)
        return cls(path)

    # ----- state -----
    @property
    def model_id(self) -> str:
        return self.meta["model_id"]

    @property
    def embedder(self):
        from .embed import load

        return load(self.model_id)

    def _current(self):
        """The derived files of the committed generation, reloaded when a writer has published a new one."""
        with self._lock:
            gen = store.generation(self._con)
            if self._derived is None or self._derived.gen != gen:
                try:
                    self._derived = store.load_derived(self.path, gen)
                except IndexCorrupt:
                    # a writer may have published and cleaned up between our two reads: look once more
                    gen2 = store.generation(self._con)
                    if gen2 == gen:
                        raise
                    self._derived = store.load_derived(self.path, gen2)
                self.meta = store.get_meta(self._con)
            return self._derived

    def issues(self) -> list[dict]:
        """Indexed issues, newest first: issue_id, paper, date, articles, passages, source, source_hash, added_at."""
        with self._lock:
            rows = self._con.execute(
                "SELECT issue_id, paper, date, n_articles, n_passages, source, source_hash, added_at FROM issues"
                " ORDER BY coalesce(date, '') DESC, added_at DESC").fetchall()
        keys = ("issue_id", "paper", "date", "articles", "passages", "source", "source_hash", "added_at")
        return [dict(zip(keys, r)) for r in rows]

    def __len__(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM passages").fetchone()[0]

    # ----- search -----
    def _allowed(self, issues) -> np.ndarray | None:
        if issues is None:
            return None
        issues = [issues] if isinstance(issues, str) else list(issues)
        with self._lock:
            rows = self._con.execute(
                f"SELECT id FROM passages WHERE issue_id IN ({','.join('?' * len(issues))})", issues).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def search(self, question: str, k: int = 5, *, mode: str = "hybrid", issues=None) -> list[Passage]:
        """The k best passages for the question, best first."""
        question = (question or "").strip()
        if not question:
            raise ValueError("empty question")
        if len(question) > MAX_QUESTION_CHARS:
            raise ValueError(f"question too long ({len(question)} characters, at most {MAX_QUESTION_CHARS})")
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        derived = self._current()
        allowed = self._allowed(issues)
        if allowed is not None and not len(allowed):
            return []
        qvec = self.embedder.encode_query(question) if mode != "lexical" else None
        ranked = rank(derived, question, qvec, k, mode, allowed)
        with self._lock:
            return fetch_passages(self._con, ranked, k)

    def close(self) -> None:
        self._con.close()
