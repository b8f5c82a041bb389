"""Each answer type's extractor on real sentences of the sample issue and the bench sets, through the extractor
interface (candidates, unit_match, fit, context, rerank, place), and a new type added by registering one class."""

import json
import re
from pathlib import Path

import pytest

from qa.answer import EXTRACTORS, Candidate, Extractor, Placement, Question, question_type, register, unregister
from qa.answer.extractors import KIND_PENALTY, RULED_OUT
from qa.answer.numbers import PART_PENALTY, YEAR_PENALTY
from qa.answer.spans import Span, score_spans
from qa.index import Index
from qa.search import Passage
from qa.text import split_sentences, to_simplified

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"


def sample_paragraph(marker: str) -> str:
    return next(line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if marker in line)


def sample_sentence(marker: str) -> str:
    return next(s.strip() for s in split_sentences(sample_paragraph(marker)) if marker in s)


def bench_sentence(bench_dir: Path, name: str, marker: str) -> str:
    with open(bench_dir / name / "passages.jsonl", encoding="utf-8") as f:
        text = next(p["text"] for p in map(json.loads, f) if marker in p["text"])
    return next(s.strip() for s in split_sentences(text) if marker in s)


def texts(qtype: str, sentence: str) -> list[str]:
    return [c.text for c in EXTRACTORS[qtype].candidates(sentence)]


def candidate(qtype: str, sentence: str, text: str) -> Candidate:
    return next(c for c in EXTRACTORS[qtype].candidates(sentence) if c.text == text)


def test_the_registry_holds_one_extractor_per_answer_type():
    assert set(EXTRACTORS) == {
        *("quantity", "percent", "date", "time", "person", "place", "org", "document", "list", "yesno", "term")
    }
    assert all(isinstance(e, Extractor) and e.qtype == t for t, e in EXTRACTORS.items())


# ----- term -----


def test_what_a_thing_is_called_is_asked_in_readers_words_but_a_reason_or_a_way_is_not():
    assert question_type("新买的动车组是什么型号?") == "term"
    assert question_type("这项活动的口号叫什么?") == "term"
    assert question_type("What kind of trains were bought?") == "term"
    assert question_type("为什么要开展这项活动?") == "other"
    assert question_type("怎么申请补贴?") == "other"
    assert question_type("How does the new timetable work?") == "other"


def test_terms_are_the_quoted_and_named_phrases_and_noun_phrases_of_a_sentence(bench_dir):
    s = sample_sentence("全力冲刺")
    assert "“双过半”" in texts("term", s)
    trains = texts("term", sample_sentence("CJ6型"))
    assert any("CJ6型" in t for t in trains)
    named = bench_sentence(bench_dir, "drcd", "並取名阿卜都")
    assert "阿卜都·卡里姆" in texts("term", named)


def test_a_quoted_term_fits_a_what_is_it_called_question_better_than_a_plain_phrase():
    q = Question.read("会议要全力去冲的经济目标叫什么?")
    s = sample_sentence("全力冲刺")
    term = EXTRACTORS["term"]
    quoted = term.fit(q, candidate("term", s, "“双过半”"))
    plain = [term.fit(q, c) for c in term.candidates(s) if c.kind is None]
    assert plain and quoted > 0 and all(f is RULED_OUT or f < quoted for f in plain)


def test_a_term_half_made_of_the_questions_words_restates_it_and_is_ruled_out():
    q = Question.read("驻村工作队人员选派按照什么原则进行?")
    s = sample_sentence("应派尽派")
    assert EXTRACTORS["term"].fit(q, candidate("term", s, "新一轮驻村工作队人员选派")) is RULED_OUT
    assert EXTRACTORS["term"].fit(q, candidate("term", s, "“上下联动、县级统筹、因地制宜、分类施策、应派尽派”")) > 0


def test_a_model_code_is_a_term_though_its_one_chinese_character_is_in_the_question():
    q = Question.read("新买来的那批动车组是什么型号?")
    s = sample_sentence("该公司新购的5组")
    assert EXTRACTORS["term"].fit(q, candidate("term", s, "CJ6型")) is not RULED_OUT


