"""A question read for resolving: its words with jieba POS tags (Chinese) or word classes (English), what in
it points back, and its noun phrases."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..text import has_cjk, posseg, to_simplified

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
ORDINALS_EN = frozenset("first second third fourth fifth sixth last next previous".split())
PARTICIPLES_EN = frozenset("held sent put set bought made built kept paid sold won found run done given taken".split())
FUNCTION_EN = frozenset(
    """a an the of to in on for and or but so also plus is are was were be been being am by with what which who whom
    whose when where why how did do does done doing has have had can could would should will shall may might must
    not no yes i you we me us my our your he him his she her it its they them their this that these those there then
    here as at from into over under about after before during since until than too very just still now ever again
    all each any some many much more most long often one ones get got gets make made go went come came say said take
    took become became itself themselves himself herself originally really kind sort thing things way each every""".split()
)


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
    words = [(w, f) for w, f in posseg().lcut(text)]
    body = TAIL_ZH.sub("", LEAD_ZH.sub("", text))
    return Reading(
        text=text,
        zh=True,
        words=words,
        asks=bool(ASKS_ZH.search(body)),
        lead=bool(LEAD_ZH.match(text)) or text.rstrip("?？ ").endswith("呢"),
        personal=any(w in PERSONAL_ZH for w, _ in words),
        thing=any(w in THING_ZH for w, _ in words),
        pointing=any(points_zh(w, f) for w, f in words),
    )


def points_zh(word: str, flag: str) -> bool:
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


def chunks(r: Reading) -> list[str]:
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


def before_question_word(r: Reading) -> Reading:
    """The part of a Chinese question before its interrogative (its subject, most often); all of it when that
    part holds no noun."""
    for i, (w, _) in enumerate(r.words):
        if ASKS_ZH.search(w):
            head = Reading(r.text, r.zh, r.words[:i], r.asks, r.lead, r.personal, r.thing, r.pointing)
            return head if chunks(head) else r
    return r
