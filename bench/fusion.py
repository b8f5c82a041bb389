"""Fusing BM25 with two dense models (USE, multilingual-e5-small): which normalisation and weights, measured.

    python bench/fusion.py --cache /work/cache/e5                 # e5 at 200 characters, all sets; prints tables
    python bench/fusion.py --cache /work/cache/e5 --lengths 100 200 --write-params   # what qa/fusion.json holds
    python bench/fusion.py --cache /work/cache/e5 --sets cmrc2018 sample-qa --latency  # time the fused search

The collections are indexed with the project's own library and every question is scored against every passage once
(BM25 through qa.search, cosines by matrix products: bench/fusion_data.py, cached under --cache, so a rerun embeds
nothing); each fusion is computed from those scores, with the candidates the index would see (the top CANDIDATES of each side). Sets: cmrc2018 (all 3219), drcd (all 3000),
cmrc2018-en, data/questions/sample-qa.jsonl and the dev half of data/questions/readers.jsonl (answerable ones;
the test half is never read). --write-params writes the chosen fusion to qa/fusion.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.fusion_data import (  # noqa: E402
    CANDIDATES,
    QUESTIONS,
    ROOT,
    Unit,
    latency_table,
    prepare,
    query_times,
)

TOP = 12  # ranked positions looked at (R@10 after one text printed twice is dropped)
CHUNK = 64  # questions fused at once (questions × passages × combos floats)


def top_mask(x: np.ndarray, lexical: bool) -> np.ndarray:
    """questions × passages: in the side's top CANDIDATES (the lexical side only where it matched)."""
    k = min(CANDIDATES, x.shape[1] - 1)
    top = np.argpartition(-x, k, axis=1)[:, :CANDIDATES]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, top, True, axis=1)
    return mask & (x > 0) if lexical else mask


def normalised(method: str, x: np.ndarray, own: np.ndarray, cand: np.ndarray, lexical: bool) -> np.ndarray:
    """One side's scores (questions × passages) made comparable: own = the side's top, cand = the union."""
    if method == "max":  # today's: BM25 / best BM25 within its own top (0 elsewhere), raw cosines
        if not lexical:
            return x
        return np.where(own, x / np.maximum(x.max(axis=1, keepdims=True), 1e-9), 0.0)
    if method == "z":  # standardised over the candidates
        n = cand.sum(axis=1, keepdims=True)
        mean = np.where(cand, x, 0).sum(axis=1, keepdims=True) / n
        sd = np.sqrt(np.where(cand, (x - mean) ** 2, 0).sum(axis=1, keepdims=True) / n)
        return np.where(sd > 1e-9, (x - mean) / np.maximum(sd, 1e-9), 0.0)
    if method == "zall":  # standardised over every passage
        sd = x.std(axis=1, keepdims=True)
        return np.where(sd > 1e-9, (x - x.mean(axis=1, keepdims=True)) / np.maximum(sd, 1e-9), 0.0)
    if method == "rrf":  # 1 / (60 + rank in the side's own top)
        rank = np.argsort(np.argsort(-x, axis=1, kind="stable"), axis=1) + 1
        return np.where(own, 1.0 / (60 + rank), 0.0)
    raise ValueError(method)


def gold_ranks(fused: np.ndarray, group: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """questions × combos: rank (1..10) of the first gold passage, 0 when none; a text printed twice counts once,
    as in qa.search.fetch_passages. fused is questions × passages × combos, -inf outside the candidates."""
    m = min(TOP, fused.shape[1])
    top = np.argpartition(-fused, m - 1, axis=1)[:, :m, :]
    order = np.argsort(-np.take_along_axis(fused, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)  # questions × m × combos, best first
    live = np.isfinite(np.take_along_axis(fused, top, axis=1))
    g = group[top]
    keep = live.copy()
    for i in range(1, m):
        keep[:, i] &= ~(g[:, :i] == g[:, i : i + 1]).any(axis=1)
    position = np.cumsum(keep, axis=1)
    hit = np.take_along_axis(gold[:, :, None].repeat(top.shape[2], axis=2), top, axis=1) & keep & (position <= 10)
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), np.take_along_axis(position, first[:, None, :], axis=1)[:, 0, :], 0)


