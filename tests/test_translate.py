"""English questions over Chinese text: CC-CEDICT query translation, and retrieval of the sample issue in English."""

import json

import pytest

from qa import translate as tr


@pytest.fixture(scope="module")
def index(sample_index):
    from qa.index import Index

    ix = Index.open(sample_index)
    yield ix
    ix.close()


def chinese(terms) -> set[str]:
    return {zh for t in terms for zh, _ in t.candidates}


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("work team", {"工作队"}),  # the dictionary says 工作组; joined from 工作 + 队 as the sample has it
        ("dispatched", {"派驻"}),
        ("fixed-asset investment", {"固定资产", "投资"}),
        (
            "intercity railway",
            {"城际", "铁路"},
        ),  # "intercity" is not in CC-CEDICT: inter- 际 + city 城, as the sample joins them
        ("net profit", {"净利润"}),
        ("Changsha, Zhuzhou and Liling", {"长沙", "株洲", "醴陵"}),
        ("Zhou Qinghe", {"周清和"}),  # a name spelt in pinyin, found in the collection
    ],
)
def test_newspaper_phrases_translate_to_the_samples_words(index, phrase, expected):
    assert expected <= chinese(index.translate(phrase))


def test_old_residential_compounds(index):
    # CC-CEDICT has no "residential compound" and no "old" for 老旧: 老旧 is 老 + 旧 (both "old") as the sample writes
    # it, and 小区 a synonym (gloss "neighborhood") of 居民区 ("residential area"), the glosses "residential" is in
    terms = index.translate("old residential compounds")
    assert {"老旧", "小区"} <= chinese(terms)
    residential = next(t for t in terms if t.english == "residential")
    assert max(w for _, w in residential.candidates) == tr.INDIRECT_WEIGHT  # an indirect translation weighs less


def test_a_word_without_an_entry_is_translated_through_the_glosses_it_is_in():
    assert not tr.load().lookup(["residential"])
    assert {"居民区", "住宅区"} <= chinese(tr.translate("residential"))  # no collection: the glosses' own entries
    assert not tr.translate("qwertyuiop")  # and nothing for a word no gloss holds


def test_candidates_are_weighted_and_limited_to_the_collection(index):
    terms = index.translate("net profit")
    assert terms[0].english == "net profit"
    weights = [w for _, w in terms[0].candidates]
    assert weights[0] == 1.0 and weights == sorted(weights, reverse=True)
    assert len(terms[0].candidates) <= tr.MAX_CANDIDATES
    # without the collection, the dictionary offers more (净利, 纯利, ...), most of which the sample never prints
    offline = chinese(tr.translate("net profit"))
    assert {"净利润", "纯利"} <= offline and "纯利" not in chinese(terms)


def test_the_parts_of_a_short_dictionary_word_are_its_tokens_without_jieba():
    """collection._parts skips jieba for words of one or two Chinese characters: the same parts for every such word
    the dictionary offers (and longer ones still go through jieba)."""
    from qa.text import tokens
    from qa.translate.collection import _parts

    rd = tr.load()
    offered = {c.rsplit(" ", 1)[0] for value in rd.keys.values() for c in value.split("|")}
    short = sorted(w for w in offered if len(w) <= 2)
    assert len(short) > 60_000
    assert [w for w in short if set(_parts(w)) != {t for t in tokens(w) if len(t) > 1}] == []
    assert set(_parts("驻村工作队")) == {t for t in tokens("驻村工作队") if len(t) > 1} >= {"工作队", "驻村"}


def test_lemmas():
    known = tr.load().known
    assert {tr.lemma(w, known) for w in ("dispatch", "dispatched", "dispatches", "dispatching")} == {"dispatch"}
    assert tr.lemma("companies", known) == "company"
    assert tr.lemma("teams", known) == "team"
    assert tr.lemma("business", known) == "business"
    # irregular forms, by lemminflect, when every reading agrees (not "left": leave or left)
    assert [tr.lemma(w, known) for w in ("bought", "held", "led", "sent", "men")] == [
        "buy",
        "hold",
        "lead",
        "send",
        "man",
    ]
    assert tr.lemma("left", known) == "left"


def test_irregular_verbs_and_long_glosses_translate(index):
    assert "举行" in chinese(index.translate("held"))  # hold: "to hold (a meeting, ceremony etc)"
    # 董事长 is "chairman of the board of directors", too long to be a key: its head noun is one
    assert "董事长" in chinese(index.translate("chairman"))
    # 末班车 is "last bus or train": each reading of the "or" is a key
    assert tr.load().lookup(["last", "train"])[0][0] == "末班车"
    assert not tr.load().lookup(["less"]) or "差不多" not in dict(tr.load().lookup(["less"]))  # not "more or less"


