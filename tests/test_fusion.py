"""Fusing BM25 with two dense models (qa.search.fuse) on the sample issue, with the weights bench/fusion.py wrote."""

import numpy as np
import pytest

from qa.e5 import E5_MODEL, encode_passages, encode_queries
from qa.embed import DEFAULT_MODEL
from qa.search import CANDIDATES, fetch_passages, fuse, fusions, lexical_scores, standardised

BOTH = "+".join(sorted([DEFAULT_MODEL, E5_MODEL]))


@pytest.fixture(scope="module")
def scored(sample_index):
    """The sample index's passages, their USE vectors and e5 vectors (of what e5 embeds: title, then the start)."""
    from qa.index import Index

    index = Index.open(sample_index)
    derived = index.search_files()
    ids = [int(i) for i in derived.ids]
    passages = [fetch_passages(index.store.passages, [(i, 0.0, {})], 1)[0] for i in ids]
    chars = fusions()[BOTH]["e5_chars"]
    e5 = encode_passages([f"{p.article_title}\n{p.text[:chars]}" for p in passages])
    use = np.vstack([derived.dense.reconstruct(i) for i in ids])
    yield index, derived, ids, passages, use, e5
    index.close()


def fused(scored, question: str) -> list:
    """qa.search.fuse over every passage, as an index holding both models' vectors would call it."""
    index, derived, ids, _, use, e5 = scored
    bm25 = lexical_scores(derived, question, [t.candidates for t in index.translate(question)])
    assert len(ids) < CANDIDATES  # every passage is a candidate of every side: BM25 of each one that matches
    lexical = {i: float(x) for i, x in zip(ids, bm25) if x > 0}
    cosines = {
        DEFAULT_MODEL: dict(zip(ids, (use @ index.embedder.encode_query(question)).tolist())),
        E5_MODEL: dict(zip(ids, (e5 @ encode_queries([question])[0]).tolist())),
    }
    return fuse(lexical, cosines, cjk=not question.isascii())


def text_of(scored, passage_id: int) -> str:
    return scored[3][scored[2].index(passage_id)].text


def test_weights_are_the_ones_the_bench_wrote():
    both = fusions()[BOTH]
    for lang in ("cjk", "other"):
        assert set(both[lang]) == {"lexical", DEFAULT_MODEL, E5_MODEL}
        assert all(w >= 0 for w in both[lang].values()) and both[lang]["lexical"] > 0
    assert set(fusions()[E5_MODEL]["cjk"]) == {"lexical", E5_MODEL}


@pytest.mark.parametrize(
    "question, fragment",
    [
        ("市里派了多少支驻村工作队?", "市派驻村工作队45支"),  # the reader's 市里派 for the paper's 市派
        ("我市共有多少支驻村工作队分赴驻地?", "362支驻村工作队"),  # the paper's own words stay first
    ],
)
def test_right_paragraph_first(scored, question, fragment):
    best = fused(scored, question)[0]
    assert fragment in text_of(scored, best[0])
    assert set(best[2]) == {"lexical", DEFAULT_MODEL, E5_MODEL}


def test_a_side_that_tells_nothing_is_left_out():
    """No lexical match at all: the order is the dense models' alone."""
    cosines = {DEFAULT_MODEL: {1: 0.1, 2: 0.5, 3: 0.3}, E5_MODEL: {1: 0.80, 2: 0.85, 3: 0.82}}
    assert [i for i, _, _ in fuse({}, cosines, cjk=True)] == [2, 3, 1]
    assert not standardised(np.zeros(3)).any()


def test_every_model_must_cover_the_candidates():
    with pytest.raises(KeyError):
        fuse({7: 3.0}, {DEFAULT_MODEL: {1: 0.2}, E5_MODEL: {1: 0.8}}, cjk=True)
