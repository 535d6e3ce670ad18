"""Evidence text extraction: field accuracy and time per page over generated documents.

    uv run python bench/evidence_extract.py [--count 300] [--seed 13]

Generates `count` administrative documents in the Decree 30/2020 layout with known facts
(tests/evidence/decree30_strategies.py: 7 issuers, 9 types, 6 places, dates 2019-2031, padded
and unpadded dates, 6 signature blocks), each as Word (.docx) and as a text-layer PDF (both
header columns on one baseline, the left cell wrapped), reads them back with
parindex.evidence.inspect_bytes and prints per-field accuracy and the time per page. Also times
a 500-page PDF (only the first MAX_PAGES pages are read for text).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "evidence"))

from decree30_strategies import build_sample, expected  # noqa: E402

from parindex.evidence import inspect_bytes  # noqa: E402
from parindex.evidence.reading import MAX_PAGES  # noqa: E402
from parindex.evidence.samples import make_docx, make_pdf, text_pdf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = [
        build_sample(
            rng.choice, rng.randint(1, 2999), date(2019, 1, 1) + timedelta(rng.randint(0, 4748))
        )
        for _ in range(args.count)
    ]
    fields = list(expected(samples[0]))
    for name, make in (("docx", make_docx), ("pdf", make_pdf)):
        files = [make(s) for s in samples]
        right = dict.fromkeys(fields, 0)
        wrong: list[str] = []
        started = time.perf_counter()
        results = [inspect_bytes(data, f"x.{name}") for data in files]
        elapsed = time.perf_counter() - started
        for sample, got in zip(samples, results, strict=True):
            for field, want in expected(sample).items():
                if got[field] == want:
                    right[field] += 1
                elif len(wrong) < 5:
                    wrong.append(f"{field}: {got[field]!r} != {want!r}")
        pages = sum(r["pages"] for r in results)
        total = sum(right.values()) / (len(fields) * len(samples))
        print(f"{name}: {len(samples)} documents, {pages} pages, overall {total:.4f}")
        for field in fields:
            print(f"  {field:14} {right[field] / len(samples):.4f}")
        print(f"  time per page  {elapsed / pages * 1000:.1f} ms (read + extract)")
        for line in wrong:
            print(f"  miss: {line}")
    long_pdf = text_pdf(
        [[(56, 800, f"Trang {n} kế hoạch cải cách hành chính")] for n in range(500)]
    )
    started = time.perf_counter()
    got = inspect_bytes(long_pdf, "long.pdf")
    print(
        f"500-page PDF: pages={got['pages']}, text read from {MAX_PAGES}, "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
