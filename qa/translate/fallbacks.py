"""Words the dictionary has no entry or phrase for: read as compounds, joined as the collection writes them, or
reached through the glosses they appear in."""

from __future__ import annotations

from collections.abc import Callable

from .dictionary import ReverseDictionary
from .english import lemma

JOIN_CANDIDATES = 30  # per word, when joining two words into one Chinese word
INDIRECT_WEIGHT = 0.25  # a word translated through the glosses it appears in, or their synonyms, counts this much


def compound(word: str, rd: ReverseDictionary, df: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """An unknown English compound read as two dictionary words, joined in the collection: intercity → 城际."""
    if df is None or len(word) < 7:
        return []
    out: dict[str, float] = {}
    for cut in range(4, len(word) - 3):  # parts of at least 4 letters: "snap" + "per" is no compound
        a, b = rd.lookup([word[:cut]])[:8], rd.lookup([lemma(word[cut:], rd.known)])[:8]
        for za, wa in a:
            for zb, wb in b:
                for zh in (za + zb, zb + za):
                    if df(zh) > 0:
                        out[zh] = max(out.get(zh, 0.0), wa * wb)
    return sorted(out.items(), key=lambda kv: -kv[1])


def synonym_compound(cands: list[tuple[str, float]], df: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """Two one-character translations of the same word joined, as the collection writes them: old → 老 + 旧 → 老旧."""
    if df is None:
        return []
    singles = [(zh, w) for zh, w in cands[:JOIN_CANDIDATES] if len(zh) == 1]
    return [(a + b, min(wa, wb)) for a, wa in singles for b, wb in singles if a != b and df(a + b) > 0]


def _synonyms(
    found: list[tuple[str, float]], rd: ReverseDictionary, df: Callable[[str], int]
) -> list[tuple[str, float]]:
    """Entries sharing a gloss with the found ones that the collection uses (居民区 → "neighborhood" → 小区)."""
    synonyms: dict[str, float] = {}
    for zh, w in found:
        for key in rd.glosses.get(zh, "").split("|"):
            for other, w2 in rd.lookup(key.split()) if key else []:
                if other != zh and len(other) > 1 and df(other) > 0:
                    synonyms[other] = max(synonyms.get(other, 0.0), w * w2)
    return sorted(synonyms.items(), key=lambda kv: -kv[1])


def through_glosses(word: str, rd: ReverseDictionary, df: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """A word with no entry of its own, through the glosses it appears in ("residential area" → 居民区), or else
    through their synonyms the collection uses (居民区 → "neighborhood" → 小区). The caller weighs them INDIRECT_WEIGHT."""
    found = [c for key in rd.containing.get(word, "").split("|") if key for c in rd.lookup(key.split())]
    if df is None or not found or any(df(zh) > 0 for zh, _ in found):
        return found
    return _synonyms(found, rd, df)


def joined(first: str, second: str, rd: ReverseDictionary, df: Callable[[str], int]) -> list[tuple[str, float]]:
    """Two English words the dictionary has no phrase for, as one word of the collection: work team → 工作队."""
    out: dict[str, float] = {}
    for za, wa in [c for c in rd.lookup([first]) if df(c[0]) > 0][:JOIN_CANDIDATES]:
        for zb, wb in rd.lookup([second])[:JOIN_CANDIDATES]:
            zh = za + zb
            if len(zh) > 2 and df(zh) > 0:
                out[zh] = max(out.get(zh, 0.0), wa * wb)
    return sorted(out.items(), key=lambda kv: -kv[1])
