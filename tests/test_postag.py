"""qa.postag: jieba's part-of-speech HMM run with numpy gives jieba's own result (its speed: bench/golden.py); the
index keeps every passage's tags, and the answer step reads them instead of tagging again."""

import json
from contextlib import closing

import pytest
from conftest import SAMPLE
from jieba.posseg.viterbi import viterbi as jieba_viterbi  # the module's; qa.text puts ours in jieba.posseg

from qa import postag
from qa.text import posseg, split_sentences, tag_string, tags_from_string, to_simplified


def _sentences(texts: list[str]) -> list[str]:
    return [to_simplified(s) for t in texts for s in split_sentences(t)]


def _hmm_inputs(sentences: list[str]) -> list[str]:
    """The character runs jieba hands its HMM while tagging the sentences (its unknown words)."""
    seen: list[str] = []
    tagger = posseg()

    def recording(obs, *tables):
        seen.append(obs)
        return jieba_viterbi(obs, *tables)

    tagger.viterbi, installed = recording, tagger.viterbi
    try:
        for s in sentences:
            tagger.lcut(s)
    finally:
        tagger.viterbi = installed
    return seen


def _same_as_jieba(runs: list[str]) -> int:
    tagger = posseg()
    tables = (tagger.char_state_tab_P, tagger.start_P, tagger.trans_P, tagger.emit_P)
    return sum(postag.viterbi(obs, *tables) == jieba_viterbi(obs, *tables) for obs in runs)


def test_the_tagger_of_the_answer_step_runs_the_numpy_hmm():
    assert posseg().viterbi is postag.viterbi


def test_every_unknown_word_of_the_sample_issue_gets_jiebas_states_and_probability():
    runs = _hmm_inputs(_sentences([SAMPLE.read_text(encoding="utf-8")]))
    assert len(runs) > 300
    assert _same_as_jieba(runs) == len(runs)


@pytest.mark.parametrize("name", ["cmrc2018", "drcd"])
def test_every_unknown_word_of_bench_passages_gets_jiebas_states_and_probability(bench_dir, name):
    with open(bench_dir / name / "passages.jsonl", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(150), f)]
    runs = _hmm_inputs(_sentences(texts))
    assert len(runs) > 1000
    assert _same_as_jieba(runs) == len(runs)


def test_a_run_of_characters_jieba_has_never_seen_is_tagged_as_jieba_tags_it():
    runs = ["㐀㐁㐂", "Ω", "鿰鿱", "x"]
    assert _same_as_jieba(runs) == len(runs)


# ----- tags kept in the index -----


def _all_tags(path) -> dict[int, str]:
    from qa.store import EmbeddedStore

    s = EmbeddedStore(path)
    try:
        return s.passage_tags([int(i) for i in s.passage_ids([i["issue_id"] for i in s.issues()])])
    finally:
        s.close()


def _set_tagger(path, tagger: str) -> None:
    import sqlite3

    with closing(sqlite3.connect(path / "qa.db")) as con, con:
        con.execute("UPDATE passage_tags SET tagger = ?", (tagger,))


@pytest.fixture
def small_index(tmp_path, sample_path):
    """The sample cut into two issues, A and B, indexed with the fake model (tags do not depend on the model)."""
    from fake_embedding import FAKE_MODEL
    from helpers import cut_sample

    from qa import archive
    from qa.parse import parse_file

    files = cut_sample(sample_path, tmp_path)
    path = tmp_path / "index"
    archive.build(path, [parse_file(files["A"]), parse_file(files["B"])], model=FAKE_MODEL)
    return path, files


def test_an_index_keeps_the_tags_of_every_passage_as_jieba_tags_its_simplified_text(sample_index):
    from qa.index import Index

    tags = _all_tags(sample_index)
    index = Index.open(sample_index)
    try:
        texts = {i: p["text"] for i, p in index.store.passages(list(tags)).items()}
    finally:
        index.close()
    assert len(tags) == len(texts) > 50
    for i, stored in tags.items():
        text = to_simplified(texts[i])
        assert tags_from_string(text, stored) == [(w.word, w.flag) for w in posseg().cut(text)]
    assert sum(map(len, tags.values())) < 2 * sum(map(len, texts.values()))  # lengths and flags, not the words


