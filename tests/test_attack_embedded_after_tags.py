"""A structure written after a log's bracketed tags is still read as a structure (attack17).

The structural reading of a text tries at most 24 openings, and every ``[`` or ``{`` counted: a log
excerpt whose lines carry tags (``[INFO]``, ``[worker-3]``, ``[2026-12-07 01:02:03]``) spent them
before the structure quoting a secret, which the text rules alone do not read (``{"name":
"DB_PASSWORD", "value": ...}``, a header pair, a Python repr's field/value): 3 of 3 forms kept
the secret after 30 tags. A short span holding no string (no quote: nothing a structural rule could
hide) no longer counts among the tries; all openings stay bounded, as does the time.
"""

from __future__ import annotations

import time

import pytest

from skillevo._redaction import redact_text

SECRET = "Zq8vLw3Kp0XyQQ"
STRUCTURES = [
    '{"name": "DB_PASSWORD", "value": "SECRET"}'.replace("SECRET", SECRET),
    "{'field': 'api_key', 'value': 'SECRET'}".replace("SECRET", SECRET),
    '[["Authorization-Token", "SECRET"]]'.replace("SECRET", SECRET),
]
PREFIXES = [
    "[INFO] " * 30,
    "".join(f"[2026-12-07 01:02:{i:02d}] [worker-{i}] retry\n" for i in range(20)),
    "[x]" * 200,
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_a_structure_after_many_tags_is_read(prefix: str, structure: str) -> None:
    shown = redact_text(prefix + "config: " + structure)
    assert SECRET not in shown
    assert shown.startswith(prefix[:20])


def test_a_text_of_many_openings_stays_cheap() -> None:
    for text in ("[1]" * 30_000, "[a] " * 30_000, "[" * 5_000 + "a" * 50_000 + "]" * 5_000):
        began = time.perf_counter()
        redact_text(text + ' {"name": "DB_PASSWORD", "value": "x1"}')
        assert time.perf_counter() - began < 2.0


def test_a_structure_after_many_records_of_a_json_lines_log_is_read() -> None:
    records = "".join('{"level": "info", "msg": "step %d ok"}\n' % i for i in range(60))  # noqa: UP031
    for last in STRUCTURES:
        shown = redact_text(records + last)
        assert SECRET not in shown
        assert shown.startswith(records)  # the records without a secret keep their exact spelling