def test_a_name_the_sentence_defines_by_the_questions_noun_is_what_it_is_called(bench_dir):
    q = Question.read("听说尤金袋鼠的奶里有种能杀细菌的蛋白质,它叫什么?")
    s = to_simplified(bench_sentence(bench_dir, "cmrc2018", "AGG01是一种蛋白质"))
    best = score_spans(q, s)[0]
    assert best.text == "AGG01" and best.context == 1.0  # AGG01是一种蛋白质


def test_a_slogans_function_words_do_not_make_it_restate_the_question(bench_dir):
    q = Question.read("1960年代那波黑人認同運動,主打的口號是什麼?")
    s = bench_sentence(bench_dir, "drcd", "黑就是美")
    assert EXTRACTORS["term"].fit(q, candidate("term", s, "「黑就是美」")) is not RULED_OUT  # 是 is no topic word


# ----- quantity -----


def test_quantities_keep_the_measure_word_printed_with_them(bench_dir):
    s = sample_sentence("市派驻村工作队45支")  # after the byline's 5月7日
    assert [(c.text, c.kind) for c in EXTRACTORS["quantity"].candidates(s)][-4:] == [
        ("362支", "支"),
        ("5支", "支"),
        ("45支", "支"),
        ("312支", "支"),
    ]
    s = bench_sentence(bench_dir, "cmrc2018", "共有47个车站")
    assert {"421.326公里", "47个"} <= set(texts("quantity", s))
    assert "49,736名" in texts("quantity", bench_sentence(bench_dir, "drcd", "49,736名"))  # traditional text


def test_a_quantity_in_the_unit_asked_fits_and_one_in_another_does_not(bench_dir):
    q = Question.read("广茂铁路共有多少个车站?")
    s = bench_sentence(bench_dir, "cmrc2018", "共有47个车站")
    quantity = EXTRACTORS["quantity"]
    assert quantity.unit_match(q, candidate("quantity", s, "47个")) == 1
    assert quantity.unit_match(q, candidate("quantity", s, "421.326公里")) == -1
    assert quantity.unit_match(Question.read("广茂铁路有多长?"), candidate("quantity", s, "47个")) == 0  # no unit asked


def test_a_calendar_year_is_no_number_of_years(bench_dir):
    q = Question.read("印度人口普查报告了多少名流利的梵语使用者?")
    s = bench_sentence(bench_dir, "drcd", "49,736名")
    quantity = EXTRACTORS["quantity"]
    assert quantity.fit(q, candidate("quantity", s, "1991年")) == -YEAR_PENALTY
    assert quantity.fit(q, candidate("quantity", s, "49,736名")) == 0.0


def test_a_part_listed_after_its_total_answers_only_a_question_that_names_it_and_then_alone():
    s = sample_sentence("市派驻村工作队45支")
    quantity = EXTRACTORS["quantity"]

    def penalised(question: str) -> list[str]:
        spans = [Span(c) for c in quantity.candidates(s)]
        quantity.rerank(Question.read(question), s, spans)
        return [sp.text for sp in spans if sp.score == -PART_PENALTY]

    assert penalised("我市共有多少支驻村工作队分赴驻地?") == ["5支", "45支", "312支"]  # the total, 362支
    assert penalised("市派驻村工作队有多少支?") == ["362支", "5支", "312支"]  # 市派 sets 45支 apart, total too


def test_a_part_named_in_the_readers_words_rules_out_the_total_and_its_siblings():
    s = sample_sentence("市派驻村工作队45支")
    quantity = EXTRACTORS["quantity"]
    for question in ("市里派了多少支驻村工作队?", "由市里派出的驻村工作队有几支?"):
        spans = [Span(c) for c in quantity.candidates(s) if c.kind == "支"]
        quantity.rerank(Question.read(question), s, spans)
        assert [sp.text for sp in spans if sp.score == 0.0] == ["45支"]  # 362支 is the total, 5支 and 312支 parts


def test_a_duration_question_rules_out_calendar_years_and_counts():
    quantity = EXTRACTORS["quantity"]
    q = Question.read("株洲被国务院表扬了几年了?")
    s = sample_sentence("对2020年落实有关重大政策措施")
    assert quantity.fit(q, candidate("quantity", s, "2020年")) is RULED_OUT
    assert quantity.fit(q, candidate("quantity", s, "216个")) is RULED_OUT
    streak = sample_sentence("这是我市连续6年获国务院表彰激励")
    assert quantity.fit(q, candidate("quantity", streak, "连续6年")) == 0.0  # the count keeps the word that says so


