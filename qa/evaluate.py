"""Retrieval benchmark: index a bench folder (passages.jsonl + questions.jsonl) and measure R@k, MRR and latency."""

from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .chunk import MAX_CHARS
from .parse import Article, Issue, Paragraph
from .text import to_simplified


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def default_passages(bench_dir: Path) -> Path:
    """The set's passages.jsonl, or the one its SOURCE.md names as the collection (cmrc2018-en: ../cmrc2018/...)."""
    own = bench_dir / "passages.jsonl"
    source = bench_dir / "SOURCE.md"
    if not own.is_file() and source.is_file():
        m = re.search(r"\.\./([\w.-]+)/passages\.jsonl", source.read_text(encoding="utf-8"))
        if m and (bench_dir.parent / m.group(1) / "passages.jsonl").is_file():
            return bench_dir.parent / m.group(1) / "passages.jsonl"
    return own


def bench_issue(passages: list[dict], issue_id: str = "bench") -> Issue:
    """Each bench passage becomes one article (title + one paragraph) of a synthetic issue."""
    articles = [
        Article(no=n, title=p.get("title") or str(p["id"]), paragraphs=[Paragraph(1, p["text"], "body", None, n)])
        for n, p in enumerate(passages, 1)
    ]
    return Issue(issue_id, None, None, issue_id, issue_id, articles)


def _questions_file_set(path: Path, issues: list[str | Path] | None, limit: int | None) -> tuple[list[dict], list]:
    """(questions, issues to index) for a questions .jsonl file over the issue files given."""
    from .inputs import read_issue_files

    if not issues:
        raise ValueError(f"{path} is a questions file: give the issue files it asks about with --issues FILE...")
    questions = read_jsonl(path)[:limit]
    return questions, read_issue_files(issues)  # grouped as `qa index add` does


def _bench_folder_set(
    bench_dir: Path, passages_file: str | Path | None, limit: int | None
) -> tuple[list[dict], list[dict]]:
    """(questions, passages) of a bench folder."""
    passages_path = Path(passages_file) if passages_file else default_passages(bench_dir)
    if not passages_path.is_file():
        raise FileNotFoundError(
            f"{passages_path}: no passages file (use --passages FILE for a set that reuses another's)"
        )
    passages = read_jsonl(passages_path)
    return read_jsonl(bench_dir / "questions.jsonl")[:limit], passages


def _bench_set(
    bench_dir: Path, passages_file: str | Path | None, issues: list[str | Path] | None, limit: int | None
) -> tuple[list[dict], list, list[dict] | None]:
    """(questions, what to index, the passages of a bench folder or None for a questions file over issue files)."""
    if bench_dir.is_file():
        return *_questions_file_set(bench_dir, issues, limit), None
    questions, passages = _bench_folder_set(bench_dir, passages_file, limit)
    return questions, [bench_issue(passages)], passages


def _holds_answer(q: dict, hit) -> bool:
    """The hit is in the question's article (if it names one) and holds one of its answers."""
    return q.get("article_title") in (None, hit.article_title) and any(
        normalize_answer(a) in normalize_answer(hit.text) for a in q["answers"]
    )


def _gold_rank(q: dict, hits: list, article_of: dict[str, int] | None) -> int | None:
    """Rank of the first gold hit: one of the question's passages (article_of maps passage ids to article numbers),
    or without a passage set, a passage of its article holding an answer."""
    if article_of is not None:
        gold = {article_of.get(str(pid)) for pid in q["passage_ids"]}
        return next((r for r, h in enumerate(hits, 1) if h.article_no in gold), None)
    return next((r for r, h in enumerate(hits, 1) if _holds_answer(q, h)), None)


def _timed(fn, *args, **kwargs) -> tuple:
    """(fn's result, seconds it took)."""
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t


@dataclass
class _ModeRun:
    """One mode's pass over the questions: gold ranks, search latencies and, when answering, records and latencies."""

    ranks: list[int | None] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)


def _run_mode(
    index, questions: list[dict], *, mode: str, k: int, article_of: dict[str, int] | None, answers: bool
) -> _ModeRun:
    """Search every question in one mode (and answer it from the top ASK_K hits if answers is set)."""
    run = _ModeRun()
    for q in questions:
        hits, seconds = _timed(index.search, q["question"], k=k, mode=mode)
        run.search_ms.append(seconds * 1000)
        if article_of is not None or q["answers"]:
            run.ranks.append(_gold_rank(q, hits, article_of))
        if answers:
            ans, seconds = _timed(index.answer, q["question"], hits[:ASK_K])
            run.answer_ms.append(seconds * 1000)
            run.records.append(answer_record(q, ans))
    return run


def _percentiles(name: str, values) -> dict:
    return {
        f"{name}_p50": round(float(np.percentile(values, 50)), 2),
        f"{name}_p95": round(float(np.percentile(values, 95)), 2),
    }


def _answer_results(run: _ModeRun) -> dict:
    """answer_metrics of the run's records, with search, ask and answer-step latency percentiles (ms)."""
    out = answer_metrics(run.records)
    ask = np.array(run.search_ms) + np.array(run.answer_ms)
    out["latency_ms"] = {
        **_percentiles("search", run.search_ms),
        **_percentiles("ask", ask),
        **_percentiles("answer_step", run.answer_ms),
    }
    return out


def _built(path: Path, source: list, *, model: str | None, whole_passages: bool, progress: bool) -> float:
    """Build a fresh index of source at path; the seconds it took."""
    from .archive import build

    max_chars = 10**9 if whole_passages else MAX_CHARS
    return _timed(build, path, source, model=model, fresh=True, max_chars=max_chars, progress=progress)[1]


