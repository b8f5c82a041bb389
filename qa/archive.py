"""Writes to the archive, as verbs: build, add, remove, rebuild, repair.

Each verb plans before it takes the writer lock (parse, chunk, tokenize, embed only content hashes with no stored
vector), applies its change in one store transaction (`store.Writer`), and publishes a new generation — or leaves
the index as it was. Every issue's source files are kept in the index, so `rebuild` can read them again.
"""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import store
from .chunk import CHUNKER_VERSION, MAX_CHARS
from .errors import IssueConflict, ModelMismatch
from .inputs import prepare_issues
from .parse import Issue, parse_blobs


@dataclass
class IssueReport:
    """What a write did to one issue: added, replaced, unchanged, file kept (an issue indexed before its file was
    kept), removed, reread, reembedded, lost (no kept file), not in the index."""

    issue_id: str
    status: str
    passages: int = 0
    embedded: int = 0

    def __str__(self) -> str:
        counted = self.status in ("added", "replaced", "reread", "reembedded")
        extra = f", {self.passages} passages, {self.embedded} embedded" if counted else ""
        return f"{self.issue_id}: {self.status}{extra}"


class Timer:
    """Seconds per step of a write, into a stats dict (chunk_s, embed_s, lock_s, db_s, publish_s)."""

    def __init__(self, stats: dict | None):
        self.stats = {} if stats is None else stats
        self.clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stats[name] = round(now - self.clock, 4)
        self.clock = now


@dataclass
class Plan:
    """Issues ready to insert: their passage rows, content hashes, and the vectors embedded for them."""

    issues: list[Issue]
    rows: dict[str, list[tuple]]
    hashes: dict[str, set[str]]
    vectors: dict[str, np.ndarray]

    def embedded(self, issue_id: str) -> int:
        return sum(1 for h in self.hashes[issue_id] if h in self.vectors)


def _plan(path: Path, issues: list[Issue], embedder, *, max_chars: int, reuse: bool, progress: bool, timer) -> Plan:
    """Chunk and tokenize the issues and embed what needs it: the content hashes with no stored vector (all of
    them unless reuse)."""
    issues, rows, hashes, texts = prepare_issues(issues, max_chars)
    timer.lap("chunk_s")
    known = store.known_vectors(path, embedder.model_id, set(texts)) if reuse else set()
    todo = [h for h in texts if h not in known]
    vectors = dict(zip(todo, embedder.encode_documents([texts[h] for h in todo], progress=progress))) if todo else {}
    store.preload()
    timer.lap("embed_s")
    timer.stats["embedded"] = len(todo)
    return Plan(issues, rows, hashes, vectors)


def _refuse_other_model(path: Path, index_model: str | None, model_id: str) -> None:
    if index_model and index_model != model_id:
        raise ModelMismatch(
            f"{path}/ holds vectors of model {index_model!r}, not {model_id!r}; "
            f"re-embed everything with: qa index rebuild --model {model_id}"
        )


def _complete_vectors(tx: store.Writer, embedder, progress: bool, hashes: set[str] | None = None) -> int:
    """Embed, under the lock, passages still without a vector (another writer removed it after we looked, or a
    repair); how many."""
    missing = tx.missing_vectors(embedder.model_id, hashes)
    if missing:
        texts = tx.embed_texts(missing)
        vectors = embedder.encode_documents([texts[h] for h in missing], progress=progress)
        tx.put_vectors(embedder.model_id, dict(zip(missing, vectors)))
    return len(missing)


def _meta(embedder, max_chars: int) -> dict[str, object]:
    return {
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "chunker_version": CHUNKER_VERSION,
        "max_chars": max_chars,
    }


def _put(tx: store.Writer, issue: Issue, plan: Plan, replace: bool) -> tuple[IssueReport, set[str]]:
    """Insert one planned issue (or find it unchanged); its report and the content hashes it replaced."""
    stored = tx.source_hash(issue.issue_id)
    if stored == issue.source_hash:
        return IssueReport(issue.issue_id, "file kept" if tx.restore_sources(issue) else "unchanged"), set()
    gone: set[str] = set()
    if stored is not None:
        if not replace:
            raise IssueConflict(
                f"issue {issue.issue_id!r} is already indexed from a different file; "
                f"use --replace to swap it, or give another --issue-id (nothing was written)"
            )
        gone = tx.remove_issue(issue.issue_id)
    tx.add_issue(issue, plan.rows[issue.issue_id])
    status = "replaced" if stored is not None else "added"
    return IssueReport(issue.issue_id, status, len(plan.rows[issue.issue_id]), plan.embedded(issue.issue_id)), gone


