"""The regexes and tables the answer step matches with: numbers, units, dates, times, names, interrogatives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Protocol

# Interrogative phrases: removed before the question's words are matched against the text.
INTERROGATIVE = re.compile(
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
UNIT_RE = "|".join(re.escape(u) for u in UNITS)
_NUM = r"(?:\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)"
_MAG = r"(?:[万亿千百]|万亿)?"
QUANTITY = re.compile(rf"(?<![\d.A-Za-z])(?P<num>{_NUM}{_MAG}(?:余|多)?)(?:\s?(?P<unit>{UNIT_RE}))?")  # 5 分钟 too
PERCENT = re.compile(
    rf"(?<![\d.])(?:\d+(?:\.\d+)?\s*[%％]|百分之[零〇一二三四五六七八九十百点]+|\d+(?:\.\d+)?个?百分点|{_NUM}倍|[一二三四五六七八九十]成)"
)
PERCENT_KINDS = ("百分点", "倍", "成")  # what a PERCENT match ends in, when it is not a "%"
PERCENT_UNITS = ("%", *PERCENT_KINDS)
_YEAR = r"(?:公元前?)?(?:\d{2,4}|[零〇一二三四五六七八九]{2,4})年"
_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?"
_PART = r"(?:[上中下]旬|初|底|末|中|上午|下午|晚上?|凌晨|中午|早上)?"
DATE = re.compile(
    rf"(?:(?:去年|今年|明年|前年|同年|当年){_MD}|{_YEAR}(?:{_MD})?|{_MD}|\d{{1,2}}[日号](?=[上下晚凌早中]|起|前|后|当天|,|，)){_PART}"
    rf"|(?:\d{{1,2}}|[一二三四五六七八九十二]{{1,3}})世纪(?:\d{{2}}年代|[上中下]半叶|初|末)?|\d{{2,4}}年代|近日|日前|昨天|今天|当天|上周|本周|近期"
)
SAME_DAY = frozenset({"当天"})  # the DATE candidates that name the day of another date
DAY = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]")
CALENDAR_YEAR = re.compile(r"(1[89]|20)\d\d年")  # 2020年 is a year, not a number of years
TIME = re.compile(
    r"(?:上午|下午|晚上?|凌晨|中午|早上)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[时点](?:\d{1,2}分|整|半|许)?|\d{1,2}:\d{2}"
)
DOCUMENT = re.compile(r"《[^《》]{1,60}》")
ORG_SUFFIX = re.compile(
    r"(有限公司|有限责任公司|股份有限公司|公司|集团|局|办公室|委员会|委|厅|部|院|所|中心|银行|大学|学院|学校|医院|协会|学会|机构|机关|办|处|署|站|队|会|联合会|政府|法院|检察院|基金会|研究会|俱乐部|工作室)$"
)
PLACE_SUFFIX = re.compile(r"(省|市|县|区|镇|乡|村|站|路|街|州|岛|山|河|湖|江|国|港|城|湾|峡|镇|道)$")
TITLE = re.compile(
    r"(总书记|副书记|书记|副市长|市长|区长|县长|省长|主席|董事长|总经理|副总经理|执行董事|经理|主任|局长|厅长|部长|院长|校长|教授|记者|通讯员|总裁|队长|处长|科长|委员|专家|作者|导演|演员|歌手)[/／:：]?$"
)
TITLED_NAME = re.compile(
    TITLE.pattern.replace(
        "[/／:：]?$",
        r"[/／:：]?(?:([\u4e00-\u9fff]{2,4})(?=[，,、。；;：:）)”\s]|$)"
        r"|([\u4e00-\u9fff]{2,3}?)(?=就|在|说|表示|指出|强调|等|和|与|主持|对|介绍|认为|带领|率|出席|参加|一行))",
    )
)
DURATION_ASKED_ZH = re.compile(
    r"多久|多长时间|多长的时间|几年|多少年|几个月|多少个月|几[天周]|多少[天周]|几个?(小时|钟头|星期)|多少个?(小时|星期)|几分钟|多少分钟"
)
DURATION_ASKED_EN = re.compile(r"\bhow long\b|\bhow many (years|months|weeks|days|hours|minutes)\b", re.I)
DURATION_UNITS = frozenset("年 个月 周 星期 个星期 天 日 工作日 个工作日 小时 个小时 分钟 秒 周年".split())
DURATION_CUES = ("连续", "超过", "长达", "历时", "整整", "近")  # 连续6年: a count of years, not a calendar year
HALF_DURATION = re.compile(r"(?<![上下前后])(?:约|近)?半(?:个)?(?P<unit>小时|年|月|天)")
TOTAL_ASKED = re.compile(r"一共|总共|总计|合计|共有|总数|\ball told\b|\bin total\b|\baltogether\b|\btotal\b", re.I)
CLASS_NOUN = re.compile(
    rf"^(?:{UNIT_RE})?(?:单位|部门|机构|公司|企业|组织|人|时候|时间|地方|城市|日子)?"
)  # 几个工作日|
DATE_GRAIN = [  # (question pattern, what its date answer must hold): 哪一年 is not answered by 4月18日
    (r"哪一?年|何年|\b(which|what) year\b|\bin what year\b", "年|世纪|年代"),
    (r"哪一?个?月|几月(?!几)|\b(which|what) month\b", "月"),
    (r"哪一?天|几号|几日|几月几[日号]|\b(which|what) day\b|\bon what date\b", "[日号天]|当天|近日|日前"),
]
FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]+·[\u4e00-\u9fff·]+")
GIVEN_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}")
DEICTIC = re.compile(r"(该|本|此|其|这|那|我|贵|各|上述|有关|相关)")  # 该公司 names no company
FUNCTION_CHARS = frozenset("的了是在和与及或也都而就被把对从为以于之其这那有个中上下吗呢吧啊着过等哪什么谁多少几")
GENERIC_ZH = frozenset("年 月 日 时 图 作 组 市 村 老 人 个 家 是 有".split())  # too common to tell sentences apart
# a reader's filler words: how a question is said, never what it is about (株洲已经连着多少年…)
FILLER_ZH = frozenset("已经 一共 总共 大概 大约 大致 到底 究竟 听说 请问 一下 曾经 能不能 可不可以 实际上 其实".split())
NAME_TAGS = ("ns", "nr", "nt", "nrt")  # jieba's tags of places, people and bodies
ASKED_UNIT_ZH = re.compile(rf"(?:多少|几)(?:个)?({UNIT_RE})")
ASKED_MONEY_ZH = re.compile(r"多少(钱|资金|经费|金额)")
ASKED_MONEY_EN = re.compile(r"\bhow much\b.*\b(cost|costs|ticket|tickets|fare|fares|price|pay|charge)\b", re.I)
ASKED_COUNT_EN = re.compile(r"\bhow (?:many|much) ((?:[\w-]+ ?){1,4})", re.I)
LINKER = re.compile(r"([到至为是达])了?(?:多少|几)")  # 缩短到几个: the answer follows 到 in the text
PREPOSITION = re.compile(
    r"([经由在从被向于据])(?:哪|什么|谁|何)"
)  # 经哪个部门批准: 经市国资委批准, the answer after 经
LINKER_AS_PRINTED = {"是": "为"}  # 是多少 is printed 为 45支
QUESTION_END = re.compile(r"[?？]\W*$")
BYLINE = re.compile(r"[（(][^（()）]*(?:记者|通讯员)[^（()）]*[）)]")
BYLINE_ASKED = re.compile(r"记者|通讯员|报道|撰稿|作者|\b(reporter|correspondent|wrote|author|journalist)", re.I)
YEAR_ASKED = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
ASKING = re.compile(
    r"哪些|哪几|有何|为何|何在|是什么[?？。]|[吗呢][?？。]?$"
)  # a sentence that asks, whatever it ends with
CLAUSE_END = re.compile(r"[，,；;：:、。！？!?（）()“”\"]")
BOOK_TITLE_MARKS = re.compile(r"[《》]")
EN_UNIT_WORDS = ("yuan", "percent", "minutes", "kilometers", "kilometres")  # units named anywhere in the question
EN_UNITS = {
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


class TagSource(Protocol):
    def get(self, text: str) -> tuple[tuple[str, str], ...] | None: ...


STORED_TAGS: ContextVar[TagSource | None] = ContextVar("stored_tags", default=None)


def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's (word, part-of-speech flag) pairs of the text: those the index stored for it, when this ask has
    them (stored_tags_known), else tagged now."""
    source = STORED_TAGS.get()
    stored = source.get(text) if source is not None else None
    return stored if stored is not None else _tagged(text)


@contextmanager
def stored_tags_known(source: TagSource) -> Iterator[None]:
    """Within this block (one ask), pos_tags of the texts the source has are the stored ones."""
    token = STORED_TAGS.set(source)
    try:
        yield
    finally:
        STORED_TAGS.reset(token)


@lru_cache(maxsize=2048)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    from ..text import posseg

    return tuple((w.word, w.flag) for w in posseg().cut(text))


def label_form(text: str) -> str:
    """Text as a label of a number prints it: 市里派了 → 市派 (里 after a level of government, 了 and 的 dropped)."""
    return re.sub(r"(?<=[省市县区乡镇村])里|[了的]", "", text)


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (between commas, colons, quotes...) holding text[start:end]."""
    left = max((m.end() for m in CLAUSE_END.finditer(text, 0, start)), default=0)
    m = CLAUSE_END.search(text, end)
    return left, (m.start() if m else len(text))


def dictionary_verb(word: str) -> bool:
    """The word is a verb in jieba's dictionary (牵头, 开会)."""
    from ..text import posseg

    return posseg().dt.word_tag_tab.get(word) == "v"
