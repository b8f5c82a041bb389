"""Short answers from retrieved passages: question type, supporting sentence, typed span, confidence."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .search import Passage
from .text import SENTENCE_END, STOP_WORDS, bigrams, has_cjk, split_sentences, to_simplified, words

TYPES = ("quantity", "percent", "date", "time", "person", "place", "org", "document", "other")

# Confidence = sigmoid(bias + w·features): logistic regression fitted by `python bench/answers.py --fit` on the
# cmrc2018 + cmrc2018-en records (label: the best candidate holds or is held by a gold answer, since bench spans are cut
# differently); THRESHOLDS: for Chinese and for English questions, the lowest confidence whose answers above it were
# right 85% of the time on that language's set.
WEIGHTS = {
    "bias": -0.936,
    "sentence": -0.795,
    "cosine": 0.363,
    "sentence_margin": 1.359,
    "context": 1.137,
    "english_context": 0.148,
    "margin": 0.779,
    "unit": 0.848,
    "rank": -1.491,
    "english": -0.776,
    "typed_prior": 0.978,
    "align": 1.057,
}
THRESHOLDS = {False: 0.643, True: 0.668}
# Below this share of the question's (weighted) words in the sentence, or for English this cosine, no short answer:
# the 2nd percentile among right answers on cmrc2018 / cmrc2018-en (bench sets have no unanswerable questions).
MIN_SUPPORT = {False: 0.15, True: 0.24}
PART_MATCH = 0.5
CHAR_WEIGHT = 0.8  # ... on the question's characters (建 meets 建成), outside the title
IDF_POWER = 0.5
TITLE_DISCOUNT = 0.8
SHARP_WEIGHT = 1.0  # sentence ranking: share of the question's weight on words rare among the candidate sentences
CONTEXT_WEIGHT = 0.6  # ... on the question words found anywhere in the passage and its title
PASSAGE_WEIGHT = 0.4  # ... on the passage's retrieval score
EXTRA_WEIGHT = 0.5  # candidate ranking, English: on the share of its clause the question's words account for
DESCRIBED_WEIGHT = 1.0  # ... against the share of the candidate itself they translate (its 公司 aside)
ALIGN_WEIGHT = 1.0  # candidate ranking: on the question's words around its interrogative, around the candidate
QUESTION_PENALTY = 0.5  # a sentence that asks (这场座谈会召开有何背景?) answers nothing
TYPED_SENTENCE_BONUS = 0.35  # a sentence holding a span of the asked type (a date for "when") is preferred
SPAN_SCORE_MAX = 4.0  # bound of _span_scores: context 1.5 + nearness 0.5 + alignment 1 + English clause 0.5 + 0.5
MAX_TYPED_BONUS = TYPED_SENTENCE_BONUS + 0.1 * SPAN_SCORE_MAX

# ----- question typing -----

_ZH_TYPES = [
    (
        "document",
        r"(什么|哪部|哪个|哪项|哪份|哪一?部|哪些|何种|哪首|什么样的)[^，。？?]{0,6}?(办法|条例|法规|法律|规定|文件|计划|规划|方案|意见|通知|歌曲?|书籍?|作品|讲话|报告)"
        r"|(办法|条例|法规|歌曲?|文件)(的名称|叫什么|是什么)|书名",
    ),
    (
        "percent",
        r"百分之几|百分比|比例|占比|比重|增长率|增速|增幅|涨幅|降幅|百分点|什么水平|[率幅速]是?多少|(增长|下降|提高|降低|上涨|高出|低了|增加|减少)了?(多少|几成)(?![支个家名人项对组趟次元亿万])",
    ),
    ("time", r"几点|几时几分|什么时刻|哪个时刻|几时"),
    (
        "date",
        r"什么时候|何时|哪天|哪一天|哪日|几月|几号|几日|哪年|哪一年|什么时间|日期|哪个月|何年|年份|哪个年代|哪一?个?时期|什么年代",
    ),
    (
        "org",
        r"哪[家所]|哪[一两三几]?个(公司|单位|部门|机构|企业|集团|组织|机关|银行|大学|学校|医院|协会|团体|政府)"
        r"|什么(公司|单位|部门|机构|企业|集团|组织|机关)|哪些(公司|单位|部门|机构|企业|集团)|由哪(个|些)?(单位|部门|公司)?",
    ),
    ("person", r"谁|哪位|哪[一两三几]?个人|什么人|何人|姓名|叫什么名字"),
    (
        "place",
        r"哪里|哪儿|何处|何地|什么地方|在哪|哪[一两三几]?(个|座)?(城市|地方|省|市|县|区|国家|站|村|镇|地区|国|州)|哪座",
    ),
    (
        "quantity",
        r"多少|几[个支名人家项对组趟次年天位座条所台辆种批件处户套倍岁届期周场首部篇本张]?|多[长远高大重久宽深厚]",
    ),
]
_EN_TYPES = [
    (
        "document",
        r"\b(which|what) (\w+ )?(regulations?|laws?|rules?|measures|documents?|plans?|policy|policies|songs?|books?|speech|report)\b"
        r"|\b(name|title) of the (regulation|law|document|plan|song|measures)",
    ),
    (
        "percent",
        r"\bpercent|\bpercentage|\brate\b|\bby how much\b|\bshare of\b|\bproportion\b|percentage points?"
        r"|\bhow (much|fast) did .* (grow|increase|rise|fall|drop|decline)|\bgrowth\b",
    ),
    ("time", r"\bwhat time\b|\bat what hour\b|\bwhich hour\b|\bwhat o'clock\b"),
    (
        "date",
        r"\bwhen\b|\bwhat date\b|\bwhich (day|date|year|month|period|decade|century)\b|\bwhat (day|year|month|period|decade|century)\b|\bon what day\b",
    ),
    (
        "org",
        r"\b(which|what) (\w+ )?(company|companies|agency|agencies|organi[sz]ations?|departments?|office|bureau|institutions?|units?|firms?|group|enterprises?|body|bank|university|school|hospital|association|team)\b",
    ),
    (
        "person",
        r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich person\b|\bwhat is the name of the (chairman|mayor|secretary|director|president|reporter|person|man|woman)",
    ),
    (
        "place",
        r"\bwhere\b|\b(which|what) (\w+ )?(city|cities|place|station|district|county|province|country|town|village|area|region|island|river|mountain)\b",
    ),
    (
        "quantity",
        r"\bhow (many|much|long|far|big|large|old|often|tall|high|wide)\b|\bwhat (is the )?(number|amount|total)\b|\bnumber of\b",
    ),
]
_ZH_TYPES = [(t, re.compile(p)) for t, p in _ZH_TYPES]
_EN_TYPES = [(t, re.compile(p, re.I)) for t, p in _EN_TYPES]

# Interrogative phrases: removed before the question's words are matched against the text.
_INTERROGATIVE = re.compile(
    r"多少|几|什么|哪[里儿些个家位天年一座部项份首所]?|谁|何[时地处种人年]?|怎么样?|怎样|如何|为什么|吗|呢|是否|是不是|有没有"
)

# Measure words and units, longest first (a number keeps the one printed after it).
UNITS = sorted(
    """个百分点 百分点 % ％ 个工作日 工作日 个小时 亿元 万元 千元 元 亿美元 万美元 美元 亿人次 万人次 人次 万人 人 名 位 支 个 家 项 对 组 趟 次 场 座 条 所
    台 辆 种 批 件 处 户 套 年 天 日 个月 小时 分钟 秒 公里 千米 米 平方米 平方公里 万平方米 亩 万亩 公顷 吨 万吨 千克 公斤 克 岁 倍 届
    期 周 层 部 首 篇 本 张 块 株 头 只 间 栋 幢 段 份 家次 班 列 架 艘 门 所 座 节 集 章 卷 款 枚 颗 度 周年 代 轮 季 季度 分""".split(),
    key=len,
    reverse=True,
)
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
_NUM = r"(?:\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)"
_MAG = r"(?:[万亿千百]|万亿)?"
QUANTITY = re.compile(rf"(?<![\d.])(?P<num>{_NUM}{_MAG}(?:余|多)?)(?P<unit>{_UNIT_RE})?")
PERCENT = re.compile(
    rf"(?<![\d.])(?:\d+(?:\.\d+)?\s*[%％]|百分之[零〇一二三四五六七八九十百点]+|\d+(?:\.\d+)?个?百分点|{_NUM}倍|[一二三四五六七八九十]成)"
)
_YEAR = r"(?:公元前?)?(?:\d{2,4}|[零〇一二三四五六七八九]{2,4})年"
_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?"
_PART = r"(?:[上中下]旬|初|底|末|中|上午|下午|晚上?|凌晨|中午|早上)?"
DATE = re.compile(
    rf"(?:(?:去年|今年|明年|前年|同年|当年){_MD}|{_YEAR}(?:{_MD})?|{_MD}|\d{{1,2}}[日号](?=[上下晚凌早中]|起|前|后|当天|,|，)){_PART}"
    rf"|(?:\d{{1,2}}|[一二三四五六七八九十二]{{1,3}})世纪(?:\d{{2}}年代|[上中下]半叶|初|末)?|\d{{2,4}}年代|近日|日前|昨天|今天|当天|上周|本周|近期"
)
_SAME_DAY = frozenset({"当天"})  # the DATE candidates that name the day of another date
_DAY = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]")
TIME = re.compile(
    r"(?:上午|下午|晚上?|凌晨|中午|早上)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[时点](?:\d{1,2}分|整|半|许)?|\d{1,2}:\d{2}"
)
DOCUMENT = re.compile(r"《[^《》]{1,60}》")
_ORG_SUFFIX = re.compile(
    r"(有限公司|有限责任公司|股份有限公司|公司|集团|局|办公室|委员会|委|厅|部|院|所|中心|银行|大学|学院|学校|医院|协会|学会|机构|机关|办|处|署|站|队|会|联合会|政府|法院|检察院|基金会|研究会|俱乐部|工作室)$"
)
_PLACE_SUFFIX = re.compile(r"(省|市|县|区|镇|乡|村|站|路|街|州|岛|山|河|湖|江|国|港|城|湾|峡|镇|道)$")
_TITLE = re.compile(
    r"(总书记|副书记|书记|副市长|市长|区长|县长|省长|主席|董事长|总经理|副总经理|执行董事|经理|主任|局长|厅长|部长|院长|校长|教授|记者|通讯员|总裁|队长|处长|科长|委员|专家|作者|导演|演员|歌手)[/／:：]?$"
)
_TITLED_NAME = re.compile(
    _TITLE.pattern.replace(
        "[/／:：]?$",
        r"[/／:：]?(?:([\u4e00-\u9fff]{2,4})(?=[，,、。；;：:）)”\s]|$)"
        r"|([\u4e00-\u9fff]{2,3}?)(?=就|在|说|表示|指出|强调|等|和|与|主持|对|介绍|认为|带领|率|出席|参加|一行))",
    )
)
_DATE_GRAIN = [
    (r"哪一?年|何年|\b(which|what) year\b|\bin what year\b", "年|世纪|年代"),
    (r"哪一?个?月|几月(?!几)|\b(which|what) month\b", "月"),
    (r"哪一?天|几号|几日|几月几[日号]|\b(which|what) day\b|\bon what date\b", "[日号天]|当天|近日|日前"),
]
_FUNCTION_CHARS = frozenset("的了是在和与及或也都而就被把对从为以于之其这那有个中上下吗呢吧啊着过等哪什么谁多少几")
_GENERIC_ZH = frozenset("年 月 日 时 图 作 组 市 村 老 人 个 家 是 有".split())  # too common to tell sentences apart
_DEICTIC = re.compile(r"(该|本|此|其|这|那|我|贵|各|上述|有关|相关)")  # 该公司 names no company
_EN_UNITS = {
    "team": "支",
    "teams": "支",
    "pair": "对",
    "pairs": "对",
    "train": "趟",
    "trains": "趟",
    "yuan": "元",
    "percent": "%",
    "people": "人",
    "persons": "人",
    "person": "人",
    "experts": "名",
    "companies": "家",
    "company": "家",
    "enterprises": "家",
    "firms": "家",
    "projects": "项",
    "items": "项",
    "minutes": "分钟",
    "minute": "分钟",
    "hours": "小时",
    "kilometers": "公里",
    "kilometres": "公里",
    "years": "年",
    "days": "天",
    "units": "个",
    "departments": "个",
    "indicators": "个",
    "communities": "个",
    "neighborhoods": "个",
    "neighbourhoods": "个",
    "sets": "组",
    "times": "次",
    "meetings": "场",
    "sessions": "场",
    "hospitals": "家",
    "outlets": "处",
    "stores": "家",
    "shops": "家",
    "tons": "吨",
    "households": "户",
    "villages": "个",
    "cities": "个",
    "counties": "个",
    "areas": "个",
    "places": "个",
    "industries": "个",
    "sectors": "个",
}


def question_type(question: str) -> str:
    """One of TYPES, from the question's wording (Chinese or English)."""
    q = to_simplified(question)
    for qtype, pattern in _ZH_TYPES if has_cjk(q) else _EN_TYPES:
        if pattern.search(q):
            return qtype
    return "other"


