"""Hostile tool text: what skillevo's call-path readers cost on crafted input, against ordinary text
of the same size in the same run.

Each family (deep nesting, unclosed rows, runs of pairs, escapes, ...) is timed at two sizes on
every entry that reads tool text (`redact_text`, `capped_text` as the recorder calls it, `snapshot`
of a list of such strings, `error_signature`, `classify_error`, `looks_like_injection`,
`quote_untrusted`). Reported: milliseconds at each size, the growth ratio for a 10x larger input
(about 10 is linear; over 20 is superlinear), and the ratio to ordinary prose of the same size.
Run: ``.venv/bin/python benchmarks/bench_redos.py [--sizes 10000,100000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from skillevo._detect import classify_error, error_signature
from skillevo._recording import RESULT_MAX_CHARS, snapshot
from skillevo._redaction import capped_text, redact_text
from skillevo._untrusted import looks_like_injection, quote_untrusted


def _rep(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _keyed(unit: str, n: int) -> str:
    """A run of `unit` then a structure naming a secret (so the pre-filter lets the reading run)."""
    tail = ' {"name": "DB_PASSWORD", "value": "x1"}'
    return _rep(unit, max(0, n - len(tail))) + tail


def _nest(opening: str, closing: str, n: int) -> str:
    k = n // (len(opening) + len(closing))
    return opening * k + closing * k


FAMILIES: dict[str, Callable[[int], str]] = {
    "prose (baseline)": lambda n: _rep("The order was shipped to the warehouse on Monday. ", n),
    'nested {"a":': lambda n: _nest('{"a":', "}", n),
    "nested [": lambda n: _nest("[", "]", n),
    "unclosed {": lambda n: _rep('{"a":', n),
    "INSERT ... VALUES (": lambda n: _rep("INSERT INTO t (password) VALUES (", n),
    "password=password=": lambda n: _rep("password=", n),
    "token: token:": lambda n: _rep("token: ", n),
    'key="': lambda n: _rep('key="', n),
    "a=a=a=": lambda n: _rep("a=", n),
    "--a --a": lambda n: _rep("--a ", n),
    "\\u0041 escapes": lambda n: _rep("\\u0041", n),
    "pw CRLF lines": lambda n: _rep("pw\r\n", n),
    "digits": lambda n: _rep("1234567890", n),
    "base64": lambda n: _rep("QUJDRGVmZ2hpams+/", n),
    "URLs": lambda n: _rep("https://u:p@h.example.com/a?b=c ", n),
    "quotes": lambda n: _rep('"', n),
    "confusables": lambda n: _rep("раsswоrd=ſecret ", n),
    "one token": lambda n: "x" * n,
    "is not a valid Aaaa…! (classify cue)": lambda n: "is not a valid A" + "a" * (n - 17) + "!",
    # The structural reading (`_secret_embedded`): its tests count the work, these time it.
    "[1] tags, then a key": lambda n: _keyed("[1]", n),
    "[a] tags, then a key": lambda n: _keyed("[a] ", n),
    "unclosed [, then a key": lambda n: _keyed("[", n),
    "{' openings, then a key": lambda n: _keyed("{'", n),
    '{"a": 1} password': lambda n: _rep('{"a": 1} password ', n),
    "tokentoken (one word)": lambda n: _rep("token", n),
    "apikeyapikey (one word)": lambda n: _rep("apikey", n),
}

ENTRIES: dict[str, Callable[[str], Any]] = {
    "redact_text": redact_text,
    "capped_text": lambda s: capped_text(s, RESULT_MAX_CHARS),
    "snapshot x30": lambda s: snapshot([s[: len(s) // 30]] * 30),
    "error_signature": error_signature,
    "classify_error": classify_error,
    "looks_like_injection": looks_like_injection,
    "quote_untrusted": quote_untrusted,
}


def _ms(fn: Callable[[str], Any], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--entries", default=",".join(ENTRIES))
    args = parser.parse_args()
    small, large = (int(x) for x in args.sizes.split(","))
    print(f"{'entry':22} {'family':22} {small:>9} {large:>9}  growth  x prose")
    for entry in args.entries.split(","):
        fn = ENTRIES[entry]
        base = _ms(fn, FAMILIES["prose (baseline)"](large), args.repeat)
        for family, make in FAMILIES.items():
            a, b = (make(small), make(large))
            ta = _ms(fn, a, args.repeat)
            tb = base if family == "prose (baseline)" else _ms(fn, b, args.repeat)
            flag = "  SUPERLINEAR" if tb / max(ta, 1e-3) > 20 else ""
            print(f"{entry:22} {family:22} {ta:9.1f} {tb:9.1f}  {tb / max(ta, 1e-3):6.1f}  {tb / max(base, 1e-3):7.1f}{flag}")


if __name__ == "__main__":
    main()