def test_half_an_hour_is_a_duration_and_answers_no_count():
    s = sample_sentence("约半小时")
    half = next(c for c in EXTRACTORS["quantity"].candidates(s) if "半小时" in c.text)
    assert EXTRACTORS["quantity"].fit(Question.read("城铁末班车往后延了多长时间?"), half) == 0.0
    assert EXTRACTORS["quantity"].fit(Question.read("城铁末班车有多少趟?"), half) is RULED_OUT


def test_the_counted_noun_takes_the_measure_words_cc_cedict_gives_it():
    from qa.answer.units import counted_noun, fitting_units

    assert counted_noun("负责出队长的正处级单位一共挑了几家?") == "单位"
    assert {"所", "家", "座"} <= fitting_units("医院")
    assert {"名", "位", "人"} <= fitting_units("工作人员")  # people take 人, 名, 位
    q = Question.read("负责出队长的正处级单位一共挑了几家?")
    s = sample_sentence("选派45个正处级部门担任队长单位")
    assert EXTRACTORS["quantity"].unit_match(q, candidate("quantity", s, "45个")) == 0  # 单位 is counted in 个


# ----- lists and yes/no -----


def test_a_list_is_found_as_printed_without_the_words_around_it(bench_dir):
    assert "“四上”企业培育、审计、信访" in texts("list", sample_sentence("研究“四上”企业培育、审计、信访等工作"))
    assert texts("list", sample_sentence("每日首发列车均在6时整点开出")) == ["长沙、株洲南、湘潭"]
    assert "政府调研、企业调研、标杆调研" in texts("list", sample_sentence("标杆调研等系列活动"))
    assert "肉、芝麻、豆沙、乾菜肉" in texts("list", bench_sentence(bench_dir, "drcd", "乾菜肉"))[0]


def test_list_and_yes_no_questions_are_typed_before_the_names_and_numbers_they_hold():
    assert question_type("哪几个站的头班车都是早上6点整发车?") == "list"
    assert question_type("Which two Zhuzhou districts are provincial pilot areas?") == "list"
    assert question_type("这次红歌快闪,参加的人有没有超过200?") == "yesno"
    assert question_type("株洲站的改造是不是已经完工了?") == "yesno"
    assert question_type("Is there a lift for disabled passengers?") == "yesno"
    assert question_type("秋田大曲站拿过什么设计大奖吗?") != "yesno"  # 什么 asks for a name
    assert question_type("尤金袋鼠奶里的那种蛋白质叫什么?") != "yesno"
    assert question_type("统一前那几年,东德的出生率有没有比西德高?") == "yesno"  # 那几年: a few years, not 几年?


def test_the_clause_that_settles_a_yes_no_question_and_its_verdict():
    yesno = EXTRACTORS["yesno"]
    s = sample_sentence("株洲站改造工程尚未完成")
    q = Question.read("株洲站的改造是不是已经完工了?")
    spans = [Span(c, context=0.0) for c in yesno.candidates(s)]
    yesno.rerank(q, s, spans)
    best = max(spans, key=lambda sp: sp.score)
    assert best.text == "工程尚未完成"  # the clause holding the question's words, cut after them
    assert yesno.verdict(q, s, best.text) == "no"
    done = sample_sentence("220个城镇老旧小区改造全部开工")
    assert yesno.verdict(Question.read("去年220个老旧小区改造是不是全部开工了?"), done, "全部开工") is None
    assert yesno.verdict(Question.read("老旧小区改造是不是全部开工了?"), done, "老旧小区改造全部开工") == "yes"


def test_a_yes_no_question_is_settled_by_the_clause_saying_what_it_asks_about_not_what_it_names():
    yesno = EXTRACTORS["yesno"]
    s = sample_sentence("共200余人参加")
    q = Question.read("这次红歌快闪,参加的人有没有超过200?")  # asks about the number, names the 快闪
    spans = [Span(c, context=0.0) for c in yesno.candidates(s)]
    yesno.rerank(q, s, spans)
    assert max(spans, key=lambda sp: sp.score).text == "共200余人参加"


