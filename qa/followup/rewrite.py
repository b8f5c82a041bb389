"""A follow-up rewritten to stand alone: a pronoun or demonstrative replaced by what it points to, an ellipsis
put in the place of what it replaces in the earlier question, or the topic put in front."""

from __future__ import annotations

import re

from ..answer.patterns import TOTAL_ASKED
from ..text import has_cjk
from .reading import (
    ASKS_ZH,
    BARE_ASK_EN,
    CHUNK_TAGS,
    FUNCTION_EN,
    LEAD_EN,
    LEAD_WORDS_ZH,
    LEAD_ZH,
    NAME_TAGS,
    NUMBER_TAGS,
    ORDINALS_EN,
    PERSONAL_EN,
    PERSONAL_ZH,
    POINTING_EN,
    TAIL_ZH,
    TEMPORAL_ZH,
    THING_EN,
    THING_ZH,
    Reading,
    before_question_word,
    chunks,
    points_zh,
)


def referred_zh(q: Reading, topic: str, person: str) -> str:
    """The pronoun replaced by what it points to (它 → the topic, 他 → the person, 这家公司 → the topic when the
    topic is a 公司); a question that only points (那次, 这些年) or names no topic gets the topic in front."""
    words = [w for w, _ in q.words]
    if words and words[0] in LEAD_WORDS_ZH:
        words, tagged = words[1:], q.words[1:]
    else:
        tagged = q.words
    for i, (w, f) in enumerate(tagged):
        if w in PERSONAL_ZH or w in THING_ZH:
            return "".join(words[:i] + [person if w in PERSONAL_ZH else topic] + words[i + 1 :])
        if points_zh(w, f) and w not in TEMPORAL_ZH:
            end = _pointed_end(tagged, i, topic)
            if end is not None:
                return "".join(words[:i] + [topic] + words[end:])
            break
    return topic + "".join(words)


def _pointed_end(tagged: list[tuple[str, str]], i: int, topic: str) -> int | None:
    """Where the phrase a demonstrative opens ends, when it stands for the topic: a bare 其/该/这 before a verb, or
    a noun the topic ends with (这家公司 for 株洲城市更新公司); None when it points elsewhere (这些年, 那块地)."""
    j = i + 1
    while j < len(tagged) and tagged[j][1] in NUMBER_TAGS:
        j += 1
    if j == len(tagged) or tagged[j][1] not in CHUNK_TAGS:
        return i + 1 if j == i + 1 else None
    noun = tagged[j][0]
    return j + 1 if topic.endswith(noun) or topic.endswith(noun[-1]) else None


def referred_en(q: Reading, topic: str, person: str) -> str:
    """it/they/those → the topic, he/his → the person (his → the person's); this/that before a noun, there and
    then keep their place and the topic follows in brackets."""
    text = LEAD_EN.sub("", q.text)
    text = text[:1].upper() + text[1:]
    for m in re.finditer(r"[A-Za-z]+", text):
        low = m.group().lower()
        after = re.findall(r"[A-Za-z]+", text[m.end() :])
        pointing = low in POINTING_EN and (low in ("there", "then") or (after and after[0].lower() not in FUNCTION_EN))
        if pointing:
            break
        if low in PERSONAL_EN or low in THING_EN or low in POINTING_EN:
            what = person if low in PERSONAL_EN else topic
            if low in ("his", "her", "its", "their"):
                what += "'s"
            return text[: m.start()] + what + text[m.end() :]
    bare = BARE_ASK_EN.match(text)  # how many did … → how many <topic> did …
    if bare:
        return f"{text[: bare.end(1)]} {topic}{text[bare.end(1) :]}"
    return f"{text.rstrip('?？. ')} ({topic})?"


def filled(q: Reading, anchor: Reading) -> str:
    """An ellipsis (省派的呢?, and the second one?) put in the place of what it replaces in the earlier question."""
    if q.zh != anchor.zh:
        return f"{anchor.text.rstrip('?？. ')} ({TAIL_ZH.sub('', LEAD_EN.sub('', LEAD_ZH.sub('', q.text)))})?"
    return _filled_zh(q, anchor) if q.zh else _filled_en(q, anchor)


def _filled_zh(q: Reading, anchor: Reading) -> str:
    body = TAIL_ZH.sub("", LEAD_ZH.sub("", q.text))
    phrases = chunks(Reading.of(body))
    part = phrases[0] if phrases else body
    old = _aligned_zh(anchor, part, Reading.of(part))
    if old:
        return anchor.text.replace(old, part, 1)
    total = TOTAL_ASKED.search(anchor.text)
    if total:  # 一共派了多少支…? then 那市派的呢?: the part asked in place of the total
        return anchor.text.replace(total.group(), part, 1)
    main = chunks(before_question_word(anchor))
    return anchor.text.replace(main[0], part + main[0], 1) if main else part + anchor.text


def _aligned_zh(anchor: Reading, part: str, tagged: Reading) -> str | None:
    """What the part replaces in the earlier question: a word with the same head (省派 for 市派), else the first
    name of the part's kind or the first number or time (湘潭 for 株洲南, 2019年 for 2018年)."""
    n, starts, at = len(part), set(), 0
    for w, _ in anchor.words:  # a word's start: 一共派了 holds no 共派 to replace
        starts.add(at)
        at += len(w)
    for i in range(len(anchor.text) - n + 1):
        s = anchor.text[i : i + n]
        if i in starts and s != part and s[-1] == part[-1] and n > 1 and all(has_cjk(c) for c in s):
            return s
    return _same_kind(anchor, tagged.words[0][1] if tagged.words else "x")


def _same_kind(anchor: Reading, kind: str) -> str | None:
    """The earlier question's first name of this jieba tag (with the names right after it: 株洲南), or its first
    number or time when kind is one."""
    if kind not in NAME_TAGS and kind not in ("m", "t"):
        return None
    for i, (w, f) in enumerate(anchor.words):
        if f == kind and not ASKS_ZH.search(w):
            run = [w]
            for w2, f2 in anchor.words[i + 1 :] if kind in NAME_TAGS else []:
                if f2 not in NAME_TAGS:
                    break
                run.append(w2)
            return "".join(run)
    return None


def _filled_en(q: Reading, anchor: Reading) -> str:
    part = LEAD_EN.sub("", q.text).rstrip("?？. ")
    said = {w.lower() for w, _ in q.words}
    for w, f in anchor.words:
        low = w.lower()
        swap = next((x for x, g in q.words if g == f == "m" or (low in ORDINALS_EN and x.lower() in ORDINALS_EN)), None)
        if swap and low not in said:
            return re.sub(rf"\b{re.escape(w)}\b", swap, anchor.text, count=1)
    noun = re.fullmatch(r"(?:the|a|an) ([A-Za-z][\w-]*)", part, re.I)  # and the province? → the city's place
    slots = [m for m in re.finditer(r"\bthe ([A-Za-z][\w-]*)", anchor.text) if m.group(1).lower() not in FUNCTION_EN]
    if noun and noun.group(1).lower() not in FUNCTION_EN and slots:
        return anchor.text[: slots[-1].start(1)] + noun.group(1) + anchor.text[slots[-1].end(1) :]
    return f"{anchor.text.rstrip('?？. ')}, {part}?"
