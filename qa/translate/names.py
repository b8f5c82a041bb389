"""Chinese names and places spelt in pinyin, found among the strings of the collection: "Xu Guozuo", Hujialou."""

from __future__ import annotations

from collections.abc import Callable

from .dictionary import ReverseDictionary, load

MAX_NAME_CANDIDATES = 30  # more strings of the collection spelt alike: too ambiguous to use


def syllables(word: str, rd: ReverseDictionary, most: int = 2) -> list[str] | None:
    """A word spelt as 1..most pinyin syllables ("guozuo" → guo zuo), or None."""
    word = word.lower().replace("ü", "v").replace("'", "").replace("’", "")
    if word in rd.chars:
        return [word]
    if most > 1:
        for cut in range(min(len(word) - 1, 6), 0, -1):
            if word[:cut] in rd.chars:
                rest = syllables(word[cut:], rd, most - 1)
                if rest:
                    return [word[:cut], *rest]
    return None


def spelt_in_pinyin(word: str) -> bool:
    """A capitalised word of two or more pinyin syllables: a Chinese name (Changsha, Zhuzhou; not Block or Crown)."""
    return word[:1].isupper() and word[1:].islower() and len(syllables(word, load(), most=4) or []) >= 2


def _spelt(
    first: str, syllables: list[str], rd: ReverseDictionary, df: Callable[[str], int]
) -> list[tuple[str, float]]:
    """Strings of the collection spelt by the syllables: each adjacent character pair occurs in the collection."""
    names = list(first)
    for sy in syllables:
        names = [n + c for n in names for c in rd.chars.get(sy, "") if df(n[-1] + c) > 0]
        if len(names) > 10 * MAX_NAME_CANDIDATES:
            return []
    return [(n, 1.0) for n in names] if len(names) <= MAX_NAME_CANDIDATES else []


def pinyin_name(surname: str, given: str, rd: ReverseDictionary, df: Callable[[str], int]) -> list[tuple[str, float]]:
    """Chinese names in the collection spelt like "Xu Guozuo": a surname, then 1-2 given-name characters."""
    syl = syllables(given, rd)
    first = rd.surnames.get(surname.lower().replace("ü", "v"))
    return _spelt(first, syl, rd, df) if first and syl else []


def pinyin_place(word: str, rd: ReverseDictionary, df: Callable[[str], int]) -> list[tuple[str, float]]:
    """A place the dictionary does not know, spelt in pinyin as one word: Hujialou → 呼家楼."""
    syl = syllables(word, rd, most=4)
    if not syl or len(syl) < 2:
        return []
    return _spelt(rd.chars[syl[0]], syl[1:], rd, df)