def unit_ranks(unit: Unit, e5: np.ndarray | None, method: str, weights: np.ndarray) -> np.ndarray:
    """questions × combos gold ranks; weights is combos × sides (lexical, USE[, e5]); a side weighted 0 in every
    combo is not searched (its candidates are not added)."""
    sides = [unit.lex, unit.use_q @ unit.col.use.T]
    if e5 is not None:
        sides.append(unit.e5_q @ e5.T)
    used = weights[:, : len(sides)].any(axis=0)
    kinds = [(x, n == 0) for n, (x, u) in enumerate(zip(sides, used)) if u]
    own = [top_mask(x, lex) for x, lex in kinds]
    cand = np.logical_or.reduce(own)
    norm = [normalised(method, x, o, cand, lex) for (x, lex), o in zip(kinds, own)]
    w = weights[:, : len(sides)][:, used]
    ranks = np.zeros((len(unit.questions), len(weights)), dtype=np.int16)
    for s in range(0, len(unit.questions), CHUNK):
        fused = sum(x[s : s + CHUNK, :, None] * w[None, None, :, j] for j, x in enumerate(norm))
        fused = np.where(cand[s : s + CHUNK, :, None], fused, -np.inf)
        ranks[s : s + CHUNK] = gold_ranks(fused, unit.col.group, unit.gold[s : s + CHUNK])
    return ranks


def lexical_strength(units: list[Unit], e5: dict) -> dict[str, np.ndarray]:
    """Per set, each question's best standardised BM25 over the three sides' candidates: how far the lexical side's
    best passage stands out (small when the question shares few words with any passage)."""
    out: dict[str, list] = {}
    for u in units:
        sides = [u.lex, u.use_q @ u.col.use.T, u.e5_q @ e5[u.col.name].T]
        own = [top_mask(x, n == 0) for n, x in enumerate(sides)]
        cand = np.logical_or.reduce(own)
        z = normalised("z", u.lex, own[0], cand, True)
        out.setdefault(u.set, []).append(np.where(cand, z, -np.inf).max(axis=1))
    return {k: np.concatenate(v) for k, v in out.items()}


def grid(method: str, e5: bool, use: bool = True) -> np.ndarray:
    """combos × (lexical, USE[, e5]) weights tried for a method (lexical weight 1: only ratios matter); use=False
    leaves USE out (weight 0, so its candidates are not added either)."""
    if method == "max":
        w_use, w_e5 = [0, 0.1, 0.2, 0.3, 0.5, 1, 2, 4], [0, 0.1, 0.2, 0.3, 0.5, 1, 2, 4, 8]
    elif method == "rrf":
        w_use, w_e5 = [0, 0.5, 1, 2], [0, 0.5, 1, 2]
    else:
        w_use, w_e5 = [0, 0.25, 0.5, 0.75, 1, 1.5, 2], [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3]
    if not e5:
        return np.array([[1.0, u] for u in w_use])
    return np.array([[1.0, u, e] for u in (w_use if use else [0]) for e in w_e5])


