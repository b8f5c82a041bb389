"""The Index: search and ask an archive (writes are the verbs of qa.archive)."""

from __future__ import annotations

import numbers
import os
import re
import threading
from pathlib import Path

import numpy as np

from . import store
from .search import MODES, Passage, fetch_passages, fusion_of, rank, rank_fused

DEFAULT_INDEX = "index"
MAX_QUESTION_CHARS = 500


def default_index_dir() -> Path | str:
    """$QA_STORE (a Milvus URI or a directory), else $QA_INDEX, else ./index."""
    return store.location(os.environ.get("QA_STORE") or os.environ.get("QA_INDEX") or DEFAULT_INDEX)


def write(path, issues, *, model=None, fresh: bool = False, replace: bool = False, remove=None, progress=False, **kw):
    """The write call of earlier versions (the web chat and app.py use it), mapped onto the verbs of qa.archive:
    remove=[ids] → archive.remove; fresh → archive.build, which refuses (naming them) to drop issues or another
    index's files — the chat never starts over on its own; else archive.add."""
    from . import archive

    if remove:
        return archive.remove(path, remove)
    if fresh:
        return archive.build(path, issues, model=model, progress=progress, **kw)
    return archive.add(path, issues, model=model, replace=replace, progress=progress, **kw)


def _checked_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a whole number of passages, 1 or more (got {k!r})")
    return int(k)


def _checked_question(question) -> str:
    if not isinstance(question, str):
        fix = ": decode it first (question.decode('utf-8'))" if isinstance(question, bytes | bytearray) else ""
        raise ValueError(f"the question must be a str, not {type(question).__name__}{fix}")
    question = question.strip()
    if not question:
        raise ValueError("empty question")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"question too long ({len(question)} characters, at most {MAX_QUESTION_CHARS})")
    return question


