"""Short answers from retrieved passages: question type, supporting sentence, typed span, confidence.

The stages, in the order data flows through them: question.py (the question, read once), sentences.py (candidate
supporting sentences), extractors.py (one extractor per answer type, in a registry), spans.py (the generic span
score), confidence.py (the fitted confidence), pipeline.py (extract: the stages in order); patterns.py and terms.py
hold the regexes, tables and word weights they share."""

from .confidence import MIN_SUPPORT, THRESHOLDS, WEIGHTS, confidence, unmentioned_names
from .extractors import EXTRACTORS, OTHER, TYPES, Candidate, Extractor, Placement, register, unregister
from .pipeline import Answer, extract
from .question import Question, question_type, question_unit

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