def test_a_character_inside_the_papers_words_is_kept_besides_them(index):
    # "bought" → 购, which the sample prints only inside 新购: kept for the answer step, weaker, beside the words
    files = index.search_files()
    assert files.document_frequency("购") == 0 and files.character_frequency("购") >= 1
    assert files.character_frequency("新") == 0  # 新 is a token of its own: document_frequency counts it
    bought = next(t for t in index.translate("Which company bought the trains?") if t.english == "bought")
    assert dict(bought.candidates)["购"] <= tr.PARTIAL_WEIGHT * 2
    assert sum(len(zh) == 1 and files.document_frequency(zh) == 0 for zh, _ in bought.candidates) <= tr.MAX_CHARACTERS
    assert "购" not in chinese(tr.translate("Which company bought the trains?", index.df))  # not without chars


def test_the_kind_of_answer_asked_for_is_not_translated(index):
    # "what time" asks for 23时25分: 时间 and 时代 are not words of the answer's sentence
    assert not any(t.english == "time" for t in index.translate("What time does the last train arrive?"))
    assert any(t.english == "time" for t in index.translate("How much time does the trip take?"))


def test_function_words_are_not_translated():
    # "does" must not become the plural of "doe" (雌鹿)
    assert not tr.translate("What does it do, and who is it for?")


def test_chinese_questions_are_not_translated(index):
    assert index.translate("我市有多少支驻村工作队?") == []
    assert index.explain("我市有多少支驻村工作队?")["language"] == "zh"


@pytest.mark.parametrize(
    "question, title, paragraph",
    [
        ("How many work teams were dispatched to the villages?", "362支工作队驻村助力乡村振兴", 1),
        ("How much did fixed-asset investment grow last year?", "株洲四项工作获国务院督查激励", 3),
        ("How many old residential compounds were renovated last year?", "城市更新有了新“平台”", 2),
        (
            "When does the new timetable of the Changsha-Zhuzhou-Xiangtan intercity railway start?",
            "长株潭城铁实现“公交化”运营",
            4,
        ),
        (
            "What net profit does CRRC Zhuzhou aim for by the end of the 14th Five-Year Plan?",
            "这场座谈会,他们成为座上宾",
            16,
        ),
        ("How many online shops did Liling have at the end of 2020?", "株洲四项工作获国务院督查激励", 5),
    ],
)
def test_english_questions_find_the_paragraph(index, question, title, paragraph):
    hits = index.search(question, k=3)
    assert (title, paragraph) in [(h.article_title, h.paragraph_no) for h in hits]


def test_ask_explain_shows_translated_terms(sample_index, capsys):
    from qa.cli import main

    assert (
        main(["ask", "How many work teams were dispatched?", "--index-dir", str(sample_index), "--explain", "-k", "1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "translated terms" in out and "工作队" in out and "362支工作队驻村助力乡村振兴" in out
    assert (
        main(
            [
                "ask",
                "How many work teams were dispatched?",
                "--index-dir",
                str(sample_index),
                "--explain",
                "-k",
                "1",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert any(t["english"] == "work teams" for t in data["explain"]["translated"])
    assert set(data["passages"][0]["scores"]) == {"lexical", "dense"}


@pytest.mark.slow
def test_reverse_dictionary_is_built_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tr.load.cache_clear()
    try:
        first = tr.load()
        cached = list((tmp_path / "newspaper-qa").glob("cedict-en-zh-*.json"))
        assert len(cached) == 1
        tr.load.cache_clear()
        monkeypatch.setattr(tr.dictionary, "build", lambda: pytest.fail("rebuilt although cached"))
        assert tr.load().keys == first.keys
    finally:
        tr.load.cache_clear()


@pytest.mark.slow
def test_english_question_over_traditional_text(tmp_path, sample_path):
    """A traditional-script issue is matched in simplified form; the passage comes back verbatim."""
    import opencc

    from qa.archive import add
    from qa.index import Index
    from qa.parse import parse_file

    trad = tmp_path / "sample-trad.txt"
    trad.write_text(opencc.OpenCC("s2t").convert(sample_path.read_text(encoding="utf-8")), encoding="utf-8")
    add(tmp_path / "index", [parse_file(trad)])
    ix = Index.open(tmp_path / "index")
    hits = ix.search("How many work teams were dispatched to the villages?", k=3)
    assert "工作隊" in hits[0].text and "駐村" in hits[0].text
    assert any(c == "工作队" for t in ix.translate("work team") for c, _ in t.candidates)
    ix.close()