def test_stored_tags_that_do_not_fit_the_text_are_not_used():
    pairs = [("株洲", "ns"), ("派出", "v"), ("362", "m"), ("支", "q")]
    assert tag_string(pairs) == "2ns2v3m1q"
    assert tags_from_string("株洲派出362支", "2ns2v3m1q") == pairs
    assert tags_from_string("株洲派出362支队", "2ns2v3m1q") is None  # the text changed
    assert tags_from_string("株洲派出362支", "2ns2v3m1q{") is None  # not what tag_string writes
    assert tags_from_string("株洲派出362支", "") is None


def test_asking_for_a_name_reads_the_candidate_sentences_words_from_the_index(sample_index, monkeypatch):
    from qa.answer import patterns
    from qa.index import Index

    tagged_now: list[str] = []
    live = patterns._tagged
    monkeypatch.setattr(patterns, "_tagged", lambda text: tagged_now.append(text) or live(text))
    index = Index.open(sample_index)
    try:
        answer = index.ask("谁主持召开了市政府常务会议?")
    finally:
        index.close()
    assert answer.text == "阳卫国"
    sentences = {to_simplified(s.strip()) for p in answer.passages for s in split_sentences(p.text)}
    assert not sentences & set(tagged_now)  # the question's own parts may still be tagged


def test_stored_tags_give_the_answers_tagging_at_ask_time_gives(sample_index, sample_path):
    from qa.answer import extract
    from qa.index import Index

    questions = [
        json.loads(line)["question"]
        for line in (SAMPLE.parent.parent / "questions" / "sample-qa.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    index = Index.open(sample_index)
    try:
        for q in questions:
            hits = index.search(q)
            kw = {"idf": index.idf, "df": index.df, "encode": index.embedder.encode_sentences}
            stored = extract(q, hits, tags=index.store.passage_tags, **kw).to_dict()
            assert stored == extract(q, hits, **kw).to_dict(), q
    finally:
        index.close()


def test_tags_of_another_jieba_are_not_used_and_are_made_again_by_the_next_write(small_index):
    from fake_embedding import FAKE_MODEL

    from qa import archive
    from qa.parse import parse_file

    path, files = small_index
    _set_tagger(path, "jieba 0.0")
    assert _all_tags(path) == {}
    archive.add(path, [parse_file(files["S"])], model=FAKE_MODEL)
    tags = _all_tags(path)
    assert len(tags) > 100 and all(tags.values())


def test_removing_an_issue_drops_the_tags_of_its_texts(small_index):
    import sqlite3

    from helpers import B_ID

    from qa import archive

    path, _ = small_index
    count = "SELECT count(*) FROM passage_tags"
    with closing(sqlite3.connect(path / "qa.db")) as con:
        before = con.execute(count).fetchone()[0]
    archive.remove(path, [B_ID])
    with closing(sqlite3.connect(path / "qa.db")) as con:
        after = con.execute(count).fetchone()[0]
        distinct = con.execute("SELECT count(DISTINCT text_hash) FROM passages").fetchone()[0]
    assert 0 < after == distinct < before


def test_an_index_written_before_tags_were_kept_is_answered_by_tagging_at_ask_time(small_index):
    import sqlite3

    from qa.index import Index

    path, _ = small_index
    with closing(sqlite3.connect(path / "qa.db")) as con, con:
        con.execute("DROP TABLE passage_tags")
    assert _all_tags(path) == {}
    index = Index.open(path)
    try:
        assert index.ask("谁主持召开了市政府常务会议?").candidate == "阳卫国"
    finally:
        index.close()
