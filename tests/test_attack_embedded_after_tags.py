"""A structure written after a log's bracketed tags is still read as a structure (attack17).

The structural reading of a text tries at most 24 openings, and every ``[`` or ``{`` counted: a log
excerpt whose lines carry tags (``[INFO]``, ``[worker-3]``, ``[2026-12-07 01:02:03]``) spent them
before the structure quoting a secret, which the text rules alone do not read (``{"name":
"DB_PASSWORD", "value": ...}``, a header pair, a Python repr's field/value): 3 of 3 forms kept
the secret after 30 tags. A short span holding no string (no quote: nothing a structural rule could
hide) no longer counts among the tries; all openings stay bounded, as does the time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from embedded_work import count_embedded_work

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


@pytest.mark.parametrize("text", ["[1]" * 30_000, "[a] " * 30_000, "[" * 5_000 + "a" * 50_000 + "]" * 5_000])
def test_a_text_of_many_openings_stays_cheap(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Counted, not timed (benchmarks/bench_redos.py times these families against prose): at most
    `MAX_OPENINGS` openings looked at, `MAX_STARTS` tries, and each character read a bounded number
    of times."""
    text += ' {"name": "DB_PASSWORD", "value": "x1"}'
    work = count_embedded_work(monkeypatch)
    redact_text(text)
    assert work.looked > 0  # the structural reading ran
    work.assert_bounded(len(text))


def test_a_structure_after_many_records_of_a_json_lines_log_is_read() -> None:
    records = "".join('{"level": "info", "msg": "step %d ok"}\n' % i for i in range(60))  # noqa: UP031
    for last in STRUCTURES:
        shown = redact_text(records + last)
        assert SECRET not in shown
        assert shown.startswith(records)  # the records without a secret keep their exact spelling
