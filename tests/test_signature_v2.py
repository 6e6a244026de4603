"""Error signatures, version 2: values abstracted by their shape, and version-1 records still matching."""

from __future__ import annotations

from typing import Any

from skillevo import Episode, Event, EventKind, RuleMiner, SkillLibrary
from skillevo._detect import error_signature, error_signature_v1, error_signature_v2, same_signature, signatures
from skillevo._models import MapValue


def test_values_of_every_shape_share_one_signature() -> None:
    pairs = [
        ("Error: 123 not found", "Error: 456 not found"),
        ("Error: [123] not found", "Error: [4, 56, 789] not found"),
        ("Error: ['a1', 'b'] rejected", "Error: [\"x\"] rejected"),
        ("Error: id abc123def not found", "Error: id 77xy not found"),
        ("Error: date 03/14/2025 is invalid", "Error: date 2025-01-02 is invalid"),
        ("Error: at 2024-01-01T10:00:00+00:00", "Error: at 2031-07-19T23:59:59Z"),
        ("Error: file /srv/a/b.txt missing", "Error: file /home/x/y missing"),
        ("Error: mail bob@example.org rejected", "Error: mail a.b@c.io rejected"),
        ("Error: {'a': 1} invalid", "Error: {'b': [2, 3]} invalid"),
        ("Error: see https://x.io/a?b=1", "Error: see ftp://host/path"),
        ("Error: 10:30 is closed", "Error: 9:05:00 is closed"),
    ]
    for a, b in pairs:
        assert error_signature(a) == error_signature(b), (a, b)
        assert error_signature_v2(a) == error_signature_v2(b) and error_signature_v2(a).startswith("v2:")
    # Different wording stays apart: values are abstracted, the class is kept.
    assert error_signature("Error: 123 not found") != error_signature("Error: 123 is locked")
    # Version 1 cut a date apart as a path and kept list lengths: the reason for version 2.
    assert error_signature_v1("Error: [1] x") != error_signature_v1("Error: [1, 2] x")


def test_a_stored_signature_of_either_scheme_matches_its_message() -> None:
    message = "Error: order 4821 not found"
    v3, v2, v1 = signatures(message)
    assert same_signature(v3, message) and same_signature(v2, message) and same_signature(v1, message)
    assert not same_signature(v1, "Error: order 4821 is locked")
    assert not same_signature(None, message) and not same_signature("", message)


def _episode(failed: dict[str, Any], fixed: dict[str, Any], error: str, signature: str) -> list[Event]:
    return [
        Event(kind=EventKind.TOOL_CALL, tool="pick", data={"call": 1, "args": failed}),
        Event(
            kind=EventKind.TOOL_ERROR,
            tool="pick",
            data={"call": 1, "args": failed, "error": error, "error_type": "ToolError", "signature": signature},
        ),
        Event(kind=EventKind.TOOL_CALL, tool="pick", data={"call": 2, "args": fixed}),
        Event(kind=EventKind.TOOL_RESULT, tool="pick", data={"call": 2, "args": fixed, "result": {"ok": True}}),
    ]


def test_corrections_stored_under_version_1_still_count_for_mining() -> None:
    # A value map needs two corrections of one (tool, error signature); the first was stored by an
    # older release (a version-1 signature), the second now: they must be read as one class.
    lib = SkillLibrary(":memory:")
    old_error = "Error: size 'S' unknown (code 17)"
    old = Episode(task="t")
    lib.save_episode(old, _episode({"size": "S"}, {"size": "small"}, old_error, error_signature_v1(old_error)))
    RuleMiner().mine(lib.events(episode_id=old.id), lib)
    new_error = "Error: size 'M' unknown (code 18)"
    new = Episode(task="t")
    lib.save_episode(new, _episode({"size": "M"}, {"size": "medium"}, new_error, error_signature(new_error)))
    proposals = RuleMiner().mine(lib.events(episode_id=new.id), lib)
    repairs = [p.strategy.repair for p in proposals if p.strategy.repair is not None]
    assert repairs and isinstance(repairs[0].ops[0], MapValue)
    assert repairs[0].ops[0].mapping == {"S": "small", "M": "medium"}
