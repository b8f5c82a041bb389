"""Writes to the archive, as verbs: build, add, remove, rebuild, repair, copy.

Each verb plans before it takes the writer lock (parse, chunk, tokenize, embed only content hashes with no stored
vector), applies its change in one store transaction (`store.Writer`), and publishes a new generation — or leaves
the index as it was. Every issue's source files are kept in the index, so `rebuild` can read them again.
"""

from __future__ import annotations

import json
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import store, vectors
from .chunk import CHUNKER_VERSION, MAX_CHARS
from .errors import IssueConflict
from .inputs import prepare_issues
from .parse import Issue, parse_blobs


@dataclass
class IssueReport:
    """What a write did to one issue: added, replaced, unchanged, file kept (an issue indexed before its file was
    kept), removed, reread, reembedded, lost (no kept file), not in the index, copied."""

    issue_id: str
    status: str
    passages: int = 0
    embedded: int = 0

    def __str__(self) -> str:
        counted = self.status in ("added", "replaced", "reread", "reembedded", "copied")
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
    """Issues ready to insert: their passage rows, content hashes, the vectors embedded for them (by model) and
    their texts' part-of-speech tags."""

    issues: list[Issue]
    rows: dict[str, list[tuple]]
    hashes: dict[str, set[str]]
    vectors: dict[str, dict[str, np.ndarray]]  # model → content hash → vector
    tags: dict[str, list[tuple[str, str]]]  # text hash → (word, flag) pairs

    def embedded(self, issue_id: str) -> int:
        """The issue's passages embedded (by one model or more)."""
        return len(self.hashes[issue_id] & set().union(*self.vectors.values()))


def _plan(path: Path, issues: list[Issue], embedders: list, *, max_chars: int, reuse: bool, progress: bool, timer):
    """Chunk, tokenize and tag the issues and embed what needs it: the content hashes with no stored vector of each
    model (all of them unless reuse)."""
    issues, rows, hashes, texts, tags = prepare_issues(issues, max_chars)
    timer.lap("chunk_s")
    timer.stats["embedded"] = 0
    embedded = vectors.embed(path, texts, embedders, reuse=reuse, progress=progress, timer=timer)
    store.preload()
    timer.lap("embed_s")
    return Plan(issues, rows, hashes, embedded, tags)


def _meta(embedders: list, max_chars: int) -> dict[str, object]:
    """The index's models (the first is its main model: model_id, dim) and how its passages were cut."""
    return {
        "model_id": embedders[0].model_id,
        "dim": embedders[0].dim,
        "models": json.dumps(vectors.dims(embedders)),
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
    model: str | list[str] | None = None,
    replace: bool = False,
    max_chars: int = MAX_CHARS,
    progress: bool = False,
    stats: dict | None = None,
) -> list[IssueReport]:
    """Add issues to the index at path (created if needed); with replace, an issue id indexed from another file is
    swapped. Only new content is embedded (by each of the index's models); the search files are updated from the
    previous generation's. model: the models of a new index (as for build); for an existing one, its own."""
    from .embed import model_names

    path, timer = store.location(path), Timer(stats)
    current = store.models_of(path)
    if model:
        vectors.refuse_other_models(path, current, model_names(model))
    embedders = vectors.load_all(current or model_names(model))
    plan = _plan(path, issues, embedders, max_chars=max_chars, reuse=True, progress=progress, timer=timer)
    with store.writing(path) as tx:
        timer.lap("lock_s")
        vectors.refuse_other_models(path, list(store.index_models(tx.meta())), [e.model_id for e in embedders])
        reports, gone = [], set()
        for issue in plan.issues:
            report, replaced = _put(tx, issue, plan, replace)
            reports.append(report)
            gone |= replaced
        if all(r.status == "unchanged" for r in reports):
            return reports  # nothing to publish: rolled back, the generation stays
        vectors.put(tx, plan.vectors)
        tx.put_tags(plan.tags)
        new = set().union(*(plan.hashes[r.issue_id] for r in reports if r.status in ("added", "replaced")))
        timer.stats["embedded"] += vectors.complete(tx, embedders, progress, new)
        tx.drop_vectors(vectors.dims(embedders), gone)
        tx.set_meta(_meta(embedders, max_chars))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=True))
        timer.lap("publish_s")
    return reports


