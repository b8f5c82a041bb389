"""Retrieval benchmark: index a bench folder (passages.jsonl + questions.jsonl) and measure R@k, MRR and latency."""

from __future__ import annotations

import json
import re
import tempfile
import time
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
    from .archive import build
    from .index import Index
    from .inputs import read_issue_files

    bench_dir = Path(bench_dir)
    if bench_dir.is_file():
        if not issues:
            raise ValueError(
                f"{bench_dir} is a questions file: give the issue files it asks about with --issues FILE..."
            )
        questions = read_jsonl(bench_dir)[:limit]
        source, n_passages, passages = read_issue_files(issues), None, None  # grouped as `qa index add` does
    else:
        passages_path = Path(passages_file) if passages_file else default_passages(bench_dir)
        if not passages_path.is_file():
            raise FileNotFoundError(
                f"{passages_path}: no passages file (use --passages FILE for a set that reuses another's)"
            )
        passages = read_jsonl(passages_path)
        questions = read_jsonl(bench_dir / "questions.jsonl")[:limit]
        source, n_passages = [bench_issue(passages)], len(passages)
    article_of = {str(p["id"]): n for n, p in enumerate(passages or [], 1)}

    def gold_rank(q: dict, hits: list) -> int | None:
        if passages is not None:
            gold = {article_of.get(str(pid)) for pid in q["passage_ids"]}
            return next((r for r, h in enumerate(hits, 1) if h.article_no in gold), None)
        return next(
            (
                r
                for r, h in enumerate(hits, 1)
                if q.get("article_title") in (None, h.article_title)
                and any(normalize_answer(a) in normalize_answer(h.text) for a in q["answers"])
            ),
            None,
        )

    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        path = store.location(index_dir) if index_dir else Path(tmp) / "index"
        t0 = time.perf_counter()
        build(
            path,
            source,
            model=model,
            fresh=True,
            max_chars=10**9 if passages is not None else MAX_CHARS,
            progress=progress,
        )
        build_s = time.perf_counter() - t0
        index = Index.open(path)
        index.search("预热", k=1)  # load files and model before timing
        index.answer("how many", index.search("how many", k=1))
        results = {
            "bench": bench_dir.stem if bench_dir.is_file() else bench_dir.name,
            "passages": n_passages if n_passages is not None else len(index),
            "questions": len(questions),
            "model": index.model_id,
            "build_s": round(build_s, 2),
            "modes": {},
        }
        for n_mode, mode in enumerate(modes):
            ranks, lat, records, answer_lat = [], [], [], []
            for q in questions:
                t = time.perf_counter()
                hits = index.search(q["question"], k=k, mode=mode)
                lat.append((time.perf_counter() - t) * 1000)
                if passages is not None or q["answers"]:
                    ranks.append(gold_rank(q, hits))
                if answers and n_mode == 0:
                    t = time.perf_counter()
                    ans = index.answer(q["question"], hits[:ASK_K])
                    answer_lat.append((time.perf_counter() - t) * 1000)
                    records.append(answer_record(q, ans))
            results["modes"][mode] = metrics(ranks, lat)
            if answers and n_mode == 0:
                results["answers"] = answer_metrics(records)
                ask = np.array(lat) + np.array(answer_lat)
                results["answers"]["latency_ms"] = {
                    "search_p50": round(float(np.percentile(lat, 50)), 2),
                    "search_p95": round(float(np.percentile(lat, 95)), 2),
                    "ask_p50": round(float(np.percentile(ask, 50)), 2),
                    "ask_p95": round(float(np.percentile(ask, 95)), 2),
                    "answer_step_p50": round(float(np.percentile(answer_lat, 50)), 2),
                    "answer_step_p95": round(float(np.percentile(answer_lat, 95)), 2),
                }
                results["answer_records"] = records
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
    for key, field in (("by_type", "type"), ("by_lang", "lang")):
        for value in sorted({r[field] for r in records if r[field]}):
            out[key][value] = summary([r for r in records if r[field] == value])
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
