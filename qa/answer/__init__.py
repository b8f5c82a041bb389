"""Short answers from retrieved passages: question type, supporting sentence, typed span, confidence.

The stages, in the order data flows through them: question.py (the question, read once), sentences.py (candidate
supporting sentences), extractors.py (one extractor per answer type, in a registry), spans.py (the generic span
score), confidence.py (the fitted confidence), pipeline.py (extract: the stages in order); patterns.py, terms.py and
finders.py hold the regexes and tables, the question's weighted words, and where spans of each kind are in a sentence.

A new answer type is one Extractor subclass (its question patterns, find(), and the hooks it needs) and one line in
registry.py; register(extractor, before=type) adds one at run time."""

from .confidence import MIN_SUPPORT, THRESHOLDS, WEIGHTS, confidence, unmentioned_names
from .extractors import EXTRACTORS, OTHER, Candidate, Extractor, Placement, register, unregister
from .pipeline import Answer, extract
from .question import Question, question_type, question_unit
from .registry import TYPES

__all__ = [
    "Answer",
    "Candidate",
    "EXTRACTORS",
    "Extractor",
    "MIN_SUPPORT",
    "OTHER",
    "Placement",
    "Question",
    "THRESHOLDS",
    "TYPES",
    "WEIGHTS",
    "confidence",
    "extract",
    "question_type",
    "question_unit",
    "register",
    "unmentioned_names",
    "unregister",
]