def add(
    path: str | Path,
    issues: list[Issue],
    *,
    model: str | None = None,
    replace: bool = False,
    max_chars: int = MAX_CHARS,
    progress: bool = False,
    stats: dict | None = None,
) -> list[IssueReport]:
    """Add issues to the index at path (created if needed); with replace, an issue id indexed from another file is
    swapped. Only new content is embedded; the search files are updated from the previous generation's."""
    from .embed import load, model_name

    path, timer = Path(path), Timer(stats)
    current = store.model_of(path)
    if model:
        _refuse_other_model(path, current, model_name(model))
    embedder = load(model or current)
    plan = _plan(path, issues, embedder, max_chars=max_chars, reuse=True, progress=progress, timer=timer)
    with store.writing(path) as tx:
        timer.lap("lock_s")
        _refuse_other_model(path, tx.meta().get("model_id"), embedder.model_id)
        reports, gone = [], set()
        for issue in plan.issues:
            report, replaced = _put(tx, issue, plan, replace)
            reports.append(report)
            gone |= replaced
        if all(r.status == "unchanged" for r in reports):
            return reports  # nothing to publish: rolled back, the generation stays
        tx.put_vectors(embedder.model_id, plan.vectors)
        new = set().union(*(plan.hashes[r.issue_id] for r in reports if r.status in ("added", "replaced")))
        timer.stats["embedded"] += _complete_vectors(tx, embedder, progress, new)
        tx.drop_vectors(embedder.model_id, embedder.dim, gone)
        tx.set_meta(_meta(embedder, max_chars))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=True))
        timer.lap("publish_s")
    return reports


def build(
    path: str | Path,
    issues: list[Issue],
    *,
    model: str | None = None,
    fresh: bool = False,
    max_chars: int = MAX_CHARS,
    progress: bool = False,
    stats: dict | None = None,
) -> list[IssueReport]:
    """Make the index at path hold exactly these issues. Refused (IssueConflict naming them) if it holds issues
    that are not among them, unless fresh: starting over on purpose."""
    from .embed import load

    path, timer = Path(path), Timer(stats)
    embedder = load(model)
    plan = _plan(path, issues, embedder, max_chars=max_chars, reuse=True, progress=progress, timer=timer)
    with store.writing(path, fresh=fresh) as tx:
        timer.lap("lock_s")
        held = sorted(tx.issue_ids() - {i.issue_id for i in plan.issues})
        if held and not fresh:
            raise IssueConflict(
                f"{path}/ holds {len(held)} issue(s) not among these files ({', '.join(held[:5])}"
                f"{' ...' if len(held) > 5 else ''}); give their files too, remove them (qa index remove ID...),"
                f" or start over with: qa index build --fresh FILE... (nothing was written)"
            )
        for issue_id in tx.issue_ids():
            tx.remove_issue(issue_id)
        for issue in plan.issues:
            tx.add_issue(issue, plan.rows[issue.issue_id])
        tx.drop_vectors(embedder.model_id, embedder.dim)  # other models', other sizes, unused
        tx.put_vectors(embedder.model_id, plan.vectors)
        timer.stats["embedded"] += _complete_vectors(tx, embedder, progress)
        tx.set_meta(_meta(embedder, max_chars))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    return [
        IssueReport(i.issue_id, "added", len(plan.rows[i.issue_id]), plan.embedded(i.issue_id)) for i in plan.issues
    ]


def remove(path: str | Path, issue_ids: list[str], *, stats: dict | None = None) -> list[IssueReport]:
    """Remove issues (and their kept files) by id; the search files are updated from the previous generation's."""
    path, timer = Path(path), Timer(stats)
    with store.writing(path, create=False) as tx:
        timer.lap("lock_s")
        reports, gone = [], set()
        for issue_id in issue_ids:
            if tx.source_hash(issue_id) is None:
                reports.append(IssueReport(issue_id, "not in the index"))
                continue
            gone |= tx.remove_issue(issue_id)
            reports.append(IssueReport(issue_id, "removed"))
        if all(r.status != "removed" for r in reports):
            return reports
        meta = tx.meta()
        tx.drop_vectors(meta["model_id"], int(meta["dim"]), gone)
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=True))
        timer.lap("publish_s")
    return reports


def _reread(read_source, record: dict) -> Issue:
    """An issue read again from its kept source files (read_source(sha256, issue id, name) → bytes), under its id,
    date and paper."""
    blobs = [(name, read_source(sha, record["issue_id"], name)) for name, sha in record["sources"]]
    source = record.get("source") or blobs[0][0]
    return parse_blobs(blobs, source, issue_id=record["issue_id"], date=record["date"], paper=record["paper"])


