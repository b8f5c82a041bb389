"""Follow-up questions on the sample issue: ellipsis, pronouns, new aspects, across languages; topic switches and
questions that stand alone ignore the history; qa ask --history and qa chat."""

import io
import json

import pytest

from qa.cli import main
from qa.followup import resolve
from qa.index import Index

TEAMS = "362支工作队驻村助力乡村振兴"
RENEWAL = "城市更新有了新“平台”"
FORUM = "这场座谈会,他们成为座上宾"


@pytest.fixture(scope="module")
def index(sample_index):
    ix = Index.open(sample_index)
    yield ix
    ix.close()


def test_city_ellipsis_is_read_as_the_city_teams_and_answered(index):
    a = index.ask("那市派的呢?", history=["驻村工作队有多少支?"])
    assert a.understood_as == "市派驻村工作队有多少支?"
    assert a.question == "那市派的呢?"
    assert a.text == "45支" and a.passage.article_title == TEAMS


def test_a_second_ellipsis_replaces_the_first_ones_modifier(index):
    a = index.ask("省派的呢?", history=["驻村工作队有多少支?", "那市派的呢?"])
    assert a.understood_as == "省派驻村工作队有多少支?"
    assert a.text == "5支"


def test_english_follow_up_keeps_the_village_work_teams(index):
    a = index.ask("and how many did the city send?", history=["How many village work teams are there?"])
    assert a.understood_as == "How many village work teams did the city send?"
    assert a.passage.article_title == TEAMS and "市派驻村工作队45支" in a.passage.text
    assert a.text != "6日"  # what the question alone found in an unrelated article (issue 14)


def test_a_part_asked_after_a_total_takes_the_place_of_the_total_not_of_a_word_ending_alike(index):
    a = index.ask("那市派的呢?", history=["一共派了多少支驻村工作队?"])
    assert a.understood_as == "市派派了多少支驻村工作队?"  # not 一市派了… (共派 ends like 市派 but is no word)
    assert a.text == "45支"


def test_english_ellipsis_takes_the_place_of_what_it_replaces(index):
    history = ["How many village work teams are there?", "and how many did the city send?"]
    a = index.ask("and the province?", history=history)
    assert a.understood_as == "How many village work teams did the province send?"
    assert a.text == "5支"


def test_it_is_the_company_asked_about_before(index):
    a = index.ask("它是经谁批准成立的?", history=["株洲城发城市更新公司是哪天挂牌的?"])
    assert a.understood_as == "株洲城发城市更新公司是经谁批准成立的?"
    assert a.passage.article_title == RENEWAL


def test_this_company_is_the_company_asked_about_before():
    assert (
        resolve("这家公司注册资本多少?", ["株洲城发城市更新公司是哪天挂牌的?"]) == "株洲城发城市更新公司注册资本多少?"
    )


def test_he_is_the_person_named_before_with_his_title(index):
    a = index.ask("他来了以后跑了多少家企业?", history=["曹慧泉书记是哪天到株洲上任的?"])
    assert a.understood_as == "曹慧泉书记来了以后跑了多少家企业?"
    assert a.text == "20余家" and a.passage.article_title == FORUM


def test_a_new_aspect_without_a_topic_gets_the_earlier_topic(index):
    a = index.ask("几支队伍?", history=["芦淞区那个红歌快闪有多少人参加?"])
    assert a.understood_as.startswith("芦淞区红歌") and a.understood_as.endswith("几支队伍?")
    assert a.passage.article_title == "红歌“快闪”颂党"


def test_english_pronoun_after_a_chinese_question_gets_the_chinese_topic(index):
    a = index.ask("Which group set it up?", history=["株洲城发城市更新公司是哪天挂牌的?"])
    assert a.understood_as == "Which group set 株洲城发城市更新公司 up?"
    assert a.passage.article_title == RENEWAL


def test_chinese_follow_up_after_an_english_question_gets_its_translated_topic(index):
    a = index.ask("这些队伍是哪些单位牵头的?", history=["How many village work teams are there?"])
    assert a.understood_as and a.understood_as.endswith("这些队伍是哪些单位牵头的?")
    assert "工作队" in a.understood_as and a.passage.article_title == TEAMS


