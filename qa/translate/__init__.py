"""English → Chinese query terms from CC-CEDICT: a reverse dictionary built once, cached, weighted by the collection.

english: function words and lemmas · glosses: CC-CEDICT entries read · dictionary: the reverse dictionary built,
cached and loaded · collection: candidates weighed by the collection · names: names and places spelt in pinyin ·
fallbacks: words the dictionary lacks · question: translate(), the question's terms.
"""

from .collection import FREQUENCY_WEIGHT, MAX_CANDIDATES, MAX_CHARACTERS, PARTIAL_WEIGHT
from .dictionary import (
    FORMAT_VERSION,
    HEAD_WEIGHT,
    MAX_CONTAINING,
    MAX_STORED,
    ReverseDictionary,
    build,
    cache_dir,
    load,
)
from .english import ANSWER_CLASS, ENGLISH_STOP_WORDS, lemma
from .fallbacks import INDIRECT_WEIGHT, JOIN_CANDIDATES
from .glosses import MAX_KEY_WORDS
from .names import MAX_NAME_CANDIDATES, spelt_in_pinyin
from .question import PHRASE_WORD_WEIGHT, Term, translate

__all__ = [
    "ANSWER_CLASS",
    "ENGLISH_STOP_WORDS",
    "FORMAT_VERSION",
    "FREQUENCY_WEIGHT",
    "HEAD_WEIGHT",
    "INDIRECT_WEIGHT",
    "JOIN_CANDIDATES",
    "MAX_CANDIDATES",
    "MAX_CHARACTERS",
    "MAX_CONTAINING",
    "MAX_KEY_WORDS",
    "MAX_NAME_CANDIDATES",
    "MAX_STORED",
    "PARTIAL_WEIGHT",
    "PHRASE_WORD_WEIGHT",
    "ReverseDictionary",
    "Term",
    "build",
    "cache_dir",
    "lemma",
    "load",
    "spelt_in_pinyin",
    "translate",
]
