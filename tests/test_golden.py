"""The golden check of bench/golden.py on the sample set: every answer, sentence, confidence, type and offset as
recorded in bench/golden/sample.jsonl (the bench sets are checked by hand: python bench/golden.py --check)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("golden", ROOT / "bench" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_the_sample_set_is_answered_as_recorded(sample_index):
    lines, _ = golden.answer_all(sample_index, golden.questions_of("sample"))
    assert len(lines) == len(golden.read("sample")) >= 75
    assert golden.diff(golden.read("sample"), lines) == []


def test_the_check_names_every_difference():
    recorded = [{"id": "q1", "text": "45支", "confidence": 0.9401}, {"id": "q2", "text": None}]
    rerun = [{"id": "q1", "text": "362支", "confidence": 0.9883}, {"id": "q3", "text": None}]
    assert golden.diff(recorded, rerun) == [
        "q1: confidence 0.9401 -> 0.9883; text '45支' -> '362支'",
        "q2: missing from this run",
        "q3: not in the golden file",
    ]