def _opened(path: Path):
    """The index at path with its files and model loaded, so that timing starts warm."""
    from .index import Index

    index = Index.open(path)
    index.search("预热", k=1)
    index.answer("how many", index.search("how many", k=1))
    return index


def evaluate(
    bench_dir: str | Path,
    *,
    passages_file: str | Path | None = None,
    issues: list[str | Path] | None = None,
    k: int = 10,
    modes: tuple[str, ...] = ("hybrid",),
    model: str | None = None,
    limit: int | None = None,
    index_dir: str | Path | None = None,
    progress: bool = False,
    answers: bool = False,
) -> dict:
    """Metrics per mode: R@1, R@5, R@10, MRR@10, query latency p50/p95 (ms), and the build time.

    bench_dir is a bench folder (passages.jsonl + questions.jsonl, gold = passage_ids), or a questions .jsonl file
    over the issue files given as `issues` (gold = a passage of the question's article_title holding an answer).
    With answers=True, the answer metrics of the first mode's hits (see answer_metrics) are added as "answers"."""
    bench_dir = Path(bench_dir)
    questions, source, passages = _bench_set(bench_dir, passages_file, issues, limit)
    article_of = None if passages is None else {str(p["id"]): n for n, p in enumerate(passages, 1)}
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        path = store.location(index_dir) if index_dir else Path(tmp) / "index"
        build_s = _built(path, source, model=model, whole_passages=passages is not None, progress=progress)
        index = _opened(path)
        results = {
            "bench": bench_dir.stem if bench_dir.is_file() else bench_dir.name,
            "passages": len(passages) if passages is not None else len(index),
            "questions": len(questions),
            "model": index.model_id,
            "build_s": round(build_s, 2),
            "modes": {},
        }
        for n_mode, mode in enumerate(modes):
            answering = answers and n_mode == 0
            run = _run_mode(index, questions, mode=mode, k=k, article_of=article_of, answers=answering)
            results["modes"][mode] = metrics(run.ranks, run.search_ms)
            if answering:
                results["answers"] = _answer_results(run)
                results["answer_records"] = run.records
        index.close()
    return results


ASK_K = 5  # passages an answer is drawn from (the default k of Index.ask)
_PUNCT = re.compile(r"[\s《》〈〉“”‘’\"'「」『』()（）,，。、;；:：!！?？·]")


def normalize_answer(text: str) -> str:
    """Simplified, lower-case, without spaces, quotes, brackets and punctuation (the decimal point stays)."""
    return _PUNCT.sub("", to_simplified(text or "").lower())


def answer_record(q: dict, ans) -> dict:
    """What one answer got right: the sentence holds a gold answer; the short answer matches one."""
    gold = [normalize_answer(a) for a in q.get("answers", []) if normalize_answer(a)]
    text = normalize_answer(ans.text) if ans.text else None
    sentence = normalize_answer(ans.sentence or "")
    first = ""
    if ans.passages:
        from .text import split_sentences

        first = normalize_answer(split_sentences(ans.passages[0].text)[0])
    cand = normalize_answer(ans.candidate) if ans.candidate else None
    return {
        "id": q.get("id"),
        "question": q["question"],
        "type": q.get("type") or ans.qtype,
        "qtype": ans.qtype,
        "lang": q.get("lang"),
        "answerable": bool(gold),
        "answers": q.get("answers", []),
        "text": ans.text,
        "candidate": ans.candidate,
        "confidence": round(ans.confidence, 4),
        "features": ans.features,
        "sentence": ans.sentence,
        "sentence_hit": any(g in sentence for g in gold),
        "baseline_hit": any(g in first for g in gold),
        "em": text is not None and text in gold,
        "contains": text is not None and any(g in text or text in g for g in gold),
        "candidate_em": cand is not None and cand in gold,
    }


def answer_metrics(records: list[dict]) -> dict:
    """Sentence accuracy (vs. the first sentence of the top passage), short-answer EM and containment, coverage,
    accuracy when answered, and abstention on unanswerable questions: overall, per question type and language."""

    def summary(rs: list[dict]) -> dict:
        ok = [r for r in rs if r["answerable"]]
        answered = [r for r in ok if r["text"] is not None]
        none = [r for r in rs if not r["answerable"]]
        n = max(len(ok), 1)
        out = {
            "n": len(rs),
            "answerable": len(ok),
            "sentence_acc": round(sum(r["sentence_hit"] for r in ok) / n, 3),
            "baseline_sentence_acc": round(sum(r["baseline_hit"] for r in ok) / n, 3),
            "em": round(sum(r["em"] for r in ok) / n, 3),
            "contains": round(sum(r["contains"] for r in ok) / n, 3),
            "coverage": round(len(answered) / n, 3),
            "acc_answered": round(sum(r["em"] for r in answered) / len(answered), 3) if answered else None,
            "contains_answered": round(sum(r["contains"] for r in answered) / len(answered), 3) if answered else None,
        }
        if none:
            out["abstained_unanswerable"] = round(sum(r["text"] is None for r in none) / len(none), 3)
        return out

    out = {"all": summary(records), "by_type": {}, "by_lang": {}}
    for key, name in (("by_type", "type"), ("by_lang", "lang")):
        for value in sorted({r[name] for r in records if r[name]}):
            out[key][value] = summary([r for r in records if r[name] == value])
    return out


def metrics(ranks: list[int | None], latencies_ms: list[float]) -> dict:
    n = max(len(ranks), 1)
    hit = lambda k: sum(1 for r in ranks if r is not None and r <= k) / n  # noqa: E731
    lat = np.array(latencies_ms or [0.0])
    return {
        "R@1": round(hit(1), 3),
        "R@5": round(hit(5), 3),
        "R@10": round(hit(10), 3),
        "MRR@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 3),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p95_ms": round(float(np.percentile(lat, 95)), 2),
    }
