"""Golden of qa.translate: the built English → Chinese dictionary and every English question's translation.

    python bench/golden_translate.py --record   # write bench/golden_translate.json from the code as it is
    python bench/golden_translate.py --check    # the same outputs, bit for bit, or exit 1 naming what differs

Recorded: the SHA-256 of the dictionary cache file that qa.translate.load() writes (built afresh in a temporary
cache), and for each English question of cmrc2018-en, of data/questions/sample-qa.jsonl and of the dev half of
data/questions/readers.jsonl, a hash of translate()'s full output (terms, candidates, exact weights) three ways:
without a collection, with df (as the answer step calls it) and with df and chars (as Index.translate does), over
the collection the question is asked of (cmrc2018 or the sample issue, indexed as bench/readers.py does).
The dictionary is built in a fixed order (no set iteration), so the hash holds under any PYTHONHASHSEED.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
QUESTIONS = ROOT / "data" / "questions"
GOLDEN = Path(__file__).with_suffix(".json")


def english_questions() -> list[tuple[str, str, str]]:
    """(key, collection, question) for every English question of the three sets (readers: dev half only)."""
    from qa.evaluate import read_jsonl

    out = [
        (f"cmrc2018-en/{q['id']}", "cmrc2018", q["question"])
        for q in read_jsonl(BENCH / "cmrc2018-en" / "questions.jsonl")
    ]
    out += [
        (f"sample-qa/{q['id']}", "sample", q["question"])
        for q in read_jsonl(QUESTIONS / "sample-qa.jsonl")
        if q["lang"] == "en"
    ]
    out += [
        (f"readers/{q['id']}", q["set"], q["question"])
        for q in read_jsonl(QUESTIONS / "readers.jsonl")
        if q["split"] == "dev" and q["lang"] == "en"
    ]
    return out


def dictionary_hash(cache: Path) -> dict:
    """Build the dictionary into an empty cache through load() and hash the file it writes."""
    from qa.translate import load

    os.environ["XDG_CACHE_HOME"] = str(cache)
    load.cache_clear()
    load()
    (path,) = (cache / "newspaper-qa").glob("cedict-en-zh-*.json")
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def digest(terms) -> tuple[str, list]:
    full = [[t.english, [[zh, w] for zh, w in t.candidates]] for t in terms]
    return hashlib.sha256(json.dumps(full, ensure_ascii=False).encode()).hexdigest()[:16], full


def translate_three_ways(question: str, derived) -> dict[str, list]:
    """translate() without a collection, with df (as the answer step calls it), with df and chars (Index.translate)."""
    from qa.translate import translate

    df, chars = derived.document_frequency, derived.character_frequency
    return {"offline": translate(question), "df": translate(question, df), "df+chars": translate(question, df, chars)}


def translations(index_root: Path, dump: Path | None) -> dict:
    """Question key → mode → hash of the output (and the full outputs written to dump)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from readers import open_index

    out, full = {}, {}
    questions = english_questions()
    for name in sorted({c for _, c, _ in questions}):
        index, _ = open_index(index_root, name, None)
        for key, _, question in (q for q in questions if q[1] == name):
            digests = {
                mode: digest(terms) for mode, terms in translate_three_ways(question, index.search_files()).items()
            }
            out[key] = {mode: h for mode, (h, _) in digests.items()}
            full[key] = {"question": question, **{mode: f for mode, (_, f) in digests.items()}}
        index.close()
    if dump:
        dump.write_text(json.dumps(full, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("--golden", type=Path, default=GOLDEN)
    ap.add_argument("--index-root", type=Path, help="keep the two indexes here (reused when present)")
    ap.add_argument("--dump", type=Path, help="also write the full translations as JSON, for a diff")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-golden-") as tmp:
        now = {"dictionary": dictionary_hash(Path(tmp) / "cache")}
        now["translations"] = translations(args.index_root or Path(tmp) / "indexes", args.dump)
    if args.record:
        args.golden.write_text(json.dumps(now, indent=1) + "\n", encoding="utf-8")
        print(f"recorded {len(now['translations'])} questions and the dictionary in {args.golden}")
        return 0
    golden = json.loads(args.golden.read_text(encoding="utf-8"))
    diff = [
        k
        for k in golden["translations"].keys() | now["translations"].keys()
        if golden["translations"].get(k) != now["translations"].get(k)
    ]
    same_dictionary = golden["dictionary"] == now["dictionary"]
    print(f"dictionary: {'identical' if same_dictionary else 'DIFFERS'} ({now['dictionary']['file']})")
    print(f"translations: {len(now['translations']) - len(diff)} of {len(golden['translations'])} identical")
    for key in sorted(diff):
        print(f"  differs: {key}")
    return 0 if same_dictionary and not diff else 1


if __name__ == "__main__":
    sys.exit(main())
