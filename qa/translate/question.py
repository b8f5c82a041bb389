"""An English question → Chinese query terms: the longest dictionary phrase first, then the fallbacks for words the
dictionary lacks, then adjacent words joined as the collection writes them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .collection import collection_weighted
from .dictionary import ReverseDictionary, load
from .english import ANSWER_CLASS, ENGLISH_STOP_WORDS, lemma
from .fallbacks import INDIRECT_WEIGHT, compound, joined, synonym_compound, through_glosses
from .glosses import MAX_KEY_WORDS
from .names import pinyin_name, pinyin_place

PHRASE_WORD_WEIGHT = 0.5  # the single words of a matched phrase still count, at this weight

_QUESTION_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*")


@dataclass
class Term:
    """An English word or phrase of the question and its weighted Chinese candidates (best weight = 1)."""

    english: str
    candidates: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"english": self.english, "chinese": [[c, round(w, 3)] for c, w in self.candidates]}


@dataclass
class _Words:
    """The question's words as written (possessive 's dropped), their lemmas, and which are not to be translated."""

    surface: list[str]
    lemmas: list[str]
    stop: list[bool]


def _is_stop(lower: list[str], i: int) -> bool:
    w = lower[i]
    return w in ENGLISH_STOP_WORDS or w.isdigit() or (w in ANSWER_CLASS and i > 0 and lower[i - 1] in ("what", "which"))


def _words(question: str, known: frozenset[str]) -> _Words:
    surface = [re.sub(r"['’]s$", "", w) for w in _QUESTION_RE.findall(question.replace("-", " "))]
    lower = [w.lower().replace("’", "'") for w in surface]
    stop = [_is_stop(lower, i) for i in range(len(lower))]
    return _Words(surface, [w if s else lemma(w, known) for w, s in zip(lower, stop)], stop)


def _unknown_word(
    surface: str, word: str, rd: ReverseDictionary, df: Callable[[str], int] | None
) -> list[tuple[str, float]]:
    """A word without a dictionary entry the collection matches: a compound, through glosses, a place in pinyin."""
    cands = collection_weighted(compound(word, rd, df), df)
    if not cands:
        indirect = collection_weighted(through_glosses(word, rd, df), df)
        cands = [(zh, w * INDIRECT_WEIGHT) for zh, w in indirect]
    if not cands and df is not None and surface[0].isupper():
        cands = pinyin_place(surface, rd, df)
    return cands


def _candidates(
    q: _Words,
    i: int,
    n: int,
    rd: ReverseDictionary,
    df: Callable[[str], int] | None,
    chars: Callable[[str], int] | None,
) -> list[tuple[str, float]]:
    """Candidates for the n words from i: the dictionary's, else a name (two words) or an unknown word's fallbacks."""
    found = rd.lookup(q.lemmas[i : i + n])
    cands = collection_weighted(found + (synonym_compound(found, df) if n == 1 else []), df, chars)
    if not cands and n == 2 and df is not None and q.surface[i][0].isupper() and q.surface[i + 1][0].isupper():
        cands = pinyin_name(q.surface[i], q.surface[i + 1], rd, df)  # a dictionary phrase (Hong Kong) comes first
    if not cands and n == 1:
        cands = _unknown_word(q.surface[i], q.lemmas[i], rd, df)
    return cands


def _longest(
    q: _Words, i: int, rd: ReverseDictionary, df: Callable[[str], int] | None, chars: Callable[[str], int] | None
) -> tuple[int, list[tuple[str, float]]]:
    """The longest run of words from i (MAX_KEY_WORDS at most, not all function words) with candidates; (1, [])."""
    for n in range(min(MAX_KEY_WORDS, len(q.lemmas) - i), 0, -1):
        if not all(q.stop[i : i + n]):
            cands = _candidates(q, i, n, rd, df, chars)
            if cands:
                return n, cands
    return 1, []


def _phrase_words(q: _Words, i: int, n: int, rd: ReverseDictionary, df: Callable[[str], int] | None) -> list[Term]:
    """The words of a dictionary phrase on their own, weaker: a passage may say it another way."""
    terms = []
    for j in range(i, i + n):
        sub = [] if q.stop[j] else collection_weighted(rd.lookup([q.lemmas[j]]), df)
        if sub:
            terms.append(Term(q.surface[j], [(zh, w * PHRASE_WORD_WEIGHT) for zh, w in sub]))
    return terms


def _phrase_terms(
    q: _Words, rd: ReverseDictionary, df: Callable[[str], int] | None, chars: Callable[[str], int] | None
) -> list[Term]:
    """The question's words and phrases with candidates, left to right, each phrase followed by its words."""
    terms: list[Term] = []
    i = 0
    while i < len(q.lemmas):
        n, cands = _longest(q, i, rd, df, chars)
        if cands:
            terms.append(Term(" ".join(q.surface[i : i + n]), cands))
            if n > 1 and rd.keys.get(" ".join(q.lemmas[i : i + n])):
                terms += _phrase_words(q, i, n, rd, df)
        i += n
    return terms


def _joined_terms(q: _Words, rd: ReverseDictionary, df: Callable[[str], int], have: set[str]) -> list[Term]:
    """Adjacent words joined into one Chinese word the collection holds, unless a term has it already."""
    terms = []
    for j in range(len(q.lemmas) - 1):
        if not (q.stop[j] or q.stop[j + 1]):
            cands = collection_weighted(joined(q.lemmas[j], q.lemmas[j + 1], rd, df), df)
            cands = [c for c in cands if c[0] not in have]
            if cands:
                terms.append(Term(f"{q.surface[j]} {q.surface[j + 1]}", cands))
    return terms


def translate(
    question: str, df: Callable[[str], int] | None = None, chars: Callable[[str], int] | None = None
) -> list[Term]:
    """Chinese candidates for the English words and phrases of the question (longest dictionary phrase first).

    df(token) is the number of passages holding a lexical token; with it, candidates the collection cannot match
    are dropped, frequent ones weigh more, and names spelt in pinyin are looked for. Numbers and Latin names are
    left to the question's own tokens. chars(character): passages that hold it inside a word (see
    collection_weighted).
    """
    rd = load()
    q = _words(question, rd.known)
    terms = _phrase_terms(q, rd, df, chars)
    if df is not None:
        terms += _joined_terms(q, rd, df, {zh for t in terms for zh, _ in t.candidates})
    return terms
