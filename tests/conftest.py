"""Shared fixtures: the sample issue and an index built from it once per test session."""

from pathlib import Path

import pytest
from fake_embedding import register_fake

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
BENCH = ROOT.parent / "shared" / "bench"


register_fake()  # tests of archive mechanics pass model=FAKE_MODEL: no USE to load


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """Path of an index of the sample issue, built with the default model. Treat as read-only."""
    from qa.archive import build
    from qa.parse import parse_file

    path = tmp_path_factory.mktemp("sample-index") / "index"
    build(path, [parse_file(SAMPLE)])
    return path


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    if not BENCH.is_dir():
        pytest.skip(f"bench sets not found at {BENCH}")
    return BENCH