def question_unit(question: str) -> str | None:
    """The measure word or unit the question asks in (多少支 → 支, how many pairs → 对), if it names one."""
    q = to_simplified(question)
    if has_cjk(q):
        m = re.search(rf"(?:多少|几)(?:个)?({_UNIT_RE})", q)
        if m:
            return m.group(1)
        m = re.search(r"多少(钱|资金|经费|金额)", q)
        return "元" if m else None
    m = re.search(r"\bhow (?:many|much) ((?:[\w-]+ ?){1,4})", q, re.I)
    for w in m.group(1).lower().split() if m else []:
        if w in _EN_UNITS:
            return _EN_UNITS[w]
    for w in re.findall(r"[a-z]+", q.lower()):
        if w in ("yuan", "percent", "minutes", "kilometers", "kilometres"):
            return _EN_UNITS[w]
    return None


# ----- the answer -----


@dataclass
class Answer:
    """A short answer (or None when unsure), the sentence that supports it and the passage it was printed in."""

    question: str
    text: str | None
    sentence: str | None
    passage: Passage | None
    passages: list[Passage]
    confidence: float
    qtype: str = "other"
    candidate: str | None = None  # the best span even when below the threshold
    sentence_start: int = 0  # offsets in passage.text
    sentence_end: int = 0
    answer_start: int | None = None  # offsets in passage.text (None when text is None)
    answer_end: int | None = None
    features: dict = field(default_factory=dict, repr=False)

    @property
    def citation(self) -> str | None:
        return self.passage.citation if self.passage else None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "sentence": self.sentence,
            "citation": self.citation,
            "confidence": round(self.confidence, 3),
            "type": self.qtype,
            "passage_id": self.passage.id if self.passage else None,
            "sentence_start": self.sentence_start,
            "sentence_end": self.sentence_end,
            "answer_start": self.answer_start,
            "answer_end": self.answer_end,
        }