def build(
    path: str | Path,
    issues: list[Issue],
    *,
    model: str | list[str] | None = None,
    fresh: bool = False,
    max_chars: int = MAX_CHARS,
    progress: bool = False,
    stats: dict | None = None,
) -> list[IssueReport]:
    """Make the index at path hold exactly these issues. Refused (IssueConflict naming them) if it holds issues
    that are not among them, unless fresh: starting over on purpose. model: a name, a comma list or a list of names
    (qa.embed.model_names): the index keeps every model's vectors, the first is its main model."""
    from .embed import model_names

    path, timer = store.location(path), Timer(stats)
    embedders = vectors.load_all(model_names(model))
    plan = _plan(path, issues, embedders, max_chars=max_chars, reuse=True, progress=progress, timer=timer)
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
        tx.drop_vectors(vectors.dims(embedders))  # other models', other sizes, unused
        vectors.put(tx, plan.vectors)
        tx.put_tags(plan.tags)
        timer.stats["embedded"] += vectors.complete(tx, embedders, progress)
        tx.set_meta(_meta(embedders, max_chars))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    return [
        IssueReport(i.issue_id, "added", len(plan.rows[i.issue_id]), plan.embedded(i.issue_id)) for i in plan.issues
    ]


def remove(path: str | Path, issue_ids: list[str], *, stats: dict | None = None) -> list[IssueReport]:
    """Remove issues (and their kept files) by id; the search files are updated from the previous generation's."""
    path, timer = store.location(path), Timer(stats)
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
        tx.drop_vectors(store.index_models(tx.meta()), gone)
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
    from .embed import model_names

    manifest = store.read_manifest(path)
    records = [
        {**entry, "issue_id": issue_id, "sources": [(s["name"], s["sha256"]) for s in entry.get("sources", [])]}
        for issue_id, entry in manifest["issues"].items()
    ]
    issues = [_reread(lambda *a: store.read_source(path, *a), r) for r in records if r["sources"]]
    held = list(manifest.get("models") or {}) or [m for m in [manifest.get("model_id")] if m]
    embedders = vectors.load_all(model_names(model or held))
    plan = _plan(path, issues, embedders, max_chars=MAX_CHARS, reuse=False, progress=progress, timer=timer)
    with store.writing(path, fresh=True) as tx:
        timer.lap("lock_s")
        if tx.issue_ids():
            raise IssueConflict(f"{path}/ was built again meanwhile; nothing to restore (nothing was written)")
        for issue in plan.issues:
            tx.add_issue(issue, plan.rows[issue.issue_id])
        vectors.put(tx, plan.vectors)
        tx.put_tags(plan.tags)
        tx.set_meta(_meta(embedders, MAX_CHARS))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    restored = [
        IssueReport(i.issue_id, "reread", len(plan.rows[i.issue_id]), plan.embedded(i.issue_id)) for i in issues
    ]
    return restored + [IssueReport(r["issue_id"], "lost (no kept file)") for r in records if not r["sources"]]


def _plan_rebuild(path: Path, model: str | None, progress: bool, timer: Timer) -> tuple[Plan, list[dict], object]:
    """Before the lock: every issue read again from its kept files and embedded, and the stored passages of issues
    without any embedded; (the plan, the issue records it started from, the embedders)."""
    from .embed import model_names

    with closing(store.open(path)) as archive:
        meta, records = archive.meta(), archive.issue_records()
        issues = [_reread(archive.read_source, r) for r in records if r["sources"]]
        as_stored = [r["issue_id"] for r in records if not r["sources"]]
        stored_texts = archive.embed_texts(as_stored) if as_stored else {}
    embedders = vectors.load_all(model_names(model or list(store.index_models(meta))))
    max_chars = int(meta.get("max_chars", MAX_CHARS))
    plan = _plan(path, issues, embedders, max_chars=max_chars, reuse=False, progress=progress, timer=timer)
    for embedder in embedders:
        done = plan.vectors[embedder.model_id]
        todo = [h for h in stored_texts if h not in done]
        done.update(zip(todo, embedder.encode_documents([stored_texts[h] for h in todo], progress=progress)))
    timer.stats["embedded"] = sum(len(v) for v in plan.vectors.values())
    return plan, records, embedders


def _same_issues(a: list[dict], b: list[dict]) -> bool:
    return {(r["issue_id"], r["source_hash"]) for r in a} == {(r["issue_id"], r["source_hash"]) for r in b}


