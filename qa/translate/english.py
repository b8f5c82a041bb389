"""English words of questions and glosses: function words, and lemmas by which the dictionary is looked up."""

from __future__ import annotations

from functools import lru_cache

ENGLISH_STOP_WORDS = frozenset(
    """a an the of to in on at for from by with about into onto as and or but not no nor so than then that this these those
    is are was were be been being am do does did done have has had having will would shall should can could may might must
    what which who whom whose when where why how whether if there here it its it's he him his she her hers they them their
    theirs we us our you your i me my mine one ones s 's some any each every all both either neither other another such
    many much more most few several own same also only just very too up out over under again further once
    become became becomes called call name named known kind type""".split()
)
FILLER = {"sb", "sth", "etc", "one's", "sb's", "oneself"}  # placeholders of glosses ("to help sb"), not their words

# "what time", "which year": the kind of answer asked for, which the answer's sentence prints as a number (23时25分)
ANSWER_CLASS = frozenset("time year month day date hour".split())


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


def _known_irregular(word: str, known: frozenset[str] | set[str]) -> str:
    irregular = _irregular(word)
    return irregular if irregular and irregular in known else word


def _stems(word: str) -> list[str]:
    """The word with -s/-es/-ies/-ed/-ied/-ing stripped, in the order they are tried ("" where a rule does not apply)."""
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
    return stems


def lemma(word: str, known: frozenset[str] | set[str]) -> str:
    """A lemma: strip -s/-es/-ies/-ed/-ing when the stripped form is a known dictionary word, else an irregular form's
    lemma (lemminflect) when the dictionary knows it."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return _known_irregular(word, known)
    return next((s for s in _stems(word) if len(s) > 2 and s in known), None) or _known_irregular(word, known)
