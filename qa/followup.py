"""Follow-up questions: a question that leans on the conversation's earlier questions, rewritten to stand alone.

A follow-up leaves out what its earlier turn said: an ellipsis (那市派的呢? / and the province?) keeps only the part
that changes, a pronoun or demonstrative (它, 这家公司, they, those) points back, a new aspect (主题是啥?) names no
topic at all. resolve() gives it the terms it lacks from the turn it continues, itself resolved the same way (so a
chain of follow-ups keeps its topic); a question that names a topic of its own stands alone and ignores the history.
Chinese words and their roles come from jieba's POS tags; English from capitals and a list of function words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .text import has_cjk, to_simplified

Translate = Callable[[str], list]  # Index.translate: an English question's Chinese terms (qa.translate.Term)

# a question with a demonstrative but this many content words of its own starts a new topic (Chinese, English)
OWN_TOPIC_WORDS = {True: 3, False: 4}
ASKS_ZH = re.compile(r"多少|几|什么|啥|哪|谁|何|怎|如何|为什么|吗|是否|是不是|有没有|多[久长大高远重]")
LEAD_ZH = re.compile(r"^(?:那么|那|还有|而|再|另外)(?=.)")
LEAD_WORDS_ZH = frozenset("那么 那 还有 而 再 另外".split())
TAIL_ZH = re.compile(r"(?:的)?(?:呢|啊|呀)?[?？。!！\s]*$")
PERSONAL_ZH = frozenset("他 她 他们 她们".split())
THING_ZH = frozenset("它 它们".split())
TEMPORAL_ZH = frozenset("当时 那时 那年 那次 后来 此后 同年".split())
NAME_TAGS = frozenset("nr ns nt nz nrt nrfg eng".split())
CHUNK_TAGS = NAME_TAGS | {"n", "ng", "vn", "l", "j"}
NUMBER_TAGS = frozenset("m mq q".split())
STUCK_TAGS = frozenset("uj ul uz r x p c y d".split())  # never inside a noun phrase
GENERIC_ZH = frozenset("时间 时候 地方 东西 事情 情况 方面 名字 人员".split())

ASKS_EN = re.compile(
    r"\b(?:what|which|who|whom|whose|when|where|why|how)\b|^(?:is|are|was|were|do|does|did|can|could)\b"
)
BARE_ASK_EN = re.compile(
    r"^(how (?:many|much)|which|what)(?= (?:did|do|does|is|are|was|were|has|have|had|can|will)\b)", re.I
)
LEAD_EN = re.compile(r"^(?:and|so|also|but|plus)\b[\s,]*|^(?:what|how) about\b\s*", re.I)
ABOUT_EN = re.compile(r"^(?:and\s+)?(?:what|how) about\b\s*", re.I)
PERSONAL_EN = frozenset("he him his she her".split())
THING_EN = frozenset("it its they them their".split())
POINTING_EN = frozenset("this that these those there then".split())
PREPOSITIONS_EN = frozenset("after before in for at from by under during with on since until".split())
ORDINALS_EN = frozenset("first second third fourth fifth sixth last next previous".split())
PARTICIPLES_EN = frozenset("held sent put set bought made built kept paid sold won found run done given taken".split())
FUNCTION_EN = frozenset(
    """a an the of to in on for and or but so also plus is are was were be been being am by with what which who whom
    whose when where why how did do does done doing has have had can could would should will shall may might must
    not no yes i you we me us my our your he him his she her it its they them their this that these those there then
    here as at from into over under about after before during since until than too very just still now ever again
    all each any some many much more most long often one ones get got gets make made go went come came say said take
    took become became itself themselves himself herself originally really kind sort thing things way""".split()
)


@lru_cache(maxsize=1)
def _posseg():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    return jieba.posseg


@dataclass
class Reading:
    """A question read for resolving: its words (with jieba tags for Chinese) and what in it points back."""

    text: str
    zh: bool
    words: list[tuple[str, str]]
    asks: bool  # has an interrogative of its own (an ellipsis such as 省派的呢? has none)
    lead: bool  # starts like a continuation: 那…, and…, what about…
    personal: bool  # 他/她, he/she: a person named before
    thing: bool  # 它/其/该, it/they
    pointing: bool  # 这…/那…/当时, this/that/those
    topic: str | None = None  # what it was about, when it was rewritten from an earlier turn
    person: str | None = None  # and the person it was about

    @classmethod
    def of(cls, text: str, zh: bool | None = None) -> Reading:
        """The question read as Chinese when it has Chinese characters, unless zh says otherwise (an English
        follow-up rewritten with a Chinese topic stays English)."""
        text = to_simplified(text.strip())
        return _read_zh(text) if (has_cjk(text) if zh is None else zh) else _read_en(text)

    def content(self) -> list[str]:
        """The topic words: nouns (Chinese, two characters or a name) or English words that are not function words."""
        if self.zh:
            return [w for w, f in self.words if f in CHUNK_TAGS and len(w) > 1 and not ASKS_ZH.search(w)]
        return [w for w, f in self.words if f != "f"]

    def names(self) -> list[str]:
        return [w for w, f in self.words if f in NAME_TAGS]


def _read_zh(text: str) -> Reading:
    words = [(w, f) for w, f in _posseg().lcut(text)]
    body = TAIL_ZH.sub("", LEAD_ZH.sub("", text))
    return Reading(
        text=text,
        zh=True,
        words=words,
        asks=bool(ASKS_ZH.search(body)),
        lead=bool(LEAD_ZH.match(text)) or text.rstrip("?？ ").endswith("呢"),
        personal=any(w in PERSONAL_ZH for w, _ in words),
        thing=any(w in THING_ZH for w, _ in words),
        pointing=any(_points_zh(w, f) for w, f in words),
    )


def _points_zh(word: str, flag: str) -> bool:
    return word in TEMPORAL_ZH or (word[0] in "这那此其该" and flag in ("r", "mq", "m", "t") and "哪" not in word)


def _read_en(text: str) -> Reading:
    tokens = re.findall(r"[A-Za-z][\w'’.–-]*|\d[\d,.]*|[\u3400-\u9fff]+", text)
    lower = [t.lower().removesuffix("'s").removesuffix("’s") for t in tokens]
    words = [(t, _en_flag(t, low, i)) for i, (t, low) in enumerate(zip(tokens, lower))]
    return Reading(
        text=text,
        zh=False,
        words=words,
        asks=bool(ASKS_EN.search(LEAD_EN.sub("", text).lower())) and not ABOUT_EN.match(text),
        lead=bool(LEAD_EN.match(text)),
        personal=any(w in PERSONAL_EN for w in lower),
        thing=any(w in THING_EN for w in lower),
        pointing=any(w in POINTING_EN for w in lower),
    )


def _en_flag(token: str, lower: str, position: int) -> str:
    """w: a content word, nr: a capitalised name (not the question's first word), m: a number, f: a function word."""
    if token[0].isdigit():
        return "m"
    if has_cjk(token):
        return "nr"
    if lower in FUNCTION_EN:
        return "f"
    return "nr" if token[0].isupper() and position > 0 else "w"


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
    resolved.topic, resolved.person = topic, _person(anchor)
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
        return _filled(q, anchor), None
    topic = _topic(anchor, q, translate)
    if not topic:
        return q.text, None
    person = _person(anchor) or topic
    return (_referred_zh if q.zh else _referred_en)(q, topic, person), topic


# ----- the earlier turn's topic -----


def _chunks(r: Reading) -> list[str]:
    """Noun phrases in order: runs of words inside one (see _inside)."""
    out, run = [], []
    for i, (w, _) in enumerate(r.words):
        if _inside(r.words, i, r.zh):
            run.append(w)
        elif run:
            out.append(("" if r.zh else " ").join(run))
            run = []
    return out + [("" if r.zh else " ").join(run)] * bool(run)


def _inside(words: list[tuple[str, str]], i: int, zh: bool) -> bool:
    """Is word i part of a noun phrase: in English a word that is not a function word; in Chinese a noun, a number
    or measure word before one (一号风球), or one character between two (九龙灵粮堂, 城发 in 株洲城发城市更新公司)."""
    w, f = words[i]
    if not zh:
        return f != "f"
    if ASKS_ZH.search(w):
        return False
    if f in CHUNK_TAGS:
        return True
    after = words[i + 1][1] if i + 1 < len(words) else "x"
    if f in NUMBER_TAGS:
        return after in CHUNK_TAGS and w[0] not in "这那"
    before = words[i - 1][1] if i else "x"
    return len(w) == 1 and f not in STUCK_TAGS and before in CHUNK_TAGS and after in CHUNK_TAGS


def _before_question_word(r: Reading) -> Reading:
    """The part of a Chinese question before its interrogative (its subject, most often); all of it when that
    part holds no noun."""
    for i, (w, _) in enumerate(r.words):
        if ASKS_ZH.search(w):
            head = Reading(r.text, r.zh, r.words[:i], r.asks, r.lead, r.personal, r.thing, r.pointing)
            return head if _chunks(head) else r
    return r


def _topic(anchor: Reading, q: Reading, translate: Translate | None) -> str:
    """What the earlier question was about, in the follow-up's language where possible, without what the
    follow-up says itself."""
    said = q.text.lower()
    if anchor.topic and anchor.zh == q.zh:
        return anchor.topic if anchor.topic.lower() not in said else ""
    if q.zh and not anchor.zh and translate is not None:
        return _translated_topic(anchor, said, translate)
    if not anchor.zh:
        return _english_topic(anchor, said)
    kept = [c for c in _chunks(_before_question_word(anchor)) if len(c) > 1 and c not in GENERIC_ZH]
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
    kept = [_trimmed(c) for c in _chunks(anchor) if len(c) > 1 and c.lower() not in said][:1]
    kept += [w for w in anchor.names() if w.lower() not in said and not any(w in c for c in kept)]
    return " ".join(kept)


def _trimmed(chunk: str) -> str:
    words = chunk.split()
    while len(words) > 1 and (words[0].lower() in ORDINALS_EN or words[0][0].isdigit()):
        words = words[1:]
    while len(words) > 1 and (words[-1].endswith("ed") or words[-1].lower() in PARTICIPLES_EN):
        words = words[:-1]
    return " ".join(words)


def _person(anchor: Reading) -> str | None:
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


# ----- rewriting the follow-up -----


def _referred_zh(q: Reading, topic: str, person: str) -> str:
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
        if _points_zh(w, f) and w not in TEMPORAL_ZH:
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


def _referred_en(q: Reading, topic: str, person: str) -> str:
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


def _filled(q: Reading, anchor: Reading) -> str:
    """An ellipsis (省派的呢?, and the second one?) put in the place of what it replaces in the earlier question."""
    if q.zh != anchor.zh:
        return f"{anchor.text.rstrip('?？. ')} ({TAIL_ZH.sub('', LEAD_EN.sub('', LEAD_ZH.sub('', q.text)))})?"
    return _filled_zh(q, anchor) if q.zh else _filled_en(q, anchor)


def _filled_zh(q: Reading, anchor: Reading) -> str:
    body = TAIL_ZH.sub("", LEAD_ZH.sub("", q.text))
    chunks = _chunks(Reading.of(body))
    part = chunks[0] if chunks else body
    old = _aligned_zh(anchor, part, Reading.of(part))
    if old:
        return anchor.text.replace(old, part, 1)
    main = _chunks(_before_question_word(anchor))
    return anchor.text.replace(main[0], part + main[0], 1) if main else part + anchor.text


def _aligned_zh(anchor: Reading, part: str, tagged: Reading) -> str | None:
    """What the part replaces in the earlier question: a word with the same head (省派 for 市派), else the first
    name of the part's kind or the first number or time (湘潭 for 株洲南, 2019年 for 2018年)."""
    n = len(part)
    for i in range(len(anchor.text) - n + 1):
        s = anchor.text[i : i + n]
        if s != part and s[-1] == part[-1] and n > 1 and all(has_cjk(c) for c in s):
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