def rebuild(
    path: str | Path,
    *,
    model: str | list[str] | None = None,
    add_model: str | list[str] | None = None,
    progress: bool = False,
    stats: dict | None = None,
) -> list[IssueReport]:
    """Read every issue again from its kept files (issues without any keep their stored passages) and re-embed
    everything, with the index's models or new ones (model: as for build); one atomic change. An index whose qa.db
    was lost is made again from its manifest and kept files. add_model: only add these models' vectors
    (add_models)."""
    path, timer = store.location(path), Timer(stats)
    if add_model:
        return add_models(path, add_model, progress=progress, stats=timer.stats)
    if not store.is_index(path):
        return _restore(path, model, progress, timer)
    plan, records, embedders = _plan_rebuild(path, model, progress, timer)
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
        vectors.put(tx, plan.vectors)
        tx.put_tags(plan.tags)
        tx.drop_vectors(vectors.dims(embedders))
        tx.set_meta(_meta(embedders, max_chars))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    reports = [
        IssueReport(i.issue_id, "reread", len(plan.rows[i.issue_id]), len(plan.hashes[i.issue_id])) for i in plan.issues
    ]
    reread = {i.issue_id for i in plan.issues}
    return reports + [IssueReport(r["issue_id"], "reembedded") for r in records if r["issue_id"] not in reread]


def add_models(
    path: str | Path, model: str | list[str], *, progress: bool = False, stats: dict | None = None
) -> list[IssueReport]:
    """Add models to an index: each new model embeds what the stored passages embed (nothing is read or parsed
    again, the vectors of the models it has stay as they are); vectors a model already has for a content hash are
    kept. One atomic change; a report per issue."""
    from .embed import model_names

    path, timer = store.location(path), Timer(stats)
    with closing(store.open(path)) as archive:
        held, records = list(store.index_models(archive.meta())), archive.issue_records()
        texts = archive.embed_texts([r["issue_id"] for r in records])
    timer.lap("chunk_s")
    embedders = vectors.load_all(held + [m for m in model_names(model) if m not in held])
    added = vectors.embed(path, texts, embedders[len(held) :], reuse=True, progress=progress, timer=timer)
    timer.lap("embed_s")
    with store.writing(path, create=False) as tx:
        timer.lap("lock_s")
        if not _same_issues(tx.issue_records(), records) or list(store.index_models(tx.meta())) != held:
            raise IssueConflict(f"{path}/ changed while the models were added; run it again (nothing was written)")
        vectors.put(tx, added)
        timer.stats["embedded"] += vectors.complete(tx, embedders[len(held) :], progress)
        tx.set_meta(_meta(embedders, int(tx.meta().get("max_chars", MAX_CHARS))))
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=True))
        timer.lap("publish_s")
    return [IssueReport(r["issue_id"], "models added") for r in records]


def repair(path: str | Path, *, progress: bool = False, stats: dict | None = None) -> int:
    """Rebuild the search files and the manifest from the database, embedding passages that lack a vector of an
    index model and dropping other vectors; how many vectors were embedded."""
    path, timer = store.location(path), Timer(stats)
    with store.writing(path, create=False) as tx:
        timer.lap("lock_s")
        models = store.index_models(tx.meta())
        tx.drop_vectors(models)
        embedded = vectors.complete(tx, vectors.load_all(list(models)), progress)
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    return embedded


def copy(source: str | Path, target: str | Path, *, stats: dict | None = None) -> list[IssueReport]:
    """Copy every issue of the archive at source into the empty archive at target (e.g. the embedded store into
    Milvus, or back) with its passages and vectors: nothing is embedded again. One write of target."""
    source, target, timer = store.location(source), store.location(target), Timer(stats)
    if str(source) == str(target):
        raise IssueConflict(f"{source} is both the source and the target of the copy; give another --to")
    reports = []
    with closing(store.open(source)) as archive, store.writing(target) as tx:
        timer.lap("lock_s")
        if tx.issue_ids():
            raise IssueConflict(
                f"{target} already holds {len(tx.issue_ids())} issue(s); copy into an empty archive "
                f"(or remove them: qa index remove --store {target} ID...) (nothing was written)"
            )
        meta = archive.meta()
        for record in reversed(archive.issues()):  # oldest first, as they were added
            issue, rows, vectors, added_at = archive.issue_dump(record["issue_id"])
            tx.add_issue(issue, rows, added_at)
            tx.put_vectors(meta["model_id"], vectors)
            reports.append(IssueReport(issue.issue_id, "copied", len(rows)))
        tx.set_meta({key: meta[key] for key in ("model_id", "dim", "chunker_version", "max_chars") if key in meta})
        timer.lap("db_s")
        timer.stats.update(tx.publish(incremental=False))
        timer.lap("publish_s")
    return reports