@dataclass
class _Sentence:
    passage_rank: int
    article_rank: int  # articles ranked above its own (the paragraphs of one article are one document)
    passage: Passage
    text: str  # verbatim
    start: int
    norm: str  # simplified
    score: float = 0.0
    lexical: float = 0.0
    cosine: float = 0.0


@dataclass
class _Span:
    text: str
    start: int  # offset in the sentence
    unit: str | None
    score: float = 0.0
    context: float = 0.0
    unit_match: int = 0
    align: float = 0.0


def _sentences(passages: list[Passage], max_passages: int) -> list[_Sentence]:
    out = []
    articles = list(dict.fromkeys((p.issue_id, p.article_no) for p in passages[:max_passages]))
    for r, p in enumerate(passages[:max_passages]):
        article_rank = articles.index((p.issue_id, p.article_no))
        pos = 0
        for s in split_sentences(p.text):
            start = p.text.find(s, pos)
            pos = start + len(s)
            stripped = s.strip()
            if len(stripped) < 2:
                continue
            if len(stripped) <= 8 and out and out[-1].passage is p:  # “……”吴飞说。 belongs to the quote
                prev = out[-1]
                prev.text = p.text[prev.start : start + s.index(stripped) + len(stripped)]
                prev.norm = to_simplified(prev.text)
                continue
            out.append(_Sentence(r, article_rank, p, stripped, start + s.index(stripped), to_simplified(stripped)))
    return out


