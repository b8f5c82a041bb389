"""What an English question's ask reuses instead of computing again: its search's question vector, and the sentence
vectors of earlier questions (on the sample issue, with the real USE model)."""

import json
from pathlib import Path

import pytest

from qa.answer import extract
from qa.index import Index
from qa.text import has_cjk

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = [
    q["question"]
    for q in map(json.loads, (ROOT / "data" / "questions" / "sample-qa.jsonl").read_text("utf-8").splitlines())
    if not has_cjk(q["question"])
]


@pytest.fixture(scope="module")
def index(sample_index):
    ix = Index.open(sample_index)
    yield ix
    ix.close()


def test_the_sample_has_english_questions():
    assert len(ENGLISH) >= 25


def answer_of(index, question, **kw):
    a = extract(
        question,
        index.search(question),
        idf=index.idf,
        df=index.df,
        encode=index.embedder.encode_sentences,
        translated=index.translate(question),
        **kw,
    )
    return {**a.to_dict(), "confidence": round(a.confidence, 4), "candidate": a.candidate}


def test_the_search_vector_ranks_sentences_and_answers_as_the_question_encoded_with_the_sentences(index):
    for question in ENGLISH:
        reused = answer_of(index, question, qvec=index.query_vector(question))
        assert reused == answer_of(index, question), question


def test_an_ask_encodes_the_question_once(index, monkeypatch):
    encoded = []
    embedder = index.embedder
    encode = embedder.encode_sentences
    monkeypatch.setattr(embedder, "encode_sentences", lambda texts: encoded.extend(texts) or encode(texts))
    question = "How many work teams were dispatched by the city?"
    index.ask("派出了多少支驻村工作队?")  # another question's vector is kept now
    encoded.clear()
    assert index.ask(question).sentence
    assert encoded.count(question) == 1
    assert len(encoded) > 1  # the sentences were encoded, without it


def test_sentence_vectors_are_kept_for_the_next_question_and_a_text_given_twice_is_encoded_once(monkeypatch):
    from qa import embed

    embedder = embed.Embedder()  # the default USE model, with a cache of its own
    sentences = [
        "市派驻村工作队45支。",
        "株洲日报讯(记者/李军)5月7日,市委书记主持召开会议。",
        "末班车23时25分终到长沙。",
    ]
    encoded = []
    encode_new = embedder._encode_new
    monkeypatch.setattr(embedder, "_encode_new", lambda texts: encoded.append(list(texts)) or encode_new(texts))
    first = embedder.encode_sentences(sentences + sentences[:1])
    assert encoded == [sentences]  # the repeated sentence once
    assert (first[0] == first[3]).all()
    again = embedder.encode_sentences(["Who chaired the meeting?", *sentences[::-1]])
    assert encoded[1:] == [["Who chaired the meeting?"]]  # the next question's known sentences come from the cache
    assert (again[1:] == first[2::-1]).all()
    fresh = encode_new(sentences)
    assert abs(first[:3] - fresh).max() < 1e-6  # as if encoded now (only float noise of the batch differs)
    assert embedder.encode_sentences([]).shape == (0, embed.USE_DIM)


def test_the_sentence_cache_keeps_the_last_texts_only(monkeypatch):
    from qa import embed

    monkeypatch.setattr(embed, "SENTENCE_CACHE", 3)
    embedder = embed.Embedder()
    embedder.encode_sentences(["一", "二", "三"])
    embedder.encode_sentences(["一"])  # used again: now the newest
    embedder.encode_sentences(["四"])
    assert list(embedder._sentences) == ["三", "一", "四"]