def _restore(path: Path, model: str | None, progress: bool, timer: Timer) -> list[IssueReport]:
    """A lost qa.db made again from manifest.json and the kept files it lists (issues without any are lost)."""
    from .embed import load

    manifest = store.read_manifest(path)
    records = [
        {**entry, "issue_id": issue_id, "sources": [(s["name"], s["sha256"]) for s in entry.get("sources", [])]}
        for issue_id, entry in manifest["issues"].items()
    ]
    issues = [_reread(lambda *a: store.read_source(path, *a), r) for r in records if r["sources"]]
    embedder = load(model or manifest.get("model_id"))
    plan = _plan(path, issues, embedder, max_chars=MAX_CHARS, reuse=False, progress=progress, timer=timer)
    with store.writing(path, fresh=True) as tx:
        timer.lap("lock_s")
        if tx.issue_ids():
            raise IssueConflict(f"{path}/ was built again meanwhile; nothing to restore (nothing was written)")
        for issue in plan.issues:
            tx.add_issue(issue, plan.rows[issue.issue_id])
        tx.put_vectors(embedder.model_id, plan.vectors)
        tx.set_meta(_meta(embedder, MAX_CHARS))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    restored = [
        IssueReport(i.issue_id, "reread", len(plan.rows[i.issue_id]), plan.embedded(i.issue_id)) for i in issues
    ]
    return restored + [IssueReport(r["issue_id"], "lost (no kept file)") for r in records if not r["sources"]]


def _plan_rebuild(path: Path, model: str | None, progress: bool, timer: Timer) -> tuple[Plan, list[dict], object]:
    """Before the lock: every issue read again from its kept files and embedded, and the stored passages of issues
    without any embedded; (the plan, the issue records it started from, the embedder)."""
    from .embed import load

    with closing(store.open(path)) as archive:
        meta, records = archive.meta(), archive.issue_records()
        issues = [_reread(archive.read_source, r) for r in records if r["sources"]]
        as_stored = [r["issue_id"] for r in records if not r["sources"]]
        stored_texts = archive.embed_texts(as_stored) if as_stored else {}
    embedder = load(model or meta["model_id"])
    max_chars = int(meta.get("max_chars", MAX_CHARS))
    plan = _plan(path, issues, embedder, max_chars=max_chars, reuse=False, progress=progress, timer=timer)
    todo = [h for h in stored_texts if h not in plan.vectors]
    plan.vectors.update(zip(todo, embedder.encode_documents([stored_texts[h] for h in todo], progress=progress)))
    timer.stats["embedded"] = len(plan.vectors)
    return plan, records, embedder


def _same_issues(a: list[dict], b: list[dict]) -> bool:
    return {(r["issue_id"], r["source_hash"]) for r in a} == {(r["issue_id"], r["source_hash"]) for r in b}


def rebuild(
    path: str | Path, *, model: str | None = None, progress: bool = False, stats: dict | None = None
) -> list[IssueReport]:
    """Read every issue again from its kept files (issues without any keep their stored passages) and re-embed
    everything, with the index's model or a new one; one atomic change. An index whose qa.db was lost is made
    again from its manifest and kept files."""
    path, timer = Path(path), Timer(stats)
    if not store.is_index(path):
        return _restore(path, model, progress, timer)
    plan, records, embedder = _plan_rebuild(path, model, progress, timer)
    with store.writing(path, create=False) as tx:
        timer.lap("lock_s")
        if not _same_issues(tx.issue_records(), records):
            raise IssueConflict(
                f"{path}/ changed while it was being rebuilt; run the rebuild again (nothing was written)"
            )
        max_chars = int(tx.meta().get("max_chars", MAX_CHARS))
        added_at = {r["issue_id"]: r["added_at"] for r in records}
        for issue in plan.issues:
            tx.remove_issue(issue.issue_id)
            tx.add_issue(issue, plan.rows[issue.issue_id], added_at[issue.issue_id])
        tx.put_vectors(embedder.model_id, plan.vectors)
        tx.drop_vectors(embedder.model_id, embedder.dim)
        tx.set_meta(_meta(embedder, max_chars))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    reports = [
        IssueReport(i.issue_id, "reread", len(plan.rows[i.issue_id]), len(plan.hashes[i.issue_id])) for i in plan.issues
    ]
    reread = {i.issue_id for i in plan.issues}
    return reports + [IssueReport(r["issue_id"], "reembedded") for r in records if r["issue_id"] not in reread]


def repair(path: str | Path, *, progress: bool = False, stats: dict | None = None) -> int:
    """Rebuild the search files and the manifest from the database, embedding passages that lack a vector of the
    index model and dropping other vectors; how many passages were embedded."""
    from .embed import load

    path, timer = Path(path), Timer(stats)
    with store.writing(path, create=False) as tx:
        timer.lap("lock_s")
        meta = tx.meta()
        model_id, dim = meta["model_id"], int(meta["dim"])
        tx.drop_vectors(model_id, dim)
        embedded = _complete_vectors(tx, load(model_id), progress) if tx.missing_vectors(model_id) else 0
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    return embedded
