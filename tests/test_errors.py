"""One error hierarchy: whatever goes wrong (a bad file, a missing model, an index problem), callers catch qa.QAError."""

import pytest

import qa
from qa.embed import Embedder, ModelError
from qa.parse import ParseError, parse_bytes


def test_a_file_that_is_no_issue_is_a_qa_error():
    with pytest.raises(qa.QAError) as err:
        parse_bytes(b"\x00\x01\x02" * 50, "junk.txt")
    assert isinstance(err.value, ParseError) and isinstance(err.value, ValueError)  # older callers catch ValueError
    assert str(err.value).startswith("junk.txt: ") and "\n" not in str(err.value)


def test_a_model_that_cannot_load_is_a_qa_error():
    with pytest.raises(qa.QAError) as err:
        _ = Embedder("no/such-model").dim
    assert isinstance(err.value, ModelError) and isinstance(err.value, RuntimeError)


def test_the_errors_are_importable_from_where_they_always_were():
    from qa.errors import ModelError as errors_model_error
    from qa.errors import ParseError as errors_parse_error

    assert qa.ParseError is ParseError is errors_parse_error
    assert qa.ModelError is ModelError is errors_model_error
