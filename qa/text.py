"""Text normalisation and lexical tokens: script conversion, jieba words, CJK bigrams."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])(?![”’」』\"')）])|(?<=[。！？!?；;…][”’」』\"')）])")
_WORD = re.compile(r"\w", re.UNICODE)

# Function words and question words: they carry no topic, and question words never occur in the answer passage.
STOP_WORDS = frozenset(
    """的 了 是 在 和 与 及 或 也 都 而 就 被 把 对 从 为 以 于 之 其 这 那 有 个 中 上 下 吗 呢 吧 啊 呀 着 过 等
    什么 哪 哪些 哪个 哪里 哪儿 哪家 哪位 哪年 哪天 谁 多少 几 怎么 怎样 如何 为什么 为何 何 么 啥 是否 是不是
    the a an of to in on for and or is are was were be by with what which who whom when where how why did do does
    many much""".split()
)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (same length in practice); other scripts unchanged."""
    return _t2s().convert(text) if CJK.search(text) else text


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def posseg():
    """jieba's part-of-speech tagger (jieba.posseg), its HMM run by qa.postag: the same tags, faster."""
    import jieba.posseg

    from . import postag

    _jieba()
    jieba.posseg.viterbi = postag.viterbi  # the module-level name jieba's POSTokenizer calls
    return jieba.posseg


def words(text: str) -> list[str]:
    """jieba words of the simplified, lower-cased text, without punctuation and stop words."""
    text = to_simplified(text).lower()
    return [w for w in _jieba().lcut(text) if _WORD.search(w) and w.strip() and w not in STOP_WORDS]


def bigrams(text: str) -> list[str]:
    """CJK character bigrams (within runs of CJK characters) of the simplified text."""
    text = to_simplified(text)
    out = []
    for run in CJK_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def tokens(text: str) -> list[str]:
    """Lexical tokens: jieba words plus CJK bigrams, so 工作组 still meets 工作队 and traditional text tokenizes well."""
    return words(text) + bigrams(text)


def split_sentences(text: str) -> list[str]:
    """Split at sentence ends (。！？；… with a closing quote kept on its sentence); never inside a sentence."""
    parts = [p for p in SENTENCE_END.split(text) if p]
    return parts or [text]


def pos_tags(text: str) -> list[tuple[str, str]]:
    """jieba's (word, part-of-speech flag) pairs of the simplified text, as the answer step tags its sentences."""
    return [(w.word, w.flag) for w in posseg().cut(to_simplified(text))]


@lru_cache(maxsize=1)  # read at every ask that reads stored tags: the package metadata once
def tagger() -> str:
    """What stored tags depend on (jieba, and tag_string's form), kept with them: others' tags are not used."""
    from importlib.metadata import version

    return f"jieba {version('jieba')}; lengths and flags"


STORED_TAG = re.compile(r"(\d+)([a-z]+)")


def tag_string(pairs: list[tuple[str, str]]) -> str:
    """Tags as an index keeps them: each word's length and flag (2ns1v3nr…); the words are the text's own."""
    return "".join(f"{len(w)}{f}" for w, f in pairs)


def tags_from_string(text: str, stored: str) -> list[tuple[str, str]] | None:
    """The (word, flag) pairs of the simplified text from tag_string's form; None where they do not fit it."""
    pairs, at, read = [], 0, 0
    for m in STORED_TAG.finditer(stored):
        n = int(m.group(1))
        pairs.append((text[at : at + n], m.group(2)))
        at, read = at + n, read + len(m.group())
    return pairs if at == len(text) and read == len(stored) else None


PARALLEL_MIN_TEXTS = 400


def tokens_many(texts: list[str]) -> list[list[str]]:
    """tokens() of many texts; big batches are split over one forked process per core (jieba is pure Python)."""
    return _many(tokens, texts, _jieba)


def pos_tags_many(texts: list[str]) -> list[list[tuple[str, str]]]:
    """pos_tags() of many texts, as tokens_many."""
    return _many(pos_tags, texts, posseg)


def _many(fn: Callable[[str], list], texts: list[str], load: Callable[[], object]) -> list[list]:
    import os

    workers = min(os.cpu_count() or 1, len(texts) // (PARALLEL_MIN_TEXTS // 2))
    if workers < 2:
        return [fn(t) for t in texts]
    import multiprocessing

    from .procs import helper_process

    load(), _t2s()  # load once here; forked workers inherit the dictionaries
    with multiprocessing.get_context("fork").Pool(workers, initializer=helper_process, initargs=(os.getpid(),)) as pool:
        return pool.map(fn, texts, chunksize=64)