Terms = list[tuple[list[tuple[str, float]], float]]  # (alternatives with their weights, weight of the term)


def _question_terms(
    question: str, idf: Callable[[str], float], df: Callable[[str], int] | None = None, translated: list | None = None
) -> Terms:
    """Content words and bigrams of the question (interrogatives removed), weighted by inverse document frequency.

    For a question without Chinese, the Chinese candidates of its words: `translated` (qa.translate terms)."""
    q = _INTERROGATIVE.sub(" ", to_simplified(question).lower())
    terms: Terms = []
    if not has_cjk(q):
        for term in translated or []:
            alts = [(zh, w) for zh, w in term.candidates if zh not in _GENERIC_ZH]
            if alts:
                terms.append((alts, max(w * idf(zh) for zh, w in alts)))
        for t in re.findall(r"[a-z]*\d[a-z0-9.]*|[a-z]+\d*", q):
            if any(c.isdigit() for c in t) or (len(t) > 1 and t not in STOP_WORDS and idf(t) > 0 and df and df(t)):
                terms.append(([(t, 1.0)], idf(t)))
        return terms
    seen = set()
    for t in words(q):
        if (len(t) > 1 or t.isdigit()) and t not in seen:
            seen.add(t)
            # a longer word also half-matches by its character bigrams (工作组 ~ 工作队)
            parts = [(b, PART_MATCH) for b in dict.fromkeys(bigrams(t)) if len(t) > 2 and b != t]
            terms.append(([(t, 1.0), *parts], idf(t)))
    return terms


def _covered_share(terms: Terms, text: str) -> float:
    """Share of the text's Chinese characters inside a translation of a question word (1.0 when it has none)."""
    covered = [False] * len(text)
    for alts, _ in terms:
        for t, _ in alts:
            for m in re.finditer(re.escape(t), text):
                covered[m.start() : m.end()] = [True] * len(t)
    cjk = [c for c, _ in zip(text, covered) if has_cjk(c)]
    return sum(1 for c, cov in zip(text, covered) if cov and has_cjk(c)) / len(cjk) if cjk else 1.0


def _coverage(terms: Terms, text: str) -> float:
    total = sum(w for _, w in terms)
    got = sum(w * max((a for t, a in alts if t in text), default=0.0) for alts, w in terms)
    return got / total if total else 0.0


_CLAUSE_END = re.compile(r"[，,；;：:、。！？!?（）()“”\"]")


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    m = _CLAUSE_END.search(text, end)
    return left, (m.start() if m else len(text))


@lru_cache(maxsize=2048)
def _pos(text: str) -> tuple[tuple[str, str], ...]:
    from jieba import posseg

    from .text import _jieba

    _jieba()
    return tuple((w.word, w.flag) for w in posseg.cut(text))


def _noun_runs(text: str, accept: Callable[[str, str], bool], parts: set[str]) -> list[tuple[str, int]]:
    """Spans that end in a word accepted by accept(word, flag), extended left over noun-like words."""
    out, pos, toks = [], 0, []
    for w, f in _pos(text):
        toks.append((w, f, pos))
        pos += len(w)
    for i, (w, f, p) in enumerate(toks):
        if not accept(w, f):
            continue
        j = i
        while j > 0 and toks[j - 1][1][:2] in parts and not _TITLE.search(toks[j - 1][0]):
            j -= 1
        if j == i and j > 0 and toks[j - 1][1] not in ("x", "p", "uj", "c", "m") and has_cjk(toks[j - 1][0]):
            j -= 1  # a bare suffix (集团) always has a name before it, whatever jieba tagged it
            while j > 0 and toks[j - 1][1][:2] in parts and not _TITLE.search(toks[j - 1][0]):
                j -= 1
        start = toks[j][2]
        if p + len(w) - start > 1:
            out.append((text[start : p + len(w)], start))
    return out


_NOUNISH = {"n", "ns", "nt", "nz", "nr", "j", "vn", "an", "b", "nrt", "eng", "g", "ng"}


