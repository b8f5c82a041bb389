"""Follow-up questions: a question that leans on the conversation's earlier questions, rewritten to stand alone.

A follow-up leaves out what its earlier turn said: an ellipsis (那市派的呢? / and the province?) keeps only the part
that changes, a pronoun or demonstrative (它, 这家公司, they, those) points back, a new aspect (主题是啥?) names no
topic at all. resolve() gives it the terms it lacks from the turn it continues, itself resolved the same way (so a
chain of follow-ups keeps its topic); a question that names a topic of its own stands alone and ignores the history.
Chinese words and their roles come from jieba's POS tags; English from capitals and a list of function words.

Modules, in the order data flows: reading.py (the question read), topic.py (what the earlier turn was about),
rewrite.py (the follow-up rewritten)."""

from __future__ import annotations

from ..text import has_cjk
from .reading import (
    ASKS_ZH,
    CHUNK_TAGS,
    GENERIC_ZH,
    NUMBER_TAGS,
    OWN_TOPIC_WORDS,
    PERSONAL_EN,
    PERSONAL_ZH,
    POINTING_EN,
    TEMPORAL_ZH,
    THING_EN,
    THING_ZH,
    Reading,
    Translate,
    points_zh,
)
from .rewrite import filled, referred_en, referred_zh
from .topic import earlier_person, earlier_topic

HISTORY_TURNS = 8  # the earlier questions a follow-up may reach back through (a chain of follow-ups included)
PRONOUNS = PERSONAL_ZH | THING_ZH | PERSONAL_EN | THING_EN
NEW_ASPECT_CHARS = 6  # a Chinese question with one noun and at most this many topic characters is a new aspect
FUNCTION_CHARS_ZH = frozenset(
    "的了是在和与及或也都而就被把对从为以于之其这那有个中上下吗呢吧啊呀着过等能会要得去来还又再"
)

__all__ = ["Reading", "leans_on", "resolve"]


def resolve(question: str, history: list[str] | None, translate: Translate | None = None) -> str | None:
    """The question rewritten to stand alone in the conversation whose earlier questions are history (oldest
    first), or None when it stands alone already. translate(question) gives an English question's Chinese terms,
    used when a Chinese follow-up continues an English question."""
    if isinstance(history, str) or not all(isinstance(h, str) for h in history or []):
        raise ValueError("history is a list of the earlier questions (strings), oldest first: pass [question, ...]")
    anchor = None
    for earlier in (history or [])[-HISTORY_TURNS:]:
        anchor = _continued(Reading.of(earlier), anchor, translate)
    if anchor is None:
        return None
    asked = Reading.of(question)
    resolved = _continued(asked, anchor, translate)
    return None if resolved is asked else resolved.text


def _continued(q: Reading, anchor: Reading | None, translate: Translate | None) -> Reading:
    """The question as it stands in the conversation: itself, or rewritten from the turn it continues."""
    if anchor is None or not leans_on(q, anchor):
        return q
    text, topic = _rewritten(q, anchor, translate)
    if text == q.text:
        return q
    resolved = Reading.of(text, zh=q.zh)
    resolved.topic, resolved.person = topic, earlier_person(anchor)
    return resolved


def leans_on(q: Reading, anchor: Reading) -> bool:
    """Does the question continue the earlier one: an ellipsis, a pronoun, a demonstrative, or a new aspect naming
    no topic? Not when the question names what its pronoun or demonstrative means (符泳，他老爸…; 这次红歌快闪)."""
    if q.lead and not q.asks:
        return True
    if q.personal or q.thing:
        return not _antecedent_inside(q, anchor)
    own = [w for w in q.content() if w.lower() not in anchor.text.lower()]
    if q.lead or (q.pointing and not _names_its_referent(q, anchor)):
        return len(own) < OWN_TOPIC_WORDS[q.zh] and not set(q.names()) & set(own)
    return len(q.content()) <= 1 and not q.names() and _topic_chars(q) <= NEW_ASPECT_CHARS


def _antecedent_inside(q: Reading, anchor: Reading) -> bool:
    """Does the question name, before its first pronoun, something the earlier question does not (a name; in
    Chinese also a noun)?"""
    said = {w.lower() for w, _ in anchor.words}
    for w, f in q.words:
        if w.lower() in PRONOUNS:
            return False
        if w.lower() not in said and (f == "nr" or (q.zh and f in CHUNK_TAGS and len(w) > 1)):
            return True
    return False


def _names_its_referent(q: Reading, anchor: Reading) -> bool:
    """Is a demonstrative followed by a noun phrase of the question's own (这次红歌快闪, not 这家公司 after a 公司)?"""
    said = {w.lower() for w, _ in anchor.words} | GENERIC_ZH
    if q.zh != anchor.zh or any(w in TEMPORAL_ZH for w, _ in q.words):  # across languages words cannot be
        return False  # compared; 后来, 当时: always the earlier turn's time
    for i, (w, f) in enumerate(q.words):
        if points_zh(w, f) if q.zh else w.lower() in POINTING_EN:
            phrase = _phrase_after(q, i)
            if len("".join(phrase)) > 1 and not said & set(phrase):
                return True
    return False


def _phrase_after(q: Reading, i: int) -> list[str]:
    """The words of the noun phrase after word i (Chinese: past its numbers and measure words: 这几场会 → 会)."""
    j = i + 1
    while q.zh and j < len(q.words) and q.words[j][1] in NUMBER_TAGS:
        j += 1
    run = []
    while j < len(q.words) and (q.words[j][1] in CHUNK_TAGS if q.zh else q.words[j][1] != "f"):
        run.append(q.words[j][0].lower())
        j += 1
    return run


def _topic_chars(q: Reading) -> int:
    """How many characters of a Chinese question say what it is about (not its interrogative or function
    characters); 0 for English."""
    body = ASKS_ZH.sub("", q.text) if q.zh else ""
    return sum(1 for c in body if (has_cjk(c) or c.isalnum()) and c not in FUNCTION_CHARS_ZH)


def _rewritten(q: Reading, anchor: Reading, translate: Translate | None) -> tuple[str, str | None]:
    """The follow-up's text as understood, and the topic it carries on (None after an ellipsis: the filled-in
    question says it)."""
    if not q.asks:
        return filled(q, anchor), None
    topic = earlier_topic(anchor, q, translate)
    if not topic:
        return q.text, None
    person = earlier_person(anchor) or topic
    return (referred_zh if q.zh else referred_en)(q, topic, person), topic
