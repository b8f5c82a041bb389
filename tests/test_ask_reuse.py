"""What an English question's ask reuses instead of computing again: its search's question vector, on the sample."""

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
