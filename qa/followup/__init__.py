"""Follow-up questions: a question that leans on the conversation's earlier questions, rewritten to stand alone.

A follow-up leaves out what its earlier turn said: an ellipsis (那市派的呢? / and the province?) keeps only the part
that changes, a pronoun or demonstrative (它, 这家公司, they, those) points back, a new aspect (主题是啥?) names no
topic at all. resolve() gives it the terms it lacks from the turn it continues, itself resolved the same way (so a
chain of follow-ups keeps its topic); a question that names a topic of its own stands alone and ignores the history.
Chinese words and their roles come from jieba's POS tags; English from capitals and a list of function words.

Modules, in the order data flows: reading.py (the question read), topic.py (what the earlier turn was about),
rewrite.py (the follow-up rewritten)."""

from __future__ import annotations

from .reading import OWN_TOPIC_WORDS, PERSONAL_EN, THING_EN, Reading, Translate
from .rewrite import filled, referred_en, referred_zh
from .topic import earlier_person, earlier_topic

__all__ = ["Reading", "leans_on", "resolve"]


def resolve(question: str, history: list[str] | None, translate: Translate | None = None) -> str | None:
    """The question rewritten to stand alone in the conversation whose earlier questions are history (oldest
    first), or None when it stands alone already. translate(question) gives an English question's Chinese terms,
    used when a Chinese follow-up continues an English question."""
    if isinstance(history, str):
        raise ValueError("history is a list of the earlier questions, oldest first, not one string: pass [question]")
    anchor = None
    for earlier in history or []:
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


def _named_before_pronoun(q: Reading) -> bool:
    for w, f in q.words:
        if w.lower() in PERSONAL_EN or w.lower() in THING_EN:
            return False
        if f == "nr":
            return True
    return False


def leans_on(q: Reading, anchor: Reading) -> bool:
    """Does the question continue the earlier one: an ellipsis, a pronoun, or a new aspect naming no topic?"""
    if q.lead and not q.asks:
        return True
    if q.personal or q.thing:  # unless an English question names whom it means first (Bird … kept him)
        return q.zh or not _named_before_pronoun(q)
    own = [w for w in q.content() if w.lower() not in anchor.text.lower()]
    if q.pointing or q.lead:  # a demonstrative or "so …" with names or many words of its own starts a new topic
        return len(own) < OWN_TOPIC_WORDS[q.zh] and not set(q.names()) & set(own)
    return len(q.content()) <= 1 and not q.names()


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
