"""Trigger regexes on RE2 (linear time) against Python's backtracking ``re``.

Ordinary matching: the median time of one search of a compiled pattern on typical tool errors, RE2
against ``re`` (RE2 costs more per call on short texts), and of one ``Trigger.matches`` call.
Catastrophic patterns: ``^(a|aa)+$`` on ``"a" * n + "!"``: ``re``'s time roughly multiplies by 1.6
per added character, RE2's grows linearly; printed for a few n (``re`` only up to a small n).
Run: ``.venv/bin/python benchmarks/bench_regex.py``.
"""

from __future__ import annotations

import re
import statistics
import time

from skillevo import Trigger
from skillevo._regex import compile_pattern

PATTERNS = [r"date \d+", r"invalid (date|format)", r"\border", r"rate.?limit|429", r"must be one of", r"code \d+ too short"]
TEXTS = [
    "ValidationError: date 01/05/2024 is not in format YYYY-MM-DD",
    "HTTP 429: rate limit exceeded, retry after 2 s",
    "value 'Pending' must be one of: pending, shipped, cancelled",
    "order #W6067464 not found for user 1234",
]


def _median(fn: object, repeat: int = 2000) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    triggers = [Trigger(tool="*", pattern=p) for p in PATTERNS]
    compiled_re = [re.compile(p, re.IGNORECASE) for p in PATTERNS]
    compiled_re2 = [compile_pattern(p, True) for p in PATTERNS]
    n = len(PATTERNS) * len(TEXTS)

    def run(patterns: list[object]) -> None:
        for pat in patterns:
            for text in TEXTS:
                pat.search(text)  # type: ignore[attr-defined]

    def matches() -> None:
        for trig in triggers:
            for text in TEXTS:
                trig.matches(tool="t", text=text)

    a, b = _median(lambda: run(compiled_re2)), _median(lambda: run(compiled_re))
    print(f"compiled search: RE2 {a / n * 1e6:.2f} us, re {b / n * 1e6:.2f} us (ratio {a / b:.2f})")
    print(f"Trigger.matches (cache lookup + RE2 search): {_median(matches) / n * 1e6:.2f} us per call")
    bad = r"^(a|aa)+$"
    fast = compile_pattern(bad, True)
    slow = re.compile(bad, re.IGNORECASE)
    for size in (16, 20, 24, 28):
        text = "a" * size + "!"
        r2 = _median(lambda text=text: fast.search(text), 50)
        rb = _median(lambda text=text: slow.search(text), 3)
        print(f"^(a|aa)+$ on {size + 1} chars: RE2 {r2 * 1e6:.1f} us, re {rb * 1e3:.1f} ms")
    for size in (1_000, 100_000):
        text = "a" * size + "!"
        print(f"^(a|aa)+$ on {size + 1} chars: RE2 {_median(lambda text=text: fast.search(text), 20) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