def test_a_long_yes_no_clause_is_cut_after_the_last_question_word_that_leaves_something_to_say():
    yesno = EXTRACTORS["yesno"]
    s = sample_sentence("220个城镇老旧小区改造全部开工")
    q = Question.read("去年株洲那220个老旧小区改造是不是全都开工了?")  # 开工 is asked too: cut after 改造
    spans = [Span(c, context=0.0) for c in yesno.candidates(s)]
    yesno.rerank(q, s, spans)
    assert max(spans, key=lambda sp: sp.score).text == "全部开工"


# ----- percent -----


def test_percentages_and_percentage_points_are_told_apart(bench_dir):
    s = sample_sentence("3.2个百分点")
    assert [(c.text, c.kind) for c in EXTRACTORS["percent"].candidates(s)] == [
        ("9.7%", "%"),
        ("7.3%", "%"),
        ("3.2个百分点", "百分点"),
    ]
    assert texts("percent", bench_sentence(bench_dir, "drcd", "月平均濕度為66%")) == ["84%", "66%"]


def test_a_percent_question_over_a_sentence_without_one_falls_back_to_numbers_penalised(bench_dir):
    s = bench_sentence(bench_dir, "cmrc2018", "共有47个车站")
    q = Question.read("广茂铁路的长度增长了百分之几?")
    found = EXTRACTORS["percent"].candidates(s)
    assert "47个" in [c.text for c in found]
    assert all(EXTRACTORS["percent"].fit(q, c) == -KIND_PENALTY for c in found)
    assert EXTRACTORS["percent"].fit(q, candidate("percent", sample_sentence("3.2个百分点"), "9.7%")) == 0.0


# ----- time and date -----


def test_times_are_found_and_a_date_answering_a_time_question_is_penalised(bench_dir):
    assert texts("time", sample_sentence("23时25分")) == ["23时25分"]
    s = bench_sentence(bench_dir, "cmrc2018", "9时20分")
    q = Question.read("最大余震是几点发生的?")
    time = EXTRACTORS["time"]
    assert [(c.text, c.kind) for c in time.candidates(s)] == [("6月14日", "date"), ("9时20分", "time")]
    assert time.fit(q, candidate("time", s, "9时20分")) == 0.0
    assert time.fit(q, candidate("time", s, "6月14日")) == -KIND_PENALTY


def test_dates_are_found_with_the_part_of_day_printed_after_them(bench_dir):
    assert texts("date", sample_sentence("一场企业家座谈会在株洲举行")) == ["5月5日下午"]
    assert texts("date", bench_sentence(bench_dir, "cmrc2018", "建业成功与赵鹏续约")) == ["2012年1月12日"]
    assert texts("date", bench_sentence(bench_dir, "drcd", "亞洲協會在加爾各答舉行")) == ["1786年2月2日"]


def test_a_year_question_rules_out_a_day_without_its_year(bench_dir):
    q = Question.read("建业是哪一年与赵鹏续约的?")
    date = EXTRACTORS["date"]
    assert date.fit(q, candidate("date", sample_sentence("一场企业家座谈会在株洲举行"), "5月5日下午")) is RULED_OUT
    s = bench_sentence(bench_dir, "cmrc2018", "建业成功与赵鹏续约")
    assert date.fit(q, candidate("date", s, "2012年1月12日")) == 0.0


def test_that_day_is_placed_at_the_date_printed_before_it():
    before, after = sample_paragraph("该公司新购的5组"), sample_paragraph("当天,长株潭城际铁路将同步启用")
    first = split_sentences(after)[0]
    date = EXTRACTORS["date"]
    # in the paragraph before (which the cited sentence cannot include: the answer has no offsets)
    passage = Passage(2, after, 1.0, "i", None, None, 1, "城铁", 2)
    placed = date.place(Placement("当天", 0, first, 0), passage, lambda p: before)
    assert (placed.text, placed.answer_start, placed.sentence) == ("5月8日", None, first)
    assert date.place(Placement("当天", 0, first, 0), passage, lambda p: None).text is None  # no date: no answer
    # in the same paragraph: the sentence runs from the date's sentence to 当天's
    joined = Passage(1, before + after, 1.0, "i", None, None, 1, "城铁", 1)
    placed = date.place(Placement("当天", len(before), first, len(before)), joined, None)
    assert placed.text == "5月8日" == joined.text[placed.answer_start : placed.answer_start + 4]
    assert placed.answer_start == before.index("5月8日") and placed.sentence == before + first