def set_ranks(units: list[Unit], e5: dict, method: str, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Per set: questions × combos gold ranks (readers-dev's collections concatenated)."""
    out: dict[str, list] = {}
    for u in units:
        out.setdefault(u.set, []).append(unit_ranks(u, e5.get(u.col.name), method, weights))
    return {k: np.vstack(v) for k, v in out.items()}


def set_meta(units: list[Unit]) -> dict[str, dict]:
    """Per set, in set_ranks' question order: cjk flags, and language and style (readers)."""
    out: dict[str, dict] = {}
    for u in units:
        m = out.setdefault(u.set, {"cjk": [], "lang": [], "style": [], "questions": []})
        m["cjk"].extend(u.cjk.tolist())
        m["lang"].extend(q.get("lang", "zh" if c else "en") for q, c in zip(u.questions, u.cjk))
        m["style"].extend(q.get("style", "") for q in u.questions)
        m["questions"].extend(u.questions)
    return {k: {f: np.array(v) if f != "questions" else v for f, v in m.items()} for k, m in out.items()}


def r_at(ranks: np.ndarray, k: int) -> np.ndarray:
    """R@k of each combo (column)."""
    return ((ranks >= 1) & (ranks <= k)).mean(axis=0)


def by_language(sets: dict, meta: dict, cjk: bool) -> dict[str, np.ndarray]:
    """Each set's ranks restricted to its questions with (cjk) or without Chinese characters; empty ones dropped."""
    out = {}
    for name, r in sets.items():
        keep = meta[name]["cjk"] == cjk
        if keep.any():
            out[name] = r[keep]
    return out


def choose(ranks: dict[str, np.ndarray], floors: dict[str, float]) -> int | None:
    """The combo with the most readers-dev questions' right paragraph first, whose R@1 on every other bench set
    stays at or above its floor; ties go to the higher R@1 summed over the other sets, then readers-dev R@5."""
    ok = np.ones(next(iter(ranks.values())).shape[1], dtype=bool)
    for name, floor in floors.items():
        if name in ranks:
            ok &= r_at(ranks[name], 1) >= floor - 1e-9
    if not ok.any():
        return None
    others = sum(r_at(r, 1) for n, r in ranks.items() if n != "readers-dev")
    key = np.stack([r_at(ranks["readers-dev"], 1), others, r_at(ranks["readers-dev"], 5)])
    order = np.lexsort(key[::-1])[::-1]
    return int(next(c for c in order if ok[c]))


FLOOR_SETS = ("cmrc2018", "drcd", "cmrc2018-en", "sample-qa")  # R@1 may fall at most TOLERANCE below today's
TOLERANCE = 0.005
TODAY = {True: [1.0, 0.3, 0.0], False: [1.0, 4.0, 0.0]}  # qa.search: BM25/max + 0.3 (CJK) or 4 (other) × USE


@dataclass
class Row:
    """One retrieval configuration's result: per set, the gold rank of each question; and its weights."""

    name: str
    ranks: dict[str, np.ndarray]
    weights: dict = None
    method: str = ""
    length: int | None = None


def per_language(sets: dict, meta: dict, picks: dict[bool, int]) -> dict[str, np.ndarray]:
    """Each question's rank under the combo picked for its language (CJK or not)."""
    return {n: np.where(meta[n]["cjk"], r[:, picks[True]], r[:, picks[False]]) for n, r in sets.items()}


def floors(today: Row, meta: dict, cjk: bool) -> dict[str, float]:
    """Today's R@1 less TOLERANCE on each FLOOR_SETS set's questions of one language (CJK or not)."""
    ranks = by_language({n: r[:, None] for n, r in today.ranks.items() if n in FLOOR_SETS}, meta, cjk)
    return {n: float(r_at(r, 1)[0]) - TOLERANCE for n, r in ranks.items()}


def tuned(name: str, sets: dict, meta: dict, weights: np.ndarray, today: Row, method: str, length) -> Row | None:
    """The best combo per question language (choose), or None when no combo keeps every floor."""
    picks = {}
    for cjk in (True, False):
        c = choose(by_language(sets, meta, cjk), floors(today, meta, cjk))
        if c is None:
            return None
        picks[cjk] = c
    row_weights = {("cjk" if cjk else "other"): weights[c].tolist() for cjk, c in picks.items()}
    return Row(name, per_language(sets, meta, picks), row_weights, method, length)


def evaluate(units: list[Unit], e5: dict[int, dict], lengths: list[int]) -> tuple[list[Row], dict]:
    """Today's fusion, each side alone, and every method × e5 length tuned per language under the floors."""
    meta = set_meta(units)
    today = set_ranks(units, {}, "max", np.array([TODAY[True][:2], TODAY[False][:2]]))
    rows = [Row("today: BM25/max + 0.3 (zh) or 4 (other) × USE", per_language(today, meta, {True: 0, False: 1}))]
    rows[0].weights, rows[0].method = {"cjk": TODAY[True], "other": TODAY[False]}, "max"
    one = set_ranks(units, e5[lengths[0]], "z", np.eye(3))
    rows += [Row(n, {k: r[:, j] for k, r in one.items()}) for j, n in enumerate(("BM25 alone", "USE alone"))]
    z_use = set_ranks(units, {}, "z", grid("z", e5=False))
    rows.append(tuned("z, BM25 + USE (no e5)", z_use, meta, grid("z", e5=False), rows[0], "z", None))
    for length in lengths:
        alone = set_ranks(units, e5[length], "z", np.array([[0.0, 0.0, 1.0]]))
        rows.append(Row(f"e5-{length} alone", {k: r[:, 0] for k, r in alone.items()}, length=length))
        for method in ("max", "z", "zall", "rrf"):
            for label, weights in (("USE + e5", grid(method, True)), ("e5 only", grid(method, True, use=False))):
                sets = set_ranks(units, e5[length], method, weights)
                name = f"{method}, BM25 + {label}, e5-{length}"
                rows.append(tuned(name, sets, meta, weights, rows[0], method, length) or untuned(name, sets, weights))
                if method == "z" and label == "USE + e5":
                    rows += weak_lexical_rows(
                        rows[-1], sets, weights, lexical_strength(units, e5[length]), meta, rows[0]
                    )
    return [r for r in rows if r is not None], meta


def untuned(name: str, sets: dict, weights: np.ndarray) -> Row:
    """A method no combo of which keeps every floor, shown with its sides weighted equally."""
    c = int(np.argmin(np.abs(weights - weights.max(axis=0).clip(max=1)).sum(axis=1)))
    w = weights[c].tolist()
    ranks = {n: r[:, c] for n, r in sets.items()}
    return Row(f"{name} (no weights keep today's R@1; equal weights)", ranks, {"cjk": w, "other": w})


WEAK_LEXICAL = (3.0, 4.0, 5.0)  # thresholds tried on the standardised best BM25 score


def weak_lexical_rows(base: Row, sets: dict, weights: np.ndarray, strength: dict, meta: dict, today: Row) -> list:
    """The rule for weak lexical overlap: a question whose best standardised BM25 is under a threshold takes a second
    set of weights (the best under the floors), the others keep the base row's."""
    rows = []
    for tau in WEAK_LEXICAL:
        ranks, picked = {}, {}
        for cjk in (True, False):
            lang = "cjk" if cjk else "other"
            a = next(c for c in range(len(weights)) if weights[c].tolist() == base.weights[lang])
            keep = {n: meta[n]["cjk"] == cjk for n in sets}
            weak = {n: strength[n][k] < tau for n, k in keep.items() if k.any()}
            sub = {n: sets[n][k] for n, k in keep.items() if k.any()}
            mixed = {n: np.where(weak[n][:, None], r, r[:, [a]]) for n, r in sub.items()}
            b = choose(mixed, floors(today, meta, cjk))
            picked[lang] = (weights[a].tolist(), weights[b].tolist())
            for n, r in mixed.items():
                ranks.setdefault(n, np.zeros(len(sets[n]), dtype=np.int16))[keep[n]] = r[:, b]
        rows.append(Row(f"{base.name} + weak-lexical rule (best z(BM25) < {tau})", ranks, picked, "z+rule"))
    return rows


def metrics(ranks: np.ndarray) -> dict:
    r = ranks[:, None]
    return {"n": len(ranks), "R@1": round(float(r_at(r, 1)[0]), 3), "R@5": round(float(r_at(r, 5)[0]), 3)}


def summary(row: Row, meta: dict) -> dict:
    """R@1/R@5 per set, and per language and style of readers-dev."""
    out = {"sets": {n: metrics(r) for n, r in row.ranks.items()}, "weights": row.weights, "method": row.method}
    if "readers-dev" in row.ranks:
        r, m = row.ranks["readers-dev"], meta["readers-dev"]
        for key in ("lang", "style"):
            out[f"readers-dev by {key}"] = {v: metrics(r[m[key] == v]) for v in sorted(set(m[key]))}
    return out


def table(rows: list[Row], meta: dict) -> str:
    names = [n for n in QUESTIONS if n in rows[0].ranks]
    lines = ["| fusion | " + " | ".join(f"{n} R@1 / R@5" for n in names) + " | weights (zh; other) |"]
    lines.append("|---" * (len(names) + 2) + "|")
    for row in rows:
        cells = [f"{metrics(row.ranks[n])['R@1']:.3f} / {metrics(row.ranks[n])['R@5']:.3f}" for n in names]
        w = f"{row.weights['cjk']}; {row.weights['other']}" if row.weights else ""
        lines.append(f"| {row.name} | " + " | ".join(cells) + f" | {w} |")
    return "\n".join(lines)


def readers_table(rows: list[Row], meta: dict) -> str:
    m = meta["readers-dev"]
    groups = [("all", np.ones(len(m["lang"]), bool))]
    groups += [(v, m["lang"] == v) for v in sorted(set(m["lang"]))]
    groups += [(v, m["style"] == v) for v in sorted(set(m["style"]))]
    lines = ["| fusion | " + " | ".join(f"{g} (n={int(k.sum())})" for g, k in groups) + " |"]
    lines.append("|---" * (len(groups) + 1) + "|")
    for row in rows:
        r = row.ranks["readers-dev"]
        lines.append(f"| {row.name} | " + " | ".join(f"{metrics(r[k])['R@1']:.3f}" for _, k in groups) + " |")
    return "\n".join(lines)


def write_params(rows: list[Row], lengths: list[int]) -> None:
    """qa/fusion.json: for USE + e5 and for e5 alone, the standardised fusion's weights per question language, at
    the e5 length whose row was best on readers-dev (ties: the higher R@1 summed over the other sets, then the
    shorter, cheaper length), with what it measured."""
    from qa.e5 import E5_MODEL
    from qa.embed import DEFAULT_MODEL
    from qa.search import FUSION_FILE

    fusions = {}
    for label, models in (("USE + e5", [DEFAULT_MODEL, E5_MODEL]), ("e5 only", [E5_MODEL])):
        best = max(
            (r for r in rows if r.method == "z" and f"BM25 + {label}," in r.name),
            key=lambda r: (
                metrics(r.ranks["readers-dev"])["R@1"],
                sum(metrics(x)["R@1"] for n, x in r.ranks.items() if n != "readers-dev"),
                -r.length,
            ),
        )
        names = ["lexical", DEFAULT_MODEL, E5_MODEL]
        fusions["+".join(sorted(models))] = {
            lang: {n: w for n, w in zip(names, best.weights[lang]) if n == "lexical" or n in models}
            for lang in ("cjk", "other")
        } | {
            "e5_chars": best.length,
            "from": best.name,
            "R@1": {n: metrics(r)["R@1"] for n, r in best.ranks.items()},
        }
    FUSION_FILE.write_text(
        json.dumps({"written_by": "bench/fusion.py --write-params", "fusions": fusions}, indent=1) + "\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, required=True, help="indexes, e5 vectors and question scores live here")
    ap.add_argument("--lengths", type=int, nargs="*", default=[200], help="e5 embedded characters of passage text")
    ap.add_argument("--sets", nargs="*", default=list(QUESTIONS))
    ap.add_argument("--prepare-only", action="store_true", help="fill the cache and stop")
    ap.add_argument("--save", type=Path, default=ROOT / "bench" / "out" / "fusion.json")
    ap.add_argument("--write-params", action="store_true", help="write the chosen fusions to qa/fusion.json")
    ap.add_argument("--latency", action="store_true", help="only time the whole fused search (sample-qa, cmrc2018)")
    args = ap.parse_args()
    units, cols, e5 = prepare(args.cache, args.sets, args.lengths)
    if args.prepare_only:
        return
    if args.latency:
        print("## Fused search (qa.search.fuse with qa/fusion.json), ms per question\n")
        print(latency_table(units, e5, cols))
        return
    rows, meta = evaluate(units, e5, args.lengths)
    print("## Retrieval by fusion (R@1 / R@5; readers-dev: answerable dev questions, right paragraph first)\n")
    print(table(rows, meta))
    print("\n## readers-dev R@1 by language and style\n")
    print(readers_table(rows, meta))
    print("\n## Query side, ms per question (p50 / p95)\n")
    print(query_times(units))
    args.save.parent.mkdir(parents=True, exist_ok=True)
    args.save.write_text(json.dumps({r.name: summary(r, meta) for r in rows}, ensure_ascii=False, indent=1))
    if args.write_params:
        write_params(rows, args.lengths)


if __name__ == "__main__":
    main()
