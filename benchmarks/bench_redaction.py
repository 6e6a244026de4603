"""Redaction cost: microseconds per `redact` call on the values a tool call produces, new engine vs
the round-one `redact` (read from git at `--baseline`), and the store boundary's scrub of one episode.

The new engine runs detect-secrets' regex detectors, its keyword detector, the kept extra shapes and
the whole-word key rule; one pre-filter search clears ordinary text before any of them runs.
Run: ``.venv/bin/python benchmarks/bench_redaction.py [--baseline REV] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import timeit
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skillevo._models import Episode, Event, EventKind
from skillevo._redaction import redact
from skillevo._store_common import scrub_episode, scrub_events

ROOT = Path(__file__).resolve().parent.parent

CASES: dict[str, Any] = {
    "small args (ids, no secret)": {"order_id": "#W6067464", "item_ids": ["1008292230"], "payment_method_id": "card_1"},
    "args with secret keys": {"user": "ana", "password": "hunter2-horse", "apiKey": "k-123", "max_tokens": 512},
    "short result text": "Order #W6067464 was cancelled; a refund of 129.99 USD goes to card_1 in 5-7 days.",
    "error with a DSN": "could not connect: postgresql://app:s3cr3t@db.internal:5432/shop (timeout after 5 s)",
    "result with a bearer token": "ok: issued Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU",
    "2,000-char JSON result": {
        "rows": [{"id": f"item-{i}", "name": f"product {i}", "price": i * 1.5} for i in range(60)]
    },
}


def _baseline(rev: str) -> Callable[[Any], Any] | None:
    """The `redact` of `rev` (the round-one module), or None when git cannot show it."""
    try:
        source = subprocess.run(
            ["git", "show", f"{rev}:src/skillevo/_hygiene.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("round_one_hygiene")
    exec(compile(source, f"{rev}:_hygiene.py", "exec"), module.__dict__)
    fn: Callable[[Any], Any] = module.redact
    return fn


def _us_per_call(fn: Callable[[], Any], repeat: int) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number)) * 1e6


def _episode() -> tuple[Episode, list[Event]]:
    episode = Episode(task="cancel order #W6067464 for Ana", metadata={"user": "ana", "channel": "chat"})
    events = []
    for call in range(6):
        args = {"order_id": "#W6067464", "reason": "no longer needed", "call": call}
        events.append(Event(kind=EventKind.TOOL_CALL, tool="cancel", data={"args": args, "call": call}))
        events.append(
            Event(kind=EventKind.TOOL_RESULT, tool="cancel", data={"args": args, "result": CASES["short result text"]})
        )
    return episode, events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", default="39ed09d", help="git revision holding the round-one redact")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    old = _baseline(args.baseline)
    print(f"{'case':<30} {'new µs':>9} {'old µs':>9} {'ratio':>7}")
    for name, value in CASES.items():
        new_us = _us_per_call(lambda v=value: redact(v), args.repeat)
        if old is None:
            print(f"{name:<30} {new_us:9.1f} {'-':>9} {'-':>7}")
            continue
        old_us = _us_per_call(lambda v=value: old(v), args.repeat)
        print(f"{name:<30} {new_us:9.1f} {old_us:9.1f} {new_us / old_us:7.2f}")
    episode, events = _episode()
    scrub_us = _us_per_call(lambda: (scrub_episode(episode), scrub_events(events)), args.repeat)
    print(f"store-boundary scrub of one episode ({len(events)} events): {scrub_us:.1f} µs")
    if old is None:
        print(f"(no baseline: git cannot show {args.baseline}:src/skillevo/_hygiene.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
