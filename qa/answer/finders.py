"""Where the spans of each kind are in a (simplified) sentence: numbers, dates and times, and names found by jieba's
part-of-speech tags. Each finder gives (start, end, kind) offsets; the extractors decide what answers what."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..text import has_cjk, to_simplified
from .patterns import (
    DATE,
    DAY,
    FOREIGN_NAME,
    GIVEN_NAME,
    PERCENT,
    PERCENT_KINDS,
    QUANTITY,
    TIME,
    TITLE,
    TITLED_NAME,
    pos_tags,
)

Found = tuple[int, int, str | None]  # start, end, kind (the measure word or unit, "date" or "time")
Token = tuple[str, str, int]  # word, part-of-speech flag, offset
NO_NAME_BEFORE = ("x", "p", "uj", "c", "m")  # tags of a token before a bare suffix that is not part of the name
NO_GIVEN_NAME = ("x", "uj", "p", "v")  # tags of a token after a surname that is not its given name


def numbers(s: str, counts: bool) -> list[Found]:
    """Percentages (and multiples, 成), then, for counts or when no percentage is printed, the other numbers."""
    found: list[Found] = []
    for m in PERCENT.finditer(s):
        found.append((m.start(), m.end(), next((u for u in PERCENT_KINDS if m.group().endswith(u)), "%")))
    if not counts and found:
        return found
    taken = [(a, b) for a, b, _ in found]
    for m in QUANTITY.finditer(s):
        if any(a <= m.start() < b for a, b in taken):
            continue
        if not re.search(r"\d", m.group("num")) and (not m.group("unit") or s.startswith(m.group("unit"), m.end())):
            continue  # a bare Chinese numeral is a word (一些, 十分, 一家家), not a quantity
        found.append((m.start(), m.end(), m.group("unit")))
    return found


def moments(s: str, first: re.Pattern) -> list[Found]:
    """Dates and times, those of the `first` pattern (DATE or TIME) first: a span found by both is the first's."""
    found: list[Found] = []
    for rx in (first, DATE if first is TIME else TIME):
        for m in rx.finditer(s):
            if m.group().strip() and not any(a <= m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), "time" if rx is TIME else "date"))
    return found


def last_day(text: str) -> re.Match | None:
    """The last month-and-day date printed in the text."""
    matches = list(DAY.finditer(to_simplified(text)))
    return matches[-1] if matches else None


def tokens(s: str) -> list[Token]:
    out, pos = [], 0
    for w, f in pos_tags(s):
        out.append((w, f, pos))
        pos += len(w)
    return out


def person_names(s: str) -> list[Found]:
    """The name after a title (董事长周清和), and the words jieba tags as a person's name."""
    found: list[Found] = []
    for m in TITLED_NAME.finditer(s):  # the whole short run after a title is the name
        g = 2 if m.group(2) else 3
        found.append((m.start(g), m.end(g), None))
    toks = tokens(s)
    for i, (w, f, p) in enumerate(toks):
        after_title = i > 0 and TITLE.search(toks[i - 1][0]) and GIVEN_NAME.fullmatch(w)
        if f.startswith("nr") or after_title or FOREIGN_NAME.fullmatch(w):
            found.append((p, _name_end(toks, i), None))
    return found


def _name_end(toks: list[Token], i: int) -> int:
    """Where the name starting at toks[i] ends: jieba often splits a three-character name into surname + given name."""
    w, f, p = toks[i]
    if f.startswith("nr") and len(w) == 1 and i + 1 < len(toks):
        after, flag, q = toks[i + 1]
        if len(after) <= 2 and flag not in NO_GIVEN_NAME:
            return q + len(after)
    return p + len(w)


def noun_runs(s: str, accept: Callable[[str, str], bool], parts: set[str]) -> list[Found]:
    """Spans that end in a word accepted by accept(word, flag), extended left over the words tagged `parts`."""
    out: list[Found] = []
    toks = tokens(s)
    for i, (w, f, p) in enumerate(toks):
        if accept(w, f):
            start = toks[_run_start(toks, i, parts)][2]
            if p + len(w) - start > 1:
                out.append((start, p + len(w), None))
    return out


def _measure(toks: list[Token], k: int) -> bool:
    """A one-character word after a numeral is its measure word (3场现场培训会), no part of a name."""
    return k > 0 and len(toks[k][0]) == 1 and toks[k - 1][1] == "m"


def _run_start(toks: list[Token], i: int, parts: set[str]) -> int:
    """The token where a name ending in toks[i] starts: extended left over noun-like words (no title)."""
    j = i
    while j > 0 and toks[j - 1][1][:2] in parts and not TITLE.search(toks[j - 1][0]) and not _measure(toks, j - 1):
        j -= 1
    if j == i and j > 0 and toks[j - 1][1] not in NO_NAME_BEFORE and has_cjk(toks[j - 1][0]):
        j -= 1  # a bare suffix (集团) always has a name before it, whatever jieba tagged it
        while j > 0 and toks[j - 1][1][:2] in parts and not TITLE.search(toks[j - 1][0]):
            j -= 1
    return j
