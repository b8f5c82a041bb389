"""What an earlier question was about: its topic noun phrases and the person it names, in the follow-up's
language where possible."""

from __future__ import annotations

from .reading import GENERIC_ZH, ORDINALS_EN, PARTICIPLES_EN, Reading, Translate, before_question_word, chunks


def earlier_topic(anchor: Reading, q: Reading, translate: Translate | None) -> str:
    """What the earlier question was about, in the follow-up's language where possible, without what the
    follow-up says itself."""
    said = q.text.lower()
    if anchor.topic and anchor.zh == q.zh:
        return anchor.topic if anchor.topic.lower() not in said else ""
    if q.zh and not anchor.zh and translate is not None:
        return _translated_topic(anchor, said, translate)
    if not anchor.zh:
        return _english_topic(anchor, said)
    kept = [c for c in chunks(before_question_word(anchor)) if len(c) > 1 and c not in GENERIC_ZH]
    return "".join(c for c in kept if c not in said)


def _translated_topic(anchor: Reading, said: str, translate: Translate) -> str:
    """An English question's topic for a Chinese follow-up: the best Chinese term of each of its words, names
    without one as they are (Ninohe)."""
    topic = _english_topic(anchor, said)
    terms = [t for t in translate(topic + "?") if t.candidates]
    out = [max(t.candidates, key=lambda c: c[1])[0] for t in terms]
    covered = " ".join(t.english.lower() for t in terms)
    out += [w.removesuffix("'s") for w in anchor.names() if w in topic and w.lower().removesuffix("'s") not in covered]
    return "".join(t for t in dict.fromkeys(out) if t not in said)


def _english_topic(anchor: Reading, said: str) -> str:
    """An English question's first noun phrase (without an ordinal before it or a participle after it: the
    second summit held → summit) and the names it says elsewhere."""
    kept = [_trimmed(c) for c in chunks(anchor) if len(c) > 1 and c.lower() not in said][:1]
    kept += [w for w in anchor.names() if w.lower() not in said and not any(w in c for c in kept)]
    return " ".join(kept)


def _trimmed(chunk: str) -> str:
    words = chunk.split()
    while len(words) > 1 and (words[0].lower() in ORDINALS_EN or words[0][0].isdigit()):
        words = words[1:]
    while len(words) > 1 and (words[-1].endswith("ed") or words[-1].lower() in PARTICIPLES_EN):
        words = words[:-1]
    return " ".join(words)


def earlier_person(anchor: Reading) -> str | None:
    """The first person the earlier question names (Chinese: with the title printed after it, 曹慧泉书记)."""
    if anchor.person:
        return anchor.person
    words = anchor.words + [("", "x")]
    for i, (w, f) in enumerate(anchor.words):
        if anchor.zh and f in ("nr", "nrfg", "nrt"):
            return w + words[i + 1][0] if words[i + 1][1] == "n" else w
        if not anchor.zh and f == "nr":
            run = [w]
            for w2, f2 in words[i + 1 :]:
                if f2 != "nr":
                    break
                run.append(w2)
            return " ".join(run)
    return None
