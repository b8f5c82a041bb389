"""Short answers on the sample issue: question types, several numbers, English questions, abstention, CLI, eval."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answer import Answer, question_type, question_unit
from qa.answer.confidence import THRESHOLDS
from qa.index import Index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def index(sample_index):
    ix = Index.open(sample_index)
    yield ix
    ix.close()


@pytest.mark.parametrize(
    "question, qtype",
    [
        ("市派驻村工作队有多少支?", "quantity"),
        ("去年全市固定资产投资额同比增长多少?", "percent"),
        ("末班车几点终到长沙?", "time"),
        ("座谈会是什么时候开的?", "date"),
        ("谁主持召开了市政府常务会议?", "person"),
        ("企业家座谈会在哪里举行?", "place"),
        ("新车底是哪家公司购买的?", "org"),
        ("会议审议并原则通过了什么办法?", "document"),
        ("驻村工作队选派按照什么原则进行?", "term"),
        ("How many work teams were dispatched?", "quantity"),
        ("By how much did fixed-asset investment grow?", "percent"),
        ("What time does the last train arrive?", "time"),
        ("When was the company unveiled?", "date"),
        ("Who chaired the meeting?", "person"),
        ("Where do the trains terminate?", "place"),
        ("Which company bought the trains?", "org"),
        ("Which regulation did the government study?", "document"),
        ("Why was the meeting held?", "other"),
    ],
)
def test_question_type(question, qtype):
    assert question_type(question) == qtype


def test_question_unit():
    assert question_unit("市派驻村工作队有多少支?") == "支"
    assert question_unit("民间投资较国有投资高出多少个百分点?") == "百分点"
    assert question_unit("How many pairs of trains run each day?") == "对"
    assert question_unit("株洲的人口是多少?") is None


@pytest.mark.parametrize(
    "question, expected",
    [
        ("我市共有多少支驻村工作队分赴驻地?", "362支"),
        # several numbers in one sentence: the one the question is about
        ("市派驻村工作队有多少支?", "45支"),
        ("省派驻村工作队有几支?", "5支"),
        ("县区派驻村工作队有多少支?", "312支"),
        ("长沙至暮云区间的平均发车间隔是多少分钟?", "103分钟"),
        ("企业债券审核时间缩短到几个工作日?", "5个工作日"),
        ("长株潭城际铁路本线开行的动车组列车最高将达到多少对?", "100.5对"),
        ("今年对醴陵单独安排奖励资金多少?", "500万元"),
        ("去年全市固定资产投资额同比增长多少?", "9.7%"),
        ("民间投资较国有投资高出多少个百分点?", "3.2个百分点"),
        ("长株潭城际铁路末班车几点终到长沙?", "23时25分"),
        ("营商环境评估摸底工作将在什么时候前全部完成?", "6月中旬"),
        ("株洲城发城市更新投资建设运营有限公司是哪天揭牌的?", "5月6日"),
        ("谁就《政府督查工作条例》进行了专题授课?", "宁资利"),
        ("新购的5组动车组车底属于哪家公司?", "湖南城际铁路有限公司"),
        ("会议审议并原则通过了什么办法?", "《株洲市国有投资建设项目审计监督办法》"),
        ("醴陵从事电商业务的网商有多少家?", "7820家"),
        ("谁主持召开了市政府党组理论学习中心组(扩大)学习暨市政府常务会议?", "阳卫国"),  # fills the gap: 阳卫国主持召开
    ],
)
def test_chinese_short_answers(index, question, expected):
    a = index.ask(question)
    assert a.text == expected, (a.text, a.candidate, a.confidence, a.sentence)
    assert expected in a.sentence
    assert a.passage.text[a.sentence_start : a.sentence_end] == a.sentence
    assert a.passage.text[a.answer_start : a.answer_end] == a.text
    assert 0 <= a.confidence <= 1


def test_an_english_total_question_finds_the_total_but_shows_it_only_above_the_cross_validated_threshold(index):
    a = index.ask("how many work teams were dispatched?")
    assert a.candidate == "362支" and "362支" in a.sentence  # the total, not a part listed after 其中
    assert (
        a.text is None and a.confidence < THRESHOLDS["en"]
    )  # English answers need 0.81 out of fold (bench/answers.py)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How many medical experts did Liling bring in over the past five years?", "217名"),
        ("How many old residential communities does Zhuzhou plan to renovate this year?", "169个"),
        ("When will the business environment assessment be completed?", "6月中旬"),
        (
            "Which measures on auditing state-funded construction projects were approved?",
            "《株洲市国有投资建设项目审计监督办法》",
        ),
        ("When was the entrepreneurs' symposium held?", "5月5日下午"),  # the date opening the sentence
        ("Where was the entrepreneurs' symposium held?", "株洲"),
    ],
)
def test_english_short_answers(index, question, expected):
    a = index.ask(question)
    assert a.text == expected, (a.text, a.candidate, a.confidence, a.sentence)
    assert expected in a.sentence and a.passage.text[a.answer_start : a.answer_end] == a.text


@pytest.mark.parametrize(
    "question, expected",
    [
        ("中车株洲电力机车有限公司董事长是谁?", "周清和"),
        ("长株潭城际列车在哪里始发终到?", "麓谷站"),
        ("株洲市委书记是谁?", "曹慧泉"),  # 市委书记曹慧泉, not 市委副书记、市长阳卫国 in the same sentence (0.54)
        ("By how much did Zhuzhou's fixed-asset investment grow last year?", "9.7%"),
        ("Where do the intercity trains start and terminate while Changsha West station is closed?", "麓谷站"),
        ("Who gave a special lecture on the Regulations on Government Supervision?", "宁资利"),
        # 该公司新购的5组…: what 该公司 did, the company named before it did
        ("Which company bought the 5 new CJ6 multiple-unit trains?", "湖南城际铁路有限公司"),
        ("What time does the last intercity train arrive in Changsha?", "23时25分"),  # "what time" is no 时间
    ],
)
def test_the_best_candidate_is_right_and_shown_only_above_the_cross_validated_threshold(index, question, expected):
    # these sit near the thresholds cross-validated on reader-phrased questions: the choice is asserted,
    # and that nothing else is shown
    a = index.ask(question)
    assert a.candidate == expected, (a.candidate, a.confidence, a.sentence)
    assert a.text in (expected, None)


def test_english_candidate_in_a_list_is_the_item_the_question_describes(index):
    # seven chairmen in one sentence: the one whose company the question names, not …研究所有限公司董事长李东林
    # (its confidence, 0.66, sits at the English threshold: asserted is the choice, not whether it is shown)
    a = index.ask("Who is the chairman of CRRC Zhuzhou Electric Locomotive Co., Ltd.?")
    assert a.candidate == "周清和", (a.candidate, a.confidence)
    # nor the company the question itself names, when it asks who set that company up
    assert index.ask("Which group set up the Zhuzhou urban renewal investment company?").candidate == "城发集团"


@pytest.mark.parametrize("question", ["新的列车运行图什么时候启用?", "When did the new train timetable take effect?"])
def test_that_day_is_answered_by_its_date(index, question):
    # "当天,长株潭城际铁路将同步启用新的列车运行图": 当天 is the 5月8日 of the paragraph before
    a = index.ask(question)
    assert a.candidate == "当天", a.candidate
    assert a.text == "5月8日" or (question.isascii() and a.text is None), (a.text, a.confidence)  # en: 0.72 < 0.737
    assert a.sentence.startswith("当天") and a.answer_start is None  # the date is not in the cited paragraph


def test_that_day_in_the_same_paragraph_extends_the_sentence():
    from qa.answer import extract
    from qa.search import Passage

    text = "5月8日,新车底投入使用。当天,长株潭城际铁路启用新的列车运行图。"
    p = Passage(1, text, 1.0, "i", None, None, 1, "城铁", 1)
    a = extract("新的列车运行图哪天启用?", [p], threshold=0.0)
    assert a.text == "5月8日" and a.sentence == text  # the sentence runs from the date to 当天's sentence
    assert text[a.answer_start : a.answer_end] == "5月8日"
    alone = extract(
        "新的列车运行图哪天启用?",
        [Passage(1, "当天,长株潭城际铁路启用新的列车运行图。", 1.0, "i", None, None, 1, "城铁", 2)],
        threshold=0.0,
    )
    assert alone.candidate == "当天" and alone.text is None  # no date before it, no other paragraph to look in


@pytest.mark.parametrize(
    "question",
    [
        "株洲的人口是多少?",
        "长株潭城际铁路的票价是多少元?",  # the sentence found gives 对, not 元
        "曹慧泉是哪一年出生的?",  # the only date near him is a day, not a year
        "What is the population of Zhuzhou?",
        "长沙市长是谁?",  # the sample's mayor is 株洲's
        "Who is the mayor of Changsha?",
        "株洲市的GDP增长了多少?",  # growth rates of industries, but never GDP
    ],
)
def test_unanswerable_gives_no_short_answer(index, question):
    a = index.ask(question)
    assert a.text is None, (a.text, a.confidence)
    assert a.sentence and a.passages  # the best sentence and the passages are still returned


@pytest.mark.parametrize(
    "question, allowed",
    [
        ("市里派了多少支驻村工作队?", {"45支"}),  # 市派驻村工作队45支; 362支 is the total
        ("由市里派出的驻村工作队有几支?", {"45支"}),
        ("株洲被国务院表扬了几年了?", {"连续6年", "6年"}),  # a duration, never 2020年
        ("哪些企业家参加了座谈会?", set()),  # the paper asks it itself; 企业家座谈会 is the question's own words
        ("Who is the mayor of Zhuzhou?", {"阳卫国"}),
        ("Who chaired the municipal government executive meeting?", {"阳卫国"}),
        ("2019年国务院督查激励一共表扬了多少个地方?", set()),  # 216 places were praised for 2020
    ],
)
def test_readers_questions_of_issue_13_are_answered_right_or_not_at_all(index, question, allowed):
    a = index.ask(question)
    assert a.text is None or a.text in allowed, (a.text, a.confidence, a.sentence)


def test_a_sentence_that_asks_supports_no_answer(index):
    a = index.ask("哪些企业家参加了座谈会?")
    assert a.text is None or "哪些" not in a.sentence


def slots(question: str):
    from qa.answer import Question

    return Question.read(question, translated=[]).slots


def test_slots_are_what_the_question_says_around_its_interrogative():
    assert slots("谁主持召开了市政府常务会议?") == (set(), {"主持", "持召", "召开"})
    # the measure word or class noun after the interrogative belongs to the answer (5个工作日), not to its context
    assert slots("企业债券审核时间缩短到几个工作日?") == ({"时间", "间缩", "缩短", "短到"}, set())
    assert slots("株洲城市更新投资建设运营有限公司由哪家单位成立?")[1] == {"成立"}
    assert slots("株洲市的GDP增长了多少?")[0] == {"gdp", "增长"}  # a Latin word whole; no bigram with 的 or 了
    assert slots("How many teams?") is None


def test_a_readers_filler_words_are_not_what_the_question_is_about():
    from qa.answer import Question

    words = {t for alts, _ in Question.read("希腊人跟波斯人一共打了几天?").terms for t, _ in alts}
    assert {"希腊人", "波斯"} <= words and "一共" not in words


def test_a_verb_split_by_a_particle_in_speech_is_looked_for_as_the_paper_prints_it():
    from qa.answer import Question

    words = {t for alts, _ in Question.read("是哪个单位牵的头?").terms for t, _ in alts}
    assert "牵头" in words  # 在渌口区市场监督管理局的牵头下
    assert {t for alts, _ in Question.read("我市的人有多少?").terms for t, _ in alts}.isdisjoint({"市人"})


def test_alignment_prefers_the_candidate_that_fills_the_gap():
    from qa.answer.spans import alignment

    sentence = "审核时间由15个工作日缩短到5个工作日;"
    around = slots("企业债券审核时间缩短到几个工作日?")
    first, second = sentence.index("15个"), sentence.index("5个工作日;")
    assert alignment(around, sentence, second, second + 5, lambda t: 1.0) == 0.5  # 缩短 短到 before it
    assert alignment(around, sentence, first, first + 6, lambda t: 1.0) == 0.25  # only 时间


def test_names_the_passage_never_mentions(index):
    from qa.answer import unmentioned_names
    from qa.translate import spelt_in_pinyin

    hit = index.search("株洲市长阳卫国主持召开市政府常务会议", k=1)[0]
    assert unmentioned_names("长沙市长是谁?", hit) == ["长沙"]
    assert unmentioned_names("株洲市长是谁?", hit) == []  # 株洲市 is 株洲, and the paper is 株洲日报
    q = "Who is the mayor of Changsha?"
    assert unmentioned_names(q, hit, index.translate(q)) == ["Changsha"]
    assert spelt_in_pinyin("Changsha") and spelt_in_pinyin("Zhuzhou")
    assert not spelt_in_pinyin("Crown") and not spelt_in_pinyin("Block") and not spelt_in_pinyin("changsha")


def test_fallback_returns_sentence_without_short_answer(index):
    a = index.ask("驻村工作队人员选派按照什么原则进行?")
    assert a.qtype == "term" and (a.text is None or "上下联动" in a.text)
    assert "上下联动" in a.sentence
    a = index.ask("What does the new timetable mean for commuters?")
    assert a.qtype == "other" and a.text is None
    assert "上班族" in a.sentence  # 最大程度满足“上班族”的出行需要


def test_a_best_sentence_whose_numbers_are_in_another_unit_gives_way_to_one_of_its_article_in_the_unit_asked(bench_dir):
    from qa.answer import extract
    from qa.search import Passage

    with open(bench_dir / "cmrc2018" / "passages.jsonl", encoding="utf-8") as f:
        text = next(p["text"] for p in map(json.loads, f) if p["id"] == "DEV_1092")
    a = extract("“博客第一案”一审最后判网站赔了陈堂发多少钱？", [Passage(1, text, 1.0, "i", None, None, 1, "博客", 1)])
    assert a.candidate == "1000元"  # not 一人 of 陈堂发成了…第一人, the sentence that shares the most words


def test_to_dict_carries_highlight_offsets(index):
    a = index.ask("市派驻村工作队有多少支?")
    d = a.to_dict()
    assert isinstance(a, Answer)
    assert {
        "text",
        "sentence",
        "citation",
        "confidence",
        "sentence_start",
        "sentence_end",
        "answer_start",
        "answer_end",
        "verdict",
    } <= set(d)
    assert d["citation"] == a.passage.citation and d["verdict"] is None  # a verdict answers yes/no questions only
    json.dumps(d, ensure_ascii=False)


def test_cli_ask_json_has_answer(sample_index):
    out = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "市派驻村工作队有多少支?", "--index-dir", str(sample_index), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    answer = json.loads(out)["answer"]
    assert answer["text"] == "45支" and "市派驻村工作队45支" in answer["sentence"]
    text = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "市派驻村工作队有多少支?", "--index-dir", str(sample_index)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert text.splitlines()[0] == "45支"


@pytest.mark.slow
def test_eval_answers_on_sample_set():
    from qa.evaluate import evaluate

    res = evaluate(
        ROOT / "data" / "questions" / "sample-qa.jsonl",
        issues=[ROOT / "data" / "issues" / "sample-issue.txt"],
        answers=True,
    )
    a = res["answers"]["all"]
    assert a["sentence_acc"] > a["baseline_sentence_acc"]
    # issue 13: thresholds at 90 % precision on reader-phrased questions trade coverage (0.8 before) for precision
    assert a["acc_answered"] >= 0.9 and a["coverage"] >= 0.55
    assert set(res["answers"]["by_type"]) >= {
        "quantity",
        "percent",
        "date",
        "time",
        "person",
        "place",
        "org",
        "document",
    }


def test_sample_question_set_is_well_formed():
    rows = [json.loads(line) for line in (ROOT / "data" / "questions" / "sample-qa.jsonl").open(encoding="utf-8")]
    text = (ROOT / "data" / "issues" / "sample-issue.txt").read_text(encoding="utf-8")
    assert len(rows) >= 40
    assert sum(r["lang"] == "en" for r in rows) >= len(rows) / 4
    assert sum(not r["answers"] for r in rows) >= 3
    for r in rows:
        assert r["lang"] in ("zh", "zh-para", "en")
        assert all(a in text for a in r["answers"]), r["id"]


def test_every_example_question_of_the_chat_gets_a_short_answer_from_its_paragraph(index):
    from qa.chat import EXAMPLES

    for question in EXAMPLES:
        a = index.ask(question)
        assert a.text and a.text in a.sentence, (question, a.candidate, a.confidence)
