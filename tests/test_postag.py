"""qa.postag: jieba's part-of-speech HMM run with numpy gives jieba's own result (its speed: bench/golden.py)."""

import json

import pytest
from conftest import SAMPLE
from jieba.posseg.viterbi import viterbi as jieba_viterbi  # the module's; qa.text puts ours in jieba.posseg

from qa import postag
from qa.text import posseg, split_sentences, to_simplified


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
