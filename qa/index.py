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
from .chunk import CHUNKER_VERSION, MAX_CHARS, Chunk, chunk_issue, embed_text
from .errors import IndexCorrupt, IndexMissing, IssueConflict, ModelMismatch
from .parse import Issue, ParseError, parse_file
from .search import MODES, Passage, fetch_passages, rank

DEFAULT_INDEX = "index"
MAX_QUESTION_CHARS = 500
MAX_ISSUE_MB = 10  # a real issue is well under 1 MB; a larger file is almost surely not one issue


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


def max_issue_bytes() -> int:
    """Largest issue file accepted: $QA_MAX_ISSUE_MB megabytes, default MAX_ISSUE_MB."""
    value = os.environ.get("QA_MAX_ISSUE_MB", "")
    try:
        return int(float(value or MAX_ISSUE_MB) * 1_000_000)
    except ValueError:
        raise ValueError(f"QA_MAX_ISSUE_MB must be a number of megabytes, not {value!r}") from None


def read_issue_files(
    files, *, issue_id: str | None = None, date: str | None = None, paper: str | None = None
) -> list[Issue]:
    """Parse the issue files of one write, all or nothing: one bad file (missing, too large, not text, given
    twice) refuses the whole call, so nothing is indexed."""
    files = [Path(f) for f in files]
    if issue_id and len(files) > 1:
        raise ValueError("--issue-id names one issue: give one FILE with it")
    nothing = "; nothing was indexed (one bad file refuses the whole call)" if len(files) > 1 else ""
    limit, seen, issues = max_issue_bytes(), {}, []
    for f in files:
        if not f.is_file():
            raise ParseError(f"{f}: {'not a file' if f.exists() else 'no such file'}{nothing}")
        key = f.resolve()
        if key in seen:
            raise ParseError(f"{f}: given twice (also as {seen[key]}){nothing}")
        seen[key] = f
        size = f.stat().st_size
        if size > limit:
            raise ParseError(
                f"{f}: too large for one issue ({size / 1e6:.1f} MB, limit {limit / 1e6:g} MB;"
                f" set QA_MAX_ISSUE_MB to raise it){nothing}"
            )
    for f in files:
        try:
            issues.append(parse_file(f, issue_id=issue_id, date=date, paper=paper))
        except ParseError as e:
            raise ParseError(f"{e}{nothing}") from None
    return issues


def _index_model(path: Path) -> str | None:
    if not store.is_index(path):
        return None
    try:
        con = store.open_readonly(path)
    except IndexMissing:  # a first build that did not finish
        return None
    try:
        return store.get_meta(con).get("model_id")
    finally:
        con.close()


def _known_vectors(path: Path, model_id: str, hashes: set[str]) -> set[str]:
    if not store.is_index(path) or not hashes:
        return set()
    con = store.connect(path, readonly=True)  # not open_readonly: vectors put in before a first build count too
    try:
        if not con.execute("SELECT name FROM sqlite_master WHERE name='vectors'").fetchone():
            return set()
        known = set()
        hl = list(hashes)
        for s in range(0, len(hl), 500):
            part = hl[s : s + 500]
            known.update(
                r[0]
                for r in con.execute(
                    f"SELECT content_hash FROM vectors WHERE model_id=? AND content_hash IN ({','.join('?' * len(part))})",
                    [model_id, *part],
                )
            )
        return known
    finally:
        con.close()


def _passage_rows(chunks: list[Chunk]) -> list[tuple]:
    """Rows of the passages table (without id) for an issue's chunks: tokenized here, before the writer lock."""
    from . import text

    contexts = [f"{c.context} {c.text}" for c in chunks]
    toks = text.tokens_many(contexts)
    return [
        (
            c.issue_id,
            c.article_no,
            c.paragraph_no,
            c.part_no,
            c.kind,
            c.section,
            c.text,
            c.text_hash,
            c.content_hash,
            " ".join(t for t in ts if " " not in t),
        )
        for c, ts in zip(chunks, toks)
    ]


def _insert_issue(con, issue: Issue, rows: list[tuple], first_id: int) -> int:
    """Insert an issue with passage ids first_id, first_id+1, ...; the next free id."""
    con.execute(
        "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?)",
        (
            issue.issue_id,
            issue.paper,
            issue.date,
            str(issue.source),
            issue.source_hash,
            time.time(),
            len(issue.articles),
            len(rows),
        ),
    )
    con.executemany(
        "INSERT INTO articles VALUES (?,?,?,?,?,?)",
        [
            (
                issue.issue_id,
                a.no,
                a.title,
                json.dumps(a.kickers, ensure_ascii=False),
                json.dumps(a.reporters, ensure_ascii=False),
                json.dumps(a.bylines, ensure_ascii=False),
            )
            for a in issue.articles
        ],
    )
    con.executemany(
        "INSERT INTO passages (id, issue_id, article_no, paragraph_no, part_no, kind, section, text, text_hash,"
        " content_hash, tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(first_id + n, *row) for n, row in enumerate(rows)],
    )
    return first_id + len(rows)


