"""How long `dialogs.pii.scan` takes on a long draft prompt.

    python bench/pii_scan.py [--runs 200] [--chars 10000]

Builds a text of about 10,000 characters from the labelled corpus (its sentences in order,
repeated, one per line, so personal information and plain text are mixed as in real drafts),
warms up, then times `scan` and, on the same text, a trivial baseline
(`unicodedata.normalize("NFKC", text)`). The ratio of the two makes figures from different
machines comparable. Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dialogs.pii import scan  # noqa: E402

CORPUS = REPO / "tests" / "data" / "pii_corpus.jsonl"


def build_text(chars: int) -> str:
    sentences = [json.loads(line)["text"] for line in CORPUS.read_text("utf-8").splitlines()]
    lines: list[str] = []
    size = 0
    while size < chars:
        for sentence in sentences:
            lines.append(sentence)
            size += len(sentence) + 1
            if size >= chars:
                break
    return "\n".join(lines)[:chars]


def timings(work: Callable[[], object], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        work()
    result = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        result.append((time.perf_counter() - began) * 1000)
    return result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chars", type=int, default=10_000)
    args = parser.parse_args()

    text = build_text(args.chars)
    began = time.perf_counter()
    findings = len(scan(text).findings)  # the first call also builds a table of characters once
    first_ms = (time.perf_counter() - began) * 1000
    scan_ms = timings(lambda: scan(text), args.runs, warmup=20)
    base_ms = timings(lambda: unicodedata.normalize("NFKC", text), args.runs, warmup=20)

    median = statistics.median(scan_ms)
    base = statistics.median(base_ms)
    print(f"text: {len(text):,} characters, {text.count(chr(10)) + 1} lines, {findings} findings")
    print(
        f"scan     median {median:7.3f} ms  p95 {p95(scan_ms):7.3f} ms  max {max(scan_ms):7.3f} ms"
    )
    print(f"         {len(text) / median * 1000:,.0f} characters per second")
    print(f"baseline median {base:7.3f} ms  (unicodedata.normalize('NFKC', text))")
    print(f"ratio    scan / baseline = {median / base:.1f}")
    print(f"first    call {first_ms:.1f} ms (once per process: NFKC table of the BMP)")
    print(f"python   {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
