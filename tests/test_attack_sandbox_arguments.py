"""The attacker controls a failed call's arguments (a tool output the model copied, a hostile caller), not
the code skill: values JSON cannot carry faithfully across the sandbox's bridge.

A ``NaN`` or an infinity (Python's ``json`` writes them, strict JSON has none), a lone surrogate, an
integer key (JSON turns it into text), an integer past the interpreter's 4,300-digit conversion
limit, and a value nested 3,000 deep. Before the fix, each harmed a good code skill
(``return dict(args, units='C')``) or the run: the first three went into the jail and came back as
"repair() returned something that is not JSON" or "not valid Unicode", each credited to the skill as
a loss (a caller could bury a good skill by sending such values); the integer key came back as text,
a retry with an argument the call never had; the huge integer (``ValueError``) and the deep value
(``RecursionError``) raised out of ``on_tool_error`` into the agent, from the secret seal. 6 of 6.
Now the job is strict JSON (no ``NaN``/``Infinity``, text that encodes as UTF-8, text keys) nested at
most 64 deep, or the call is not handed to the sandbox at all: `SandboxNotRun`, nothing ran, nothing
credited, no retry (0 of 6).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import (
    EventKind,
    Evolver,
    ProcessSandbox,
    SandboxError,
    SandboxNotRun,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)


def nested(depth: int) -> Any:
    """A list nested `depth` deep, built without recursion."""
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


FIXES = "def repair(tool, args, error):\n    return dict(args, units='C')\n"
HOSTILE: dict[str, dict[Any, Any]] = {
    "NaN": {"city": "Oslo", "lat": float("nan")},
    "infinity": {"city": "Oslo", "lat": float("-inf")},
    "lone surrogate": {"city": "Os\ud800lo"},
    "integer key": {"city": "Oslo", 7: "night"},
    "huge integer": {"city": "Oslo", "n": 10**5000},
    "nested 3,000 deep": {"city": "Oslo", "deep": nested(3000)},
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ProcessSandbox]:
    from skillevo._sandbox_jail import missing_software

    missing = missing_software()
    if missing:
        pytest.skip(missing)
    with ProcessSandbox() as sb:
        yield sb


def test_hostile_arguments_never_harm_the_skill_or_the_call(sandbox: ProcessSandbox) -> None:
    harmed = []
    for name, args in HOSTILE.items():
        with SkillLibrary(":memory:") as lib:
            lib.add_skill("fix", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="units"),
                          Strategy(code=FIXES), status=VersionStatus.ACTIVE)  # fmt: skip
            evo = Evolver(lib, miner=None, seed=3, sandbox=sandbox, mining="inline")
            with evo.episode(task="weather") as ep:
                try:
                    retried = ep.on_tool_error("weather", dict(args), ValueError("missing units"))
                except Exception:  # into the agent: the run fails
                    harmed.append(name)
                    continue
                ep.finish(1.0)
            (version,) = lib.skill("fix").versions
            applied = [e for e in lib.events(kind=EventKind.REPAIR) if e.data.get("applied")]
            if retried is not None or applied or (version.alpha, version.beta) != (1.0, 1.0):
                harmed.append(name)
    assert not harmed, f"{len(harmed)} of {len(HOSTILE)} harmed the skill or the call: {harmed}"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_sandbox_refuses_to_hand_them_over(sandbox: ProcessSandbox, name: str) -> None:
    with pytest.raises(SandboxNotRun, match=r"not run: the arguments are (not JSON|nested deeper than 64)") as info:
        sandbox.run_repair(FIXES, "weather", HOSTILE[name], "missing units")
    assert isinstance(info.value, SandboxError) and "Oslo" not in str(info.value)


def test_plain_arguments_still_cross(sandbox: ProcessSandbox) -> None:
    args = {"city": "Zürich ☃", "lat": 47.37, "tags": ["a", None, True], "n": 10**40, "nested": {"k": [1.5]}}
    assert sandbox.run_repair(FIXES, "weather", args, "missing units") == {**args, "units": "C"}