def _delete_issue(con, issue_id: str) -> set[str]:
    """Delete an issue (its articles and passages cascade); the content hashes its passages had."""
    hashes = {r[0] for r in con.execute("SELECT content_hash FROM passages WHERE issue_id=?", (issue_id,))}
    con.execute("DELETE FROM issues WHERE issue_id=?", (issue_id,))
    return hashes


def _distinct(issues: list[Issue]) -> list[Issue]:
    """The issues of one write; the same issue twice or two files for one issue id refuse the whole write."""
    by_id: dict[str, Issue] = {}
    for issue in issues:
        if issue.issue_id in by_id:
            other = by_id[issue.issue_id]
            if other.source_hash == issue.source_hash:
                raise IssueConflict(
                    f"{issue.source} and {other.source} are the same issue {issue.issue_id!r}; "
                    f"give it once (nothing was written)"
                )
            raise IssueConflict(
                f"two different files have issue id {issue.issue_id!r} ({other.source}, {issue.source});"
                f" give each its own --issue-id (nothing was written)"
            )
        by_id[issue.issue_id] = issue
    return issues


def write(
    path: str | Path,
    issues: list[Issue],
    *,
    model: str | None = None,
    fresh: bool = False,
    replace: bool = False,
    remove: list[str] | None = None,
    reembed: bool = False,
    repair: bool = False,
    max_chars: int = MAX_CHARS,
    progress: bool = False,
    stats: dict | None = None,
) -> list[IssueReport]:
    """One atomic change to the index at path: add (or replace) issues, remove issue ids, start afresh (fresh),
    re-embed every passage (reembed), or rebuild the derived files from the database (repair).

    Only passages whose content hash has no stored vector are embedded, before the writer lock is taken; the
    search files are updated from the previous generation's where they are sound. An optional stats dict is
    filled with seconds per step (chunk_s, embed_s, lock_s, db_s, derived_s, commit_s), the number of texts
    embedded, and how the derived files were made (dense, lexical: "incremental" or "full").
    """
    from .embed import load as load_model
    from .embed import model_name

    stats = {} if stats is None else stats
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats[name] = round(now - clock, 4)
        clock = now

    path = Path(path)
    current = None if fresh else _index_model(path)
    if model and current and model_name(model) != current and not (fresh or reembed):
        raise ModelMismatch(
            f"{path}/ holds vectors of model {current!r}, not {model_name(model)!r}; "
            f"re-embed everything with: qa index rebuild --model {model_name(model)}"
        )
    embedder = load_model(model if fresh or model else current)  # a rebuild without --model keeps the index's model

    issues = _distinct(list(issues))
    chunks = {i.issue_id: chunk_issue(i, max_chars) for i in issues}
    rows = {issue_id: _passage_rows(cs) for issue_id, cs in chunks.items()}
    need = {c.content_hash: c.embed_text for cs in chunks.values() for c in cs}
    if reembed and current:
        con = store.open_readonly(path)
        try:
            need.update(_embed_texts(con))
        finally:
            con.close()
    lap("chunk_s")
    known = set() if reembed else _known_vectors(path, embedder.model_id, set(need))
    todo = [h for h in need if h not in known]
    vectors = dict(zip(todo, embedder.encode_documents([need[h] for h in todo], progress=progress))) if todo else {}
    store.preload()
    lap("embed_s")
    stats["embedded"] = len(todo)

    reports: list[IssueReport] = []
    with store.write_transaction(path) as con:
        lap("lock_s")
        meta = store.get_meta(con)
        if meta.get("model_id") and meta["model_id"] != embedder.model_id and not (fresh or reembed):
            raise ModelMismatch(
                f"{path}/ holds vectors of model {meta['model_id']!r}, not {embedder.model_id!r}; "
                f"re-embed everything with: qa index rebuild --model {embedder.model_id}"
            )
        prev_gen, prev_ids = store.generation(con), store.passage_ids(con)
        next_id = max(int(meta.get("next_passage_id", 1)), int(prev_ids[-1]) + 1 if len(prev_ids) else 1)
        everything = fresh or reembed or repair  # every vector and derived file is looked at, not only the new ones
        changed = everything
        gone: set[str] = set()  # content hashes of deleted passages: their vectors may go
        new_hashes: set[str] = set()
        if fresh:
            con.execute("DELETE FROM issues")
        for issue_id in remove or []:
            if con.execute("SELECT 1 FROM issues WHERE issue_id=?", (issue_id,)).fetchone():
                gone |= _delete_issue(con, issue_id)
                reports.append(IssueReport(issue_id, "removed"))
                changed = True
            else:
                reports.append(IssueReport(issue_id, "not in the index"))
        for issue in issues:
            row = con.execute("SELECT source_hash FROM issues WHERE issue_id=?", (issue.issue_id,)).fetchone()
            if row and row[0] == issue.source_hash:
                reports.append(IssueReport(issue.issue_id, "unchanged"))
                continue
            status = "added"
            if row:
                if not replace:
                    raise IssueConflict(
                        f"issue {issue.issue_id!r} is already indexed from a different file; "
                        f"use --replace to swap it, or give another --issue-id (nothing was written)"
                    )
                gone |= _delete_issue(con, issue.issue_id)
                status = "replaced"
            next_id = _insert_issue(con, issue, rows[issue.issue_id], next_id)
            hashes = {c.content_hash for c in chunks[issue.issue_id]}
            new_hashes |= hashes
            reports.append(
                IssueReport(issue.issue_id, status, len(rows[issue.issue_id]), sum(1 for h in hashes if h in vectors))
            )
            changed = True
        if not changed:
            return reports  # nothing to publish: the transaction is rolled back, the generation stays

        model_id = embedder.model_id
        if reembed:
            con.execute("DELETE FROM vectors")
        if everything:
            con.execute("DELETE FROM vectors WHERE model_id != ? OR length(vector) != ?", (model_id, 4 * embedder.dim))
        con.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?,?,?)", [(model_id, h, v.tobytes()) for h, v in vectors.items()]
        )
        # hashes still without a vector: another writer removed them after we looked, or a repair
        missing = (
            [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT content_hash FROM passages p WHERE NOT EXISTS (SELECT 1 FROM vectors v"
                    " WHERE v.model_id = ? AND v.content_hash = p.content_hash)",
                    (model_id,),
                )
            ]
            if everything
            else [
                h
                for h in new_hashes
                if not con.execute(
                    "SELECT 1 FROM vectors WHERE model_id=? AND content_hash=?", (model_id, h)
                ).fetchone()
            ]
        )
        if missing:
            stats["embedded"] += len(missing)
            texts = _embed_texts(con, missing)
            con.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?,?,?)",
                [
                    (model_id, h, v.tobytes())
                    for h, v in zip(missing, embedder.encode_documents([texts[h] for h in missing], progress=progress))
                ],
            )
        if everything:
            con.execute("DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM passages)")
        else:
            con.executemany(
                "DELETE FROM vectors WHERE model_id = ? AND content_hash = ? AND NOT EXISTS"
                " (SELECT 1 FROM passages WHERE content_hash = ?)",
                [(model_id, h, h) for h in gone],
            )
        for key, value in (
            ("format_version", store.FORMAT_VERSION),
            ("model_id", model_id),
            ("dim", embedder.dim),
            ("chunker_version", CHUNKER_VERSION),
            ("max_chars", max_chars),
            ("next_passage_id", next_id),
        ):
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))
        lap("db_s")
        gen = prev_gen + 1
        stats.update(store.build_derived(con, path, gen, None if everything or not prev_gen else (prev_gen, prev_ids)))
        lap("derived_s")
        store.commit(con, path, gen)
        lap("commit_s")
    return reports