def _candidates(qtype: str, sentence: str) -> list[tuple[str, int, str | None]]:
    """(span, start, unit) of every span of the type in the sentence (offsets into the verbatim sentence)."""
    s = to_simplified(sentence)
    found: list[tuple[str, int, str | None]] = []
    if qtype in ("quantity", "percent"):
        for m in PERCENT.finditer(s):
            kind = next((u for u in ("百分点", "倍", "成") if m.group().endswith(u)), "%")
            found.append((sentence[m.start() : m.end()], m.start(), kind))
        if qtype == "quantity" or not found:
            taken = {(a, a + len(t)) for t, a, _ in found}
            for m in QUANTITY.finditer(s):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                num = m.group("num")
                if not re.search(r"\d", num) and (not m.group("unit") or s.startswith(m.group("unit"), m.end())):
                    continue  # a bare Chinese numeral is a word (一些, 十分, 一家家), not a quantity
                found.append((sentence[m.start() : m.end()], m.start(), m.group("unit")))
    elif qtype in ("date", "time"):
        for rx in (TIME, DATE) if qtype == "time" else (DATE, TIME):
            for m in rx.finditer(s):
                if m.group().strip() and not any(a <= m.start() < a + len(t) for t, a, _ in found):
                    found.append((sentence[m.start() : m.end()], m.start(), "time" if rx is TIME else "date"))
    elif qtype == "document":
        found = [(sentence[m.start() : m.end()], m.start(), None) for m in DOCUMENT.finditer(s)]
    elif qtype == "person":
        toks, pos = [], 0
        for w, f in _pos(s):
            toks.append((w, f, pos))
            pos += len(w)
        for m in _TITLED_NAME.finditer(s):  # 董事长周清和, : the whole short run after a title is the name
            g = 2 if m.group(2) else 3
            found.append((sentence[m.start(g) : m.end(g)], m.start(g), None))
        for i, (w, f, p) in enumerate(toks):
            after_title = i > 0 and _TITLE.search(toks[i - 1][0]) and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", w)
            if f.startswith("nr") or after_title or re.fullmatch(r"[\u4e00-\u9fff]+·[\u4e00-\u9fff·]+", w):
                end = p + len(w)
                # jieba often splits a three-character name into surname + given name
                if (
                    f.startswith("nr")
                    and len(w) == 1
                    and i + 1 < len(toks)
                    and len(toks[i + 1][0]) <= 2
                    and toks[i + 1][1] not in ("x", "uj", "p", "v")
                ):
                    end = toks[i + 1][2] + len(toks[i + 1][0])
                found.append((sentence[p:end], p, None))
    elif qtype == "place":
        runs = _noun_runs(
            s,
            lambda w, f: f == "ns" or (bool(_PLACE_SUFFIX.search(w)) and (len(w) > 1 and f[:1] == "n" or len(w) == 1)),
            {"ns", "nz", "n", "j", "ng", "g"},
        )
        found = [(sentence[a : a + len(t)], a, None) for t, a in runs]
    elif qtype == "org":
        # a verb ending like a body (举办, 开办, 签署) is no organisation; a bare suffix after a name (…会) is
        runs = _noun_runs(
            s,
            lambda w, f: f == "nt" or (bool(_ORG_SUFFIX.search(w)) and (f[:1] in "nj" or f[:1] == "v" and len(w) == 1)),
            _NOUNISH,
        )
        found = [(sentence[a : a + len(t)], a, None) for t, a in runs if not _DEICTIC.match(t)]
    # drop spans that are only the start of a longer one at the same place
    found.sort(key=lambda c: (c[1], -len(c[0])))
    out = []
    for c in found:
        if out and out[-1][1] <= c[1] < out[-1][1] + len(out[-1][0]) and qtype in ("org", "place", "person"):
            if len(c[0]) <= len(out[-1][0]):
                continue
        out.append(c)
    return out


ALIGN_CHARS = 5  # question characters each side of its interrogative
ALIGN_WINDOW = 8  # sentence characters each side of a candidate
_CLASS_NOUN = re.compile(rf"^(?:{_UNIT_RE})?(?:单位|部门|机构|公司|企业|组织|人|时候|时间|地方|城市|日子)?")
_PARTICLES = frozenset("的了")


def _context_units(text: str) -> set[str]:
    """Character bigrams (without a particle) and Latin words or numbers of a short context."""
    return {b for b in bigrams(text) if not set(b) & _PARTICLES} | set(re.findall(r"[a-z0-9]+", text.lower()))