def _names(values, what: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    values = (values,) if isinstance(values, str) else tuple(values)
    bad = next((v for v in values if not isinstance(v, str)), None)
    if bad is not None:
        kind = "issue ids" if what == "issues" else f"{what[:-1]} names"
        raise ValueError(f"{what} must be {kind} (str), not {type(bad).__name__}: {bad!r}")
    return values


DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _bound(value, pad: str) -> str | None:
    """An ISO date, year or year-month as a date bound: 2021 → 2021-01-01 (since) or 2021-12-31 (until)."""
    if value is None:
        return None
    if not DATE.match(str(value)):
        raise ValueError(f"dates are YYYY-MM-DD (or YYYY, YYYY-MM), not {value!r}")
    return str(value) + pad[len(str(value)) - 4 :]


def filters_of(issues=None, papers=None, since=None, until=None) -> store.Filters | None:
    """The search's filters (None: search everything): issue ids, paper names, dates from since to until inclusive."""
    f = store.Filters(
        _names(issues, "issues"), _names(papers, "papers"), _bound(since, "-01-01"), _bound(until, "-12-31")
    )
    if f.since and f.until and f.since > f.until:
        raise ValueError(f"since {since} is after until {until}; give the earlier date first")
    return None if f == store.Filters() else f


class Index:
    """A built index, opened for search. Picks up new writes (a new generation) without reopening."""

    def __init__(self, path: str | Path):
        self.path = store.location(path)
        self.store: store.Store = store.open(self.path)
        self._lock = threading.RLock()
        self._translation: tuple = (None, [])  # ((generation, question), its translated terms)
        self._query_vectors: tuple = (None, {})  # (question, its vector by each model)
        self.meta = self.store.meta()
        import faiss

        # One query is one vector: OpenMP threads only add hand-off latency (8 ms → 1.3 ms a search here).
        faiss.omp_set_num_threads(1)

    @classmethod
    def open(cls, path: str | Path | None = None, *, store: str | None = None) -> Index:
        """The archive at store (a Milvus URI or a directory), else at path, else the default (default_index_dir)."""
        return cls(store or (default_index_dir() if path is None else path))

    @classmethod
    def build(cls, path: str | Path, files, *, model: str | None = None, fresh: bool = False, **kw) -> Index:
        """Build the index at path from issue files (refused if it holds other issues, unless fresh); open it."""
        from .archive import build
        from .inputs import read_issue_files

        build(path, read_issue_files(files), model=model, fresh=fresh, **kw)
        return cls(path)

    # ----- state -----
    @property
    def model_id(self) -> str:
        return self.meta["model_id"]

    @property
    def models(self) -> list[str]:
        """The index's embedding models, the main one (model_id) first."""
        return list(store.index_models(self.meta))

    @property
    def embedder(self):
        """The main model's embedder (the hybrid's dense side, answer sentences)."""
        from .embed import load

        return load(self.model_id)

    def _rank(self, files: store.SearchFiles, question: str, k: int, mode: str, allowed, terms) -> list:
        """Hybrid search of an index of several models fuses them all (qa.search.rank_fused); otherwise rank."""
        fusion = fusion_of(self.models) if mode == "hybrid" else None
        if fusion is None:
            qvec = self.query_vector(question) if mode != "lexical" else None
            return rank(files, question, qvec, k, mode, allowed, terms=terms)
        qvecs = {model: self.query_vector(question, model) for model in self.models}
        return rank_fused(files, question, qvecs, k, allowed, terms, fusion)

    def query_vector(self, question: str, model: str | None = None) -> np.ndarray:
        """The question's vector by the model (default: the main one); the last question's is kept, so that the
        answer step of an ask reuses its search's."""
        from .embed import load

        model = model or self.model_id
        with self._lock:
            kept, vectors = self._query_vectors
            if kept == question and model in vectors:
                return vectors[model]
        vector = load(model).encode_query(question)  # outside the lock: other threads' searches need not wait
        with self._lock:
            if self._query_vectors[0] != question:
                self._query_vectors = (question, {})
            self._query_vectors[1][model] = vector
        return vector

    def search_files(self) -> store.SearchFiles:
        """The search files of the committed generation (reloaded when a writer has published a new one)."""
        files = self.store.search_files()
        if files.gen != int(self.meta.get("generation", -1)):
            self.meta = self.store.meta()
        return files

    def issues(self) -> list[dict]:
        """Indexed issues, newest first: issue_id, paper, date, articles, passages, source, source_hash, added_at."""
        return self.store.issues()

    def __len__(self) -> int:
        return self.store.passage_count()

    # ----- search -----
    def search(
        self, question: str, k: int = 5, *, mode: str = "hybrid", issues=None, papers=None, since=None, until=None
    ) -> list[Passage]:
        """The k best passages for the question, best first. Filters: issues (an issue id or a list of them), papers
        (a paper's name or a list), since/until (dates YYYY-MM-DD, YYYY-MM or YYYY, inclusive)."""
        question, k = _checked_question(question), _checked_k(k)
        filters = filters_of(issues, papers, since, until)
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        files = self.search_files()
        allowed = None if filters is None else self.store.select(filters)
        if allowed is not None and not len(allowed):
            return []
        terms = [t.candidates for t in self.translate(question)] if mode != "dense" else None
        return fetch_passages(self.store.passages, self._rank(files, question, k, mode, allowed, terms), k)

    def translate(self, question: str) -> list:
        """Chinese query terms (qa.translate.Term) for a question without Chinese characters; [] for a Chinese one."""
        from .text import has_cjk

        if has_cjk(question) or not question.strip():
            return []
        from .translate import translate

        files = self.search_files()
        key = (files.gen, question)
        with self._lock:
            if self._translation[0] != key:  # search and answer of one ask share it
                terms = translate(question, files.document_frequency, chars=files.character_frequency)
                self._translation = (key, terms)
            return self._translation[1]

    def explain(self, question: str) -> dict:
        """Why passages match: the question's own lexical tokens found in the index, its translated terms, fusion weight
        (and, in an index of several models, the weights of each side that fuse standardises)."""
        from .search import DENSE_WEIGHT_CJK, DENSE_WEIGHT_OTHER
        from .text import has_cjk, tokens

        files = self.search_files()
        cjk = has_cjk(question)
        fusion = fusion_of(self.models)
        return {
            "language": "zh" if cjk else "other",
            "tokens": sorted({t for t in tokens(question) if files.document_frequency(t)}),
            "translated": [t.to_dict() for t in self.translate(question)],
            "dense_weight": DENSE_WEIGHT_CJK if cjk else DENSE_WEIGHT_OTHER,
            **({"fusion_weights": fusion["cjk" if cjk else "other"]} if fusion else {}),
        }

    def df(self, term: str) -> int:
        """How many passages hold the lexical token."""
        return self.search_files().document_frequency(term)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a lexical token in this index (unseen tokens get the largest); a Chinese
        character that is no token counts the passages that hold it inside a word."""
        files = self.search_files()
        n = files.document_frequency(term) or (files.character_frequency(term) if len(term) == 1 else 0)
        return float(np.log((len(files.ids) + 1) / (n + 0.5)))

    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        history: list[str] | None = None,
        mode: str = "hybrid",
        issues=None,
        papers=None,
        since=None,
        until=None,
    ):
        """The short answer (qa.Answer: text or None, supporting sentence, passage with citation, confidence).
        issues, papers, since, until: the filters of search.

        history: the user's earlier questions in this conversation, oldest first; a follow-up is answered as
        qa.followup resolves it, and Answer.understood_as says how (None when the question stood alone)."""
        from .followup import resolve

        understood = resolve(question, history, self.translate) if history else None
        asked = understood or question
        answer = self.answer(
            asked, self.search(asked, k=k, mode=mode, issues=issues, papers=papers, since=since, until=until)
        )
        answer.question, answer.understood_as = question, understood
        return answer

    def preceding_text(self, passage: Passage) -> str | None:
        """The text of the paragraph (part) printed just before this one in its article, if any."""
        return self.store.preceding_text(passage.issue_id, passage.article_no, passage.paragraph_no, passage.part_no)

    def answer(self, question: str, hits: list[Passage]):
        """The qa.Answer to the question from passages already retrieved (best first)."""
        from .answer import extract
        from .text import has_cjk

        # an English question's translation and vector are the ones its search made (cached)
        english = not has_cjk(question)
        return extract(
            question,
            hits,
            idf=self.idf,
            df=self.df,
            encode=self.embedder.encode_sentences,
            translated=self.translate(question) if english else None,
            qvec=self.query_vector(question) if english else None,
            preceding=self.preceding_text,
            tags=self.store.passage_tags,
        )

    def close(self) -> None:
        self.store.close()
