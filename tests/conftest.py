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


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> dict:
    """The sample's printed pages, built once (tests/sample_formats.py): the text-layer PDF, its pages as separate
    PDFs, and the pages scanned at 150 dpi as PNGs and as an image-only PDF. Values are paths."""
    import sample_formats

    out = tmp_path_factory.mktemp("printed")
    pdf = sample_formats.text_pdf()
    (out / "zzrb-20210508.pdf").write_bytes(pdf)
    scans = sample_formats.scans(pdf, dpi=150)
    (out / "scan-20210508.pdf").write_bytes(sample_formats.image_pdf(scans, dpi=150))
    pages, pngs = [], []
    for no, (page, image) in enumerate(zip(sample_formats.split_pages(pdf), scans), 1):
        pages.append(out / f"zzrb-20210508-{no:02d}.pdf")
        pages[-1].write_bytes(page)
        pngs.append(out / f"scan-20210508-{no:02d}.png")
        pngs[-1].write_bytes(sample_formats.png(image))
    return {"pdf": out / "zzrb-20210508.pdf", "scan_pdf": out / "scan-20210508.pdf", "pages": pages, "pngs": pngs}


@pytest.fixture(scope="session")
def scanned_issue(printed):
    """The image-only PDF of the sample read by OCR as `qa index add` reads it (≈1 min of OCR per page on a busy
    machine): read once."""
    from qa.inputs import read_issue_files

    [issue] = read_issue_files([printed["scan_pdf"]])
    return issue