@lru_cache(maxsize=256)  # one question, many candidate sentences
def _slots(question_norm: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """What the question says just before and just after its interrogative (谁|主持召开 → 主持, 持召, 召开; its
    measure word or class noun skipped: 几个工作日|), or None for a question without a Chinese interrogative."""
    m = _INTERROGATIVE.search(question_norm)
    if not m or not has_cjk(question_norm):
        return None

    def squeeze(text: str) -> str:
        return re.sub(r"[^\u4e00-\u9fffa-z0-9]", "", text.lower())

    left, right = squeeze(question_norm[: m.start()]), question_norm[m.end() :]
    right = squeeze(right[_CLASS_NOUN.match(right).end() :])
    # ALIGN_CHARS characters each side, widened to whole Latin words (GDP, not DP)
    i = max(len(left) - ALIGN_CHARS, 0)
    while 0 < i and left[i - 1 : i + 1].isascii() and left[i - 1 : i + 1].isalnum():
        i -= 1
    j = min(ALIGN_CHARS, len(right))
    while j < len(right) and right[j - 1 : j + 1].isascii() and right[j - 1 : j + 1].isalnum():
        j += 1
    return frozenset(_context_units(left[i:])), frozenset(_context_units(right[:j]))


def _alignment(
    slots: tuple[frozenset[str], frozenset[str]] | None,
    sentence_norm: str,
    start: int,
    end: int,
    idf: Callable[[str], float],
) -> float:
    """The (idf-weighted) share of what the question says around its interrogative that the sentence says on the
    same side of the candidate, nearby: the candidate fills the question's gap (由城发集团成立 for 由哪家单位成立)."""
    if not slots or not (slots[0] or slots[1]):
        return 0.0
    left = _context_units(sentence_norm[max(start - ALIGN_WINDOW, 0) : start])
    right = _context_units(sentence_norm[end : end + ALIGN_WINDOW])
    total = sum(idf(u) for side in slots for u in side)
    got = sum(idf(u) for u in slots[0] & left) + sum(idf(u) for u in slots[1] & right)
    return got / total if total > 0 else 0.0


def _span_scores(
    question_norm: str,
    terms: Terms,
    qtype: str,
    qunit: str | None,
    sentence: str,
    spans: list[tuple[str, int, str | None]],
    idf: Callable[[str], float] = lambda t: 1.0,
) -> list[_Span]:
    """Score each candidate by the question words in its clause and next to it, and by its measure word."""
    s = to_simplified(sentence)
    total = sum(w for _, w in terms) or 1.0
    m = re.search(r"([到至为是达])了?(?:多少|几)", question_norm)
    linker = {"是": "为"}.get(m.group(1), m.group(1)) if m else None
    grain = None
    if qtype == "date":
        grain = next((g for p, g in _DATE_GRAIN if re.search(p, question_norm, re.I)), None)
    slots = _slots(question_norm)
    out = []
    for text, start, unit in spans:
        norm = to_simplified(text)
        span = _Span(text, start, unit)
        bonus = 0.0
        if slots is not None:
            span.align = _alignment(slots, s, start, start + len(text), idf)
        else:  # no Chinese interrogative (an English question): its words on either side of the candidate, nearby
            window = (
                s[max(start - ALIGN_WINDOW, 0) : start] + " " + s[start + len(text) : start + len(text) + ALIGN_WINDOW]
            )
            span.align = _coverage(terms, window)
        if norm in question_norm or re.sub(r"[《》]", "", norm) in question_norm:
            span.score = -1.0  # the answer is never what the question already says
            out.append(span)
            continue
        a, b = _clause_bounds(s, start, start + len(text))
        span.context = _coverage(terms, s[a:b])
        if qtype == "org":
            # "…从湖南城际铁路有限公司获悉,该公司新购的5组…": what 该公司 does, the company named before it does
            suffix = _ORG_SUFFIX.search(norm)
            kinds = {suffix.group(), suffix.group()[-2:]} if suffix else set()  # 有限公司 is 该公司
            for m in re.finditer(rf"[该此](?:{'|'.join(kinds)})" if kinds else r"(?!)", s[start + len(text) :]):
                k = start + len(text) + m.start()
                span.context = max(span.context, _coverage(terms, s[slice(*_clause_bounds(s, k, k + len(m.group())))]))
        if slots is None:
            # in a list (董事长周清和, …研究所有限公司董事长李东林) the item the question describes has no words it omits
            bonus += EXTRA_WEIGHT * _covered_share(terms, s[a:start] + " " + s[start + len(text) : b])
            if qtype in ("org", "place", "person"):
                # "Which group set up the Zhuzhou urban renewal investment company?": not the company it names
                bonus -= DESCRIBED_WEIGHT * _covered_share(terms, _ORG_SUFFIX.sub("", norm))
        if b - a - len(text) <= 6 and a > 1:  # a bare "增长13.8%": its subject is in the clause before
            pa, _ = _clause_bounds(s, a - 1, a - 1)
            span.context += 0.5 * _coverage(terms, s[pa:a])
        elif b - a - len(text) <= 6 and a == 0 and qtype in ("date", "time"):
            # "5月5日下午,…,一场企业家座谈会在株洲举行": a date opening the sentence is the time of all of it
            span.context += 0.5 * _coverage(terms, s[b:])
        near = 0.0
        for alts, w in terms:
            best = 0.0
            for t, a in alts:
                i = s.rfind(t, 0, start)
                j = s.find(t, start + len(text))
                d = min((start - (i + len(t))) if i >= 0 else 99, (j - start - len(text)) * 1.5 if j >= 0 else 99)
                best = max(best, a * math.exp(-max(d, 0) / 6))
            near += w * best
        span.score = span.context + 0.5 * near / total + ALIGN_WEIGHT * span.align + bonus
        if linker and s[max(start - 2, 0) : start].endswith(linker):
            span.score += 0.2
        if qtype in ("quantity", "percent") and qunit:
            span.unit_match = 1 if unit and (unit == qunit or unit.endswith(qunit)) else -1
            span.score += 0.3 * span.unit_match
        if qtype == "quantity" and unit == "年" and re.match(r"(1[89]|20)\d\d年", norm):
            span.score -= 0.3  # a year, not a number of years
        if grain and not re.search(grain, norm):
            span.score = -1.0  # 哪一年 is not answered by 4月18日
            out.append(span)
            continue
        if qtype == "time" and unit == "date" or qtype == "date" and unit == "time":
            span.score -= 0.2
        if qtype == "percent" and unit not in ("%", "百分点", "倍", "成"):
            span.score -= 0.2
        out.append(span)
    return out


PART_PENALTY = 1.0


def _prefer_total(sentence: str, spans: list[_Span], terms: Terms) -> None:
    """A number after 其中 is one part of a total printed before it (我市362支…,其中省派5支,市派45支): unless the
    question names what sets that part apart from its sibling parts (市派), it asks for the total."""
    k = sentence.find("其中")
    if k < 0:
        return
    total = [sp for sp in spans if sp.start < k]
    parts = [sp for sp in spans if sp.start > k and any(sp.unit == t.unit for t in total)]
    if not total or len(parts) < 2:
        return
    clause = {id(sp): sentence[slice(*_clause_bounds(sentence, sp.start, sp.start + len(sp.text)))] for sp in parts}
    words = [t for alts, _ in terms for t, _ in alts]
    for sp in parts:
        others = [clause[id(o)] for o in parts if o is not sp]
        if not any(t in clause[id(sp)] and not any(t in c for c in others) for t in words):
            sp.score -= PART_PENALTY


_NAME_TAGS = ("ns", "nr", "nt", "nrt")


def unmentioned_names(question: str, passage: Passage, translated: list | None = None) -> list[str]:
    """Places, people and bodies the question names that the passage (with its title and paper) never mentions:
    长沙 in "长沙市长是谁?" over a passage about 株洲's mayor, GDP in "株洲市的GDP增长了多少?". English: names spelt in
    pinyin (Changsha)."""
    text = to_simplified(f"{passage.paper or ''} {passage.article_title} {passage.section or ''} {passage.text}")
    if has_cjk(question):
        names = [w for w, f in _pos(to_simplified(question)) if f in _NAME_TAGS and len(w) > 1]
        # 株洲市 is also written 株洲 (and 全市, 我市 in its own paper, whose name carries it)
        missing = [w for w in names if w not in text and not (len(w) > 2 and w[-1] in "省市县区" and w[:-1] in text)]
        # a Latin name or abbreviation (GDP, CJ6) the passage never prints
        return missing + [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", question) if w.lower() not in text.lower()]
    from .translate import spelt_in_pinyin

    return [
        t.english
        for t in translated or []
        if " " not in t.english and spelt_in_pinyin(t.english) and not any(zh in text for zh, _ in t.candidates)
    ]


def _last_day(text: str) -> re.Match | None:
    matches = list(_DAY.finditer(to_simplified(text)))
    return matches[-1] if matches else None


def _sentence_start(text: str, i: int) -> int:
    """Where the sentence holding text[i] starts (split as split_sentences does, leading space skipped)."""
    start = max((m.end() for m in SENTENCE_END.finditer(text, 0, i)), default=0)
    return start + len(text[start:i]) - len(text[start:i].lstrip())


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def confidence(features: dict) -> float:
    return _sigmoid(WEIGHTS["bias"] + sum(WEIGHTS[k] * v for k, v in features.items() if k in WEIGHTS))


def extract(
    question: str,
    passages: list[Passage],
    *,
    idf: Callable[[str], float] | None = None,
    df: Callable[[str], int] | None = None,
    encode: Callable[[list[str]], object] | None = None,
    translated: list | None = None,
    preceding: Callable[[Passage], str | None] | None = None,
    max_passages: int = 3,
    max_encoded: int = 8,
    threshold: float | None = None,
) -> Answer:
    """The answer to the question from the retrieved passages (best first).

    idf(term) weights question words (default: all 1); encode(texts) -> unit vectors, used to rank sentences for
    questions without Chinese text (the question is encoded together with the sentences); translated: the
    question's qa.translate terms when the caller has them already; preceding(passage): the paragraph printed
    before it, where a "当天" at the start of a paragraph finds its date.
    """
    import numpy as np

    idf = idf or (lambda t: 1.0)
    qtype = question_type(question)
    qunit = question_unit(question)
    english = not has_cjk(question)
    qnorm = to_simplified(question)
    threshold = THRESHOLDS[english] if threshold is None else threshold
    if english and translated is None:
        from .translate import translate

        translated = translate(question, df)
    terms = _question_terms(question, idf, df, translated)
    sents = _sentences(passages, max_passages)
    if not sents:
        return Answer(question, None, None, None, list(passages), 0.0, qtype)
    top_score = max(passages[0].score, 1e-9)
    # a question word found in few of the candidate sentences tells them apart (the topic word is in all of them)
    n_s = len(sents)
    spread = [sum(1 for s in sents if any(t in s.norm for t, _ in alts)) for alts, _ in terms]
    sharp = [(alts, w * math.log(1 + n_s / max(d, 1))) for (alts, w), d in zip(terms, spread)]
    contexts, focused, chars = {}, {}, {}
    qchars = [c for c in dict.fromkeys(_INTERROGATIVE.sub("", qnorm)) if has_cjk(c) and c not in _FUNCTION_CHARS]
    for s in sents:
        s.lexical = _coverage(terms, s.norm)
        r = s.passage_rank
        if r not in contexts:
            title = to_simplified(s.passage.article_title + (s.passage.section or ""))
            contexts[r] = _coverage(terms, title + to_simplified(s.passage.text))
            # the article's topic (its title words) is in many sentences; the rest of the question picks the one
            focused[r] = [
                (alts, w**IDF_POWER * (1 - TITLE_DISCOUNT if any(t in title for t, _ in alts) else 1))
                for alts, w in sharp
            ]
            chars[r] = set(qchars) - set(title)
        s.score = (
            -QUESTION_PENALTY * bool(re.search(r"[?？]\W*$", s.norm))
            + SHARP_WEIGHT * _coverage(focused[r], s.norm)
            + (1 - SHARP_WEIGHT) * s.lexical
            + CHAR_WEIGHT * (sum(c in s.norm for c in chars[r]) / len(chars[r]) if chars[r] else 0.0)
            + CONTEXT_WEIGHT * contexts[s.passage_rank]
            + PASSAGE_WEIGHT * max(s.passage.score, 0) / top_score
            - 0.05 * s.passage_rank
        )
    qvec = None
    if english and encode is not None:
        pool = sorted(sents, key=lambda s: -s.score)[:max_encoded]  # the best by translated words
        vecs = np.asarray(encode([question] + [s.text for s in pool]), dtype=np.float32)
        qvec = vecs[0]
        for s, c in zip(pool, vecs[1:] @ qvec):
            s.cosine = float(c)
            s.score += 2.0 * s.cosine
        for s in sents:
            if s not in pool:
                s.score -= 1.0
    spans_of: dict[int, list[_Span]] = {}
    # next to a number, every character pair counts: 市派驻村工作队45支 vs 省派驻村工作队5支
    span_terms = terms + [
        ([(b, 1.0)], 0.5 * idf(b))
        for b in dict.fromkeys(bigrams(_INTERROGATIVE.sub(" ", qnorm)))
        if not any(b == t for alts, _ in terms for t, _ in alts)
    ]
    if qtype != "other":
        # a sentence that cannot reach the second-best score even with the largest typed bonus is neither best nor
        # runner-up: its candidates (jieba POS tagging, the slow part) are not looked for
        pre = sorted((s.score for s in sents), reverse=True)
        floor = pre[1] - MAX_TYPED_BONUS if len(pre) > 1 else -math.inf
        for i, s in enumerate(sents):
            if s.score < floor:
                continue
            spans = _span_scores(qnorm, span_terms, qtype, qunit, s.text, _candidates(qtype, s.text), idf)
            spans_of[i] = sorted(spans, key=lambda x: -x.score)
            if spans_of[i] and spans_of[i][0].score > -1:
                s.score += TYPED_SENTENCE_BONUS + 0.1 * min(max(spans_of[i][0].score, 0), SPAN_SCORE_MAX)
    order = sorted(range(len(sents)), key=lambda i: -sents[i].score)
    best_i = order[0]
    best = sents[best_i]
    runner = sents[order[1]].score if len(order) > 1 else 0.0
    spans, seen = [], set()
    for sp in spans_of.get(best_i, []):  # best first; the same name printed twice is one answer, not two rivals
        if sp.score > -1 and sp.text not in seen:
            seen.add(sp.text)
            spans.append(sp)
    if qtype == "quantity" and len(spans) > 2:
        _prefer_total(best.text, spans, span_terms)
        spans.sort(key=lambda x: -x.score)
    if qvec is not None and len(spans) > 1:
        # no shared words with an English question: rank the candidates by their clause's meaning instead
        spans = spans[:8]
        clauses = [best.text[slice(*_clause_bounds(best.text, sp.start, sp.start + len(sp.text)))] for sp in spans]
        cvecs = np.asarray(encode(clauses), dtype=np.float32)
        for sp, c in zip(spans, cvecs @ qvec):
            sp.context = float(c)
            sp.score += 2.0 * float(c)
        spans.sort(key=lambda x: -x.score)
    features = {
        # the support of the sentence: for a Chinese question the share of its words, for an English one the cosine
        # of the two (another scale: its own weight), and the translated words' share near the candidate
        "sentence": 0.0 if english else best.lexical,
        "cosine": best.cosine if english else 0.0,
        "sentence_margin": best.score - runner,
        "rank": best.article_rank,
        "english": 1.0 if english else 0.0,
        "typed_prior": 0.0,
        "context": 0.0,
        "english_context": 0.0,
        "margin": 0.0,
        "unit": 0.0,
        "align": 0.0,
        "candidates": len(spans),
    }
    text = span = None
    conf = 0.0
    if spans:
        span = spans[0]
        features.update(
            context=span.context,
            english_context=span.context if english else 0.0,
            unit=float(span.unit_match),
            align=span.align,
            margin=min(span.score - spans[1].score, 1.0) if len(spans) > 1 else 1.0,
            typed_prior=1.0 if qtype in ("quantity", "percent", "date", "time", "document") else 0.0,
        )
        conf = confidence(features)
        cap = 0.5 * threshold  # the confidence of an answer ruled out below
        if span.unit_match < 0:
            conf = min(conf, cap)  # asked in 元, found only 对: the number answers something else
        # English: the translated words may carry the support that the cross-lingual cosine misses
        support = features["cosine" if english else "sentence"]
        if support < MIN_SUPPORT[english] and not (english and best.lexical >= MIN_SUPPORT[False]):
            conf = min(conf, cap)  # the sentence does not speak of what was asked (株洲的人口)
        if conf > cap and unmentioned_names(question, best.passage, translated):
            conf = cap  # the mayor of 株洲 is not the mayor of 长沙
        if conf >= threshold:
            text = span.text
    else:
        conf = confidence(features) * 0.5
    start, sentence = best.start, best.text
    answer_start = start + span.start if text else None
    if text and qtype == "date" and to_simplified(text) in _SAME_DAY:
        # "当天" is no date: the date it refers to is the last one printed before it (in this paragraph: the sentence
        # runs from there; else in the one before, which the sentence cannot include: the answer has no offsets)
        day = _last_day(best.passage.text[:answer_start])
        earlier = None if day or preceding is None else preceding(best.passage)
        earlier_day = _last_day(earlier) if earlier else None
        if day:
            start = _sentence_start(best.passage.text, day.start())
            sentence = best.passage.text[start : best.start + len(best.text)]
            text, answer_start = best.passage.text[day.start() : day.end()], day.start()
        elif earlier_day:
            text, answer_start = earlier[earlier_day.start() : earlier_day.end()], None
        else:
            text, answer_start, conf = None, None, min(conf, cap)
    return Answer(
        question,
        text,
        sentence,
        best.passage,
        list(passages),
        conf,
        qtype,
        candidate=span.text if span else None,
        sentence_start=start,
        sentence_end=start + len(sentence),
        answer_start=answer_start,
        answer_end=answer_start + len(text) if text and answer_start is not None else None,
        features=features,
    )
