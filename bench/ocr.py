"""OCR of scanned pages: pages per minute on this machine's cores and the character error rate, on the sample issue
printed as four three-column pages (tests/sample_formats.py) and scanned at the given resolutions."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sample_formats  # noqa: E402

from qa.parse import Issue, parse_bytes, parse_file  # noqa: E402
from qa.parse.ocr import engine  # noqa: E402

OUT = ROOT / "bench" / "out" / "ocr.json"


def run(pdf: bytes, dpi: int) -> dict:
    """Each page scanned at `dpi` as a PNG, read one at a time; CER of the whole issue against the text version."""
    reference = parse_file(sample_formats.SAMPLE)
    pages, seconds, cpu = [], [], []
    for no, image in enumerate(sample_formats.scans(pdf, dpi), 1):
        data = sample_formats.png(image)
        wall, used = time.perf_counter(), time.process_time()
        pages.append(parse_bytes(data, f"page-{no:02d}.png"))
        seconds.append(time.perf_counter() - wall)
        cpu.append(time.process_time() - used)
    articles = [a for issue in pages for a in issue.articles]
    paragraphs = [p for a in articles for p in a.paragraphs]
    issue = Issue("ocr", None, None, "ocr", "", articles)
    return {
        "dpi": dpi,
        "pages": len(pages),
        "size_px": list(image.size),
        "seconds_per_page": [round(s, 1) for s in seconds],
        "pages_per_minute": round(60 * len(pages) / sum(seconds), 2),
        "cpu_seconds_per_page": round(sum(cpu) / len(cpu), 1),
        "cer": round(sample_formats.cer(reference, issue), 4),
        "articles": len(articles),
        "paragraphs": len(paragraphs),
        "low_confidence_paragraphs": sum(p.low_confidence for p in paragraphs),
        "min_confidence": round(min(p.confidence for p in paragraphs), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    args = ap.parse_args()
    pdf = sample_formats.text_pdf()
    t = time.perf_counter()
    engine()
    result = {
        "cores": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],  # other work on the machine slows the numbers
        "engine_load_s": round(time.perf_counter() - t, 2),
        "runs": [run(pdf, dpi) for dpi in args.dpi],
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