def test_a_topic_switch_is_not_contaminated_by_the_history(index):
    history = ["驻村工作队有多少支?", "那市派的呢?"]
    a = index.ask("今年株洲打算改造多少个老旧小区?", history=history)
    alone = index.ask("今年株洲打算改造多少个老旧小区?")
    assert a.understood_as is None
    assert (a.text, a.passage.id) == (alone.text, alone.passage.id) == ("169个", alone.passage.id)
    assert "驻村" not in a.passage.text


def test_an_english_question_naming_its_own_topic_stands_alone():
    assert resolve("Which district put on the red-song flash mob?", ["How many village work teams are there?"]) is None
    assert resolve("How much was Bird paid when Boston kept him?", ["What was the longest contract?"]) is None


def test_without_history_a_question_stands_alone(index):
    assert resolve("那市派的呢?", []) is None and resolve("那市派的呢?", None) is None
    assert index.ask("市派驻村工作队有多少支?").understood_as is None
    assert index.ask("市派驻村工作队有多少支?", history=["驻村工作队有多少支?"]).understood_as is None


def test_history_given_as_one_string_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"pass \[question, \.\.\.\]"):
        resolve("那市派的呢?", "驻村工作队有多少支?")
    with pytest.raises(ValueError, match="strings"):
        resolve("那市派的呢?", [None])


def test_understood_as_is_in_the_answer_dict(index):
    d = index.ask("那市派的呢?", history=["驻村工作队有多少支?"]).to_dict()
    assert d["understood_as"] == "市派驻村工作队有多少支?"
    json.dumps(d, ensure_ascii=False)


def test_cli_ask_with_history(capsys, sample_index):
    argv = ["ask", "那市派的呢?", "--history", "驻村工作队有多少支?", "--index-dir", str(sample_index), "-k", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("理解为 / understood as: 市派驻村工作队有多少支?\n45支\n")
    assert "[1] 株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段" in out
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["understood_as"] == "市派驻村工作队有多少支?" and data["answer"]["text"] == "45支"


def test_cli_chat_answers_each_line_as_a_turn_and_starts_over_on_new(capsys, monkeypatch, sample_index):
    lines = "驻村工作队有多少支?\n那市派的呢?\n\n省派的呢?\n/new\n今年株洲打算改造多少个老旧小区?\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main(["chat", "--index-dir", str(sample_index), "-k", "1"]) == 0
    out = capsys.readouterr().out
    heads = [line for line in out.splitlines() if line and not line.startswith(("    ", "["))]
    assert heads == [
        "362支",
        "理解为 / understood as: 市派驻村工作队有多少支?",
        "45支",
        "理解为 / understood as: 省派驻村工作队有多少支?",
        "5支",
        "(new conversation)",
        "169个",
    ]
    assert out.count("[1] 株洲日报 · ") == 4


def test_cli_chat_reports_a_bad_line_and_goes_on(capsys, monkeypatch, sample_index):
    monkeypatch.setattr("sys.stdin", io.StringIO("长" * 600 + "\n驻村工作队有多少支?\n"))
    assert main(["chat", "--index-dir", str(sample_index), "-k", "1"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("qa: error: question too long") and err.count("\n") == 1
    assert out.startswith("362支\n")


def test_a_question_naming_its_pronouns_antecedent_stands_alone():
    history = ["驻村工作队有多少支?"]
    assert resolve("株洲城发城市更新公司挂牌了,它是经谁批准成立的?", history) is None
    assert resolve("曹慧泉书记到株洲后,他走访了多少家企业?", history) is None


def test_a_demonstrative_before_a_noun_of_its_own_stands_alone():
    history = ["驻村工作队有多少支?"]
    assert resolve("这次红歌快闪有多少人参加?", history) is None
    assert resolve("这家公司注册资本多少?", ["株洲城发城市更新公司是哪天挂牌的?"]) is not None


def test_a_long_question_with_one_noun_is_no_new_aspect():
    assert resolve("今年市本级负责改造的老旧小区有几个?", ["驻村工作队有多少支?"]) is None
    assert resolve("主题是啥?", ["5月5号那场企业家座谈会大概来了多少位企业家?"]) == "企业家座谈会主题是啥?"