def _embed_texts(con, hashes: list[str] | None = None) -> dict[str, str]:
    """The embedded text of each content hash (of every passage if None), rebuilt from the passage and its article."""
    sql = (
        "SELECT p.content_hash, p.text, a.title, p.section FROM passages p JOIN articles a"
        " ON a.issue_id = p.issue_id AND a.article_no = p.article_no"
    )
    if hashes is None:
        parts = [(sql, [])]
    else:
        parts = [
            (sql + f" WHERE p.content_hash IN ({','.join('?' * len(hashes[s : s + 500]))})", hashes[s : s + 500])
            for s in range(0, len(hashes), 500)
        ]
    out = {}
    for query, args in parts:
        for h, text, title, section in con.execute(query, args):
            out[h] = embed_text(title, section, text)
    return out


def repair(path: str | Path) -> list[IssueReport]:
    """Rebuild the search files and the manifest from the database, embedding passages that lack a vector."""
    return write(path, [], repair=True)


class Index:
    """A built index, opened for search. Picks up new writes (a new generation) without reopening."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._con = store.open_readonly(self.path)
        self._lock = threading.RLock()
        self._derived = None
        self._translation: tuple = (None, [])  # ((generation, question), its translated terms)
        self.meta = store.get_meta(self._con)
        if "model_id" not in self.meta:
            raise IndexCorrupt(f"{self.path}/ has no model recorded; rebuild it: qa index build FILE...")
        import faiss

        # One query is one vector: OpenMP threads only add hand-off latency (8 ms → 1.3 ms a search here).
        faiss.omp_set_num_threads(1)

    @classmethod
    def open(cls, path: str | Path | None = None) -> Index:
        return cls(default_index_dir() if path is None else path)

    # ----- writes (classmethods so a missing index can be created) -----
    @classmethod
    def build(cls, path: str | Path, files, *, model: str | None = None, progress: bool = False, **kw) -> Index:
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
                " ORDER BY coalesce(date, '') DESC, added_at DESC"
            ).fetchall()
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
                f"SELECT id FROM passages WHERE issue_id IN ({','.join('?' * len(issues))})", issues
            ).fetchall()
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
        terms = [t.candidates for t in self.translate(question)] if mode != "dense" else None
        ranked = rank(derived, question, qvec, k, mode, allowed, terms=terms)
        with self._lock:
            return fetch_passages(self._con, ranked, k)

    def translate(self, question: str) -> list:
        """Chinese query terms (qa.translate.Term) for a question without Chinese characters; [] for a Chinese one."""
        from .search import character_frequency, document_frequency
        from .text import has_cjk

        if has_cjk(question) or not question.strip():
            return []
        from .translate import translate

        derived = self._current()
        key = (derived.gen, question)
        if self._translation[0] != key:  # search and answer of one ask share it
            self._translation = (
                key,
                translate(
                    question,
                    lambda token: document_frequency(derived, token),
                    chars=lambda char: character_frequency(derived, char),
                ),
            )
        return self._translation[1]

    def explain(self, question: str) -> dict:
        """Why passages match: the question's own lexical tokens found in the index, its translated terms, fusion weight."""
        from .search import DENSE_WEIGHT_CJK, DENSE_WEIGHT_OTHER
        from .text import has_cjk, tokens

        derived = self._current()
        cjk = has_cjk(question)
        return {
            "language": "zh" if cjk else "other",
            "tokens": sorted({t for t in tokens(question) if t in derived.vocab}),
            "translated": [t.to_dict() for t in self.translate(question)],
            "dense_weight": DENSE_WEIGHT_CJK if cjk else DENSE_WEIGHT_OTHER,
        }

    def df(self, term: str) -> int:
        """How many passages hold the lexical token (in the files loaded by the last search)."""
        from .search import document_frequency

        return document_frequency(self._derived or self._current(), term)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a lexical token in this index (unseen tokens get the largest); a Chinese
        character that is no token counts the passages that hold it inside a word."""
        from .search import character_frequency

        derived = self._derived or self._current()
        n = self.df(term) or (character_frequency(derived, term) if len(term) == 1 else 0)
        return float(np.log((len(derived.bm25_ids) + 1) / (n + 0.5)))

    def ask(self, question: str, k: int = 5, *, history: list[str] | None = None, mode: str = "hybrid", issues=None):
        """The short answer (qa.Answer: text or None, supporting sentence, passage with citation, confidence).

        history: the user's earlier questions in this conversation, oldest first; a follow-up is answered as
        qa.followup resolves it, and Answer.understood_as says how (None when the question stood alone)."""
        from .followup import resolve

        understood = resolve(question, history, self.translate) if history else None
        asked = understood or question
        answer = self.answer(asked, self.search(asked, k=k, mode=mode, issues=issues))
        answer.question, answer.understood_as = question, understood
        return answer

    def preceding_text(self, passage: Passage) -> str | None:
        """The text of the paragraph (part) printed just before this one in its article, if any."""
        with self._lock:
            row = self._con.execute(
                "SELECT text FROM passages WHERE issue_id=? AND article_no=? AND (paragraph_no < ? OR"
                " (paragraph_no = ? AND part_no < ?)) ORDER BY paragraph_no DESC, part_no DESC LIMIT 1",
                (passage.issue_id, passage.article_no, passage.paragraph_no, passage.paragraph_no, passage.part_no),
            ).fetchone()
        return row[0] if row else None

    def answer(self, question: str, hits: list[Passage]):
        """The qa.Answer to the question from passages already retrieved (best first)."""
        from .answer import extract
        from .text import has_cjk

        # an English question's translation is the one its search made (cached); otherwise extract decides
        translated = None if has_cjk(question) else self.translate(question)
        return extract(
            question,
            hits,
            idf=self.idf,
            df=self.df,
            encode=self.embedder.encode_sentences,
            translated=translated,
            preceding=self.preceding_text,
        )

    def close(self) -> None:
        self._con.close()