# ----- document, person, place, organisation -----


def test_documents_are_the_titles_in_book_marks(bench_dir):
    assert texts("document", sample_sentence("审计监督办法")) == ["《株洲市国有投资建设项目审计监督办法》"]
    assert texts("document", bench_sentence(bench_dir, "drcd", "新北市政府組織自治條例")) == [
        "《新北市政府組織自治條例》"
    ]


def test_people_are_found_after_their_titles_and_by_their_tags(bench_dir):
    assert {"周清和", "李东林", "吴飞"} <= set(texts("person", sample_sentence("董事长周清和")))
    assert texts("person", bench_sentence(bench_dir, "cmrc2018", "伪市长傅筱庵")) == ["傅筱庵"]
    assert texts("person", bench_sentence(bench_dir, "drcd", "馬丁范布倫")) == ["馬丁", "范布倫"]


def test_places_are_found_by_their_tags_and_suffixes(bench_dir):
    assert texts("place", sample_sentence("在麓谷站始发终到")) == ["长沙西站", "麓谷站"]
    assert {"新北市", "板橋車站"} <= set(texts("place", bench_sentence(bench_dir, "drcd", "板橋車站")))


def test_organisations_are_noun_runs_ending_in_a_body_and_never_a_verb(bench_dir):
    assert texts("org", sample_sentence("该公司新购的5组")) == ["湖南城际铁路有限公司"]
    assert texts("org", bench_sentence(bench_dir, "drcd", "馬凱特大學")) == ["美國馬凱特大學"]
    assert texts("org", "“开办企业如何优化?如何开展监管?") == []  # 开办 ends like 活动办 but is a verb
    assert {"城发集团", "株洲城市更新投资建设运营有限公司"} <= set(texts("org", sample_sentence("由城发集团成立")))


def test_a_measure_word_after_a_numeral_starts_no_name():
    names = texts("org", sample_sentence("连开3场现场培训会"))
    assert "渌口区市场监督管理局" in names and not any(n.startswith("场") for n in names)


def test_the_preposition_a_question_puts_before_its_interrogative_is_printed_before_the_answer_not_in_it():
    q = Question.read("成立城市更新公司是经哪个部门批准的?")
    assert q.linker == "经"
    best = score_spans(q, sample_sentence("经市国资委批准"))[0]
    assert best.text == "市国资委"  # jieba reads 经市 as one word; 城发集团 set the company up, it did not approve it


def test_what_that_company_does_the_company_named_before_it_does():
    s = sample_sentence("该公司新购的5组")
    q = Question.read("新购的5组动车组车底属于哪家公司?")
    org = EXTRACTORS["org"]
    company = candidate("org", s, "湖南城际铁路有限公司")
    assert org.context(q, to_simplified(s), company, 0.1) > 0.5  # the clause of 该公司新购的5组 speaks of it


# ----- a new answer type -----


class Streak(Extractor):
    """A run of years (连续6年): defined here only, to show a new type needs nothing else."""

    qtype = "streak"
    asked_zh = re.compile(r"连续(几|多少)年")
    asked_en = re.compile(r"\bhow many years in a row\b", re.I)
    typed_prior = 1.0

    def find(self, sentence: str, norm: str) -> list[Candidate]:
        return [Candidate(sentence[m.start() : m.end()], m.start(), "年") for m in re.finditer(r"连续\d+年", norm)]


@pytest.fixture
def streak():
    register(Streak(), before="quantity")  # before: 几年 would make it a quantity question
    yield
    unregister("streak")


def test_a_registered_extractor_answers_its_type_without_touching_other_modules(sample_index, streak):
    question = "我市连续几年获国务院表彰激励?"
    assert question_type(question) == "streak"
    index = Index.open(sample_index)
    a = index.ask(question)
    index.close()
    assert (a.qtype, a.candidate) == ("streak", "连续6年")
    assert a.text in (None, "连续6年") and "连续6年获国务院表彰激励" in a.sentence


def test_unregistering_a_type_restores_the_typing():
    register(Streak(), before="quantity")
    unregister("streak")
    assert question_type("我市连续几年获国务院表彰激励?") == "quantity"
    assert "streak" not in EXTRACTORS
