"""Accuracy of `classify_error` by class on the hand-labelled failure corpora (tests/data), with the confusions.

Run: ``python benchmarks/classify_corpus.py [-v]``. The first corpus was written before the classifier's
rules were read (and then used to fix them); the held-out one after, never used to tune them: its
number is the honest one. The second held-out corpus was written before a second reading and then
used to develop it; the third after, never used to tune: its number is the honest one now.
"""

from __future__ import annotations

import collections
import inspect
import json
import sys
from pathlib import Path

from skillevo._detect import classify_error

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def report(path: Path, verbose: bool) -> None:
    cases = json.loads(path.read_text("utf-8"))["cases"]
    takes_args = "arguments" in inspect.signature(classify_error).parameters
    per: collections.Counter[str] = collections.Counter()
    right: collections.Counter[str] = collections.Counter()
    confusion: collections.Counter[tuple[str, str]] = collections.Counter()
    for case in cases:
        kw = {"arguments": case.get("args", ())} if takes_args else {}
        got = classify_error(case["text"], case["error_type"], **kw)
        per[case["label"]] += 1
        right[case["label"]] += got == case["label"]
        if got != case["label"]:
            confusion[(case["label"], got)] += 1
            if verbose:
                print(f"    {case['label']} -> {got} [{case['source']}] {case['text'][:100]!r}")
    total = sum(right.values())
    print(f"{path.name}: {total}/{len(cases)} = {total / len(cases):.1%}")
    for label in sorted(per):
        print(f"  {label:12s} {right[label]:3d}/{per[label]:3d}")
    for (label, got), n in confusion.most_common():
        print(f"  confused {label} -> {got}: {n}")


if __name__ == "__main__":
    for name in ("failure_corpus.json", "failure_corpus_heldout.json", "failure_corpus_heldout2.json",
                 "failure_corpus_heldout3.json"):
        report(DATA / name, "-v" in sys.argv)
