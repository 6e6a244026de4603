"""Over-redaction: a name that counts or describes secrets is no secret's name. ``Number of API keys``
ends with a secret's name (``api keys``), so the table rule hid a column of counts, and ``num_tokens``
style keys holding a count were hidden as a key; a report of how many keys a user holds lost its
numbers. A name led by a count (``number of``, ``count of``, ``num``, ``total``, ``how many``) keeps
its value, in a table, a dict or a pair; a secret's own name still hides its value beside it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes

KEY = "Zq4Lr7Mx2Nb9Vc6Kd1Hf8Jg3"

KEPT: dict[str, Any] = {
    "CSV count column": "Owner,Number of API keys\nana,3\nbob,12",
    "Markdown count column": "| Owner | Number of API keys |\n|---|---|\n| ana | 3 |",
    "count-of header": "user;count of passwords\nana;2",
    "how-many header": "user\tHow many tokens issued\nana\t7",
    "num key": {"user": "ana", "num_api_keys": 3, "total_secrets": 5, "numPasswords": 2},
    "count in a pair": "user=ana num_api_keys=3 total_tokens=5",
}
HIDDEN: dict[str, tuple[Any, str]] = {
    "the keys themselves beside the count": (f"Owner,Number of API keys,API key\nana,1,{KEY}", KEY),
    "a key column": (f"Owner,api_key\nana,{KEY}", KEY),
}


def _redacted(value: Any) -> Any:
    return redact_text(value) if isinstance(value, str) else redact(value)


@pytest.mark.parametrize("case", list(KEPT))
def test_a_count_of_secrets_keeps_its_value(case: str) -> None:
    assert _redacted(KEPT[case]) == KEPT[case]


@pytest.mark.parametrize("case", list(HIDDEN))
def test_a_secret_beside_its_count_is_still_hidden(case: str) -> None:
    value, secret = HIDDEN[case]
    out = _redacted(value)
    assert secret not in str(out)
    assert "ana" in str(out)


def test_counts_of_secrets_reach_the_library_file(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    table = "Owner,Number of API keys\nana,31337\nbob,4242"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="audit keys") as ep:
            sent = ep.before_tool("audit", {"scope": "all"})
            ep.on_tool_result("audit", sent, table)
            ep.finish(reward=1.0)
        lib.flush()
    data = db_bytes(db)
    assert b"31337" in data and b"4242" in data
