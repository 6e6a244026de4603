"""A plug-in `Sandbox` (the extension point `skillevo.extend` documents) that fails or answers badly.

The fault: a sandbox engine of the deployer's own (a container, a remote runner) that raises its own
exception (a crashed engine: ``RuntimeError``) or reports a skill's answer JSON cannot carry (a set,
``NaN``, a key that is not text, nesting 100 deep). Before the fix, the exception went out of
``on_tool_error`` into the agent (the run failed), and each of the 4 answers was sent to the tool as
the retried call: 5 of 5. Now the host's side of a code call raises only `SandboxError` (the engine's
own failure a `SandboxNotRun`: nothing credited) and an answer reaches the tool only as a dict of
strict JSON: 0 of 5, each a `repair` event, the skill credited a loss only for its bad answers.
The import's smoke run goes the same way: the crash ended ``import_skills`` and a set passed the
smoke run (2 of 2 before); now each is that skill's one-line refusal (0 of 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skillevo import EventKind, Evolver, Sandbox, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

ARGS = {"city": "Oslo"}


def nested(depth: int) -> Any:
    """A list nested `depth` deep, built without recursion."""
    value: Any = "C"
    for _ in range(depth):
        value = [value]
    return value


class _Scripted(Sandbox):
    """Answers every call with `answer`, or raises it when it is an exception."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return dict(args, **self.answer)


FAULTS: dict[str, Any] = {
    "engine crashes": RuntimeError("engine crashed"),
    "a set": {"units": {"C", "F"}},
    "NaN": {"lat": float("nan")},
    "a key that is not text": {"units": {1: "C"}},
    "nested 100 deep": {"units": nested(100)},
}


def _run(answer: Any) -> tuple[Any, list[dict[str, Any]], tuple[float, float]]:
    with SkillLibrary(":memory:") as lib:
        lib.add_skill("fix", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="units"),
                      Strategy(code="def repair(tool, args, error):\n    return args\n"),
                      status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=_Scripted(answer), mining="inline")
        with evo.episode(task="weather") as ep:
            retried = ep.on_tool_error("weather", dict(ARGS), ValueError("missing units"))
            ep.finish(1.0)
        (version,) = lib.skill("fix").versions
        return retried, [e.data for e in lib.events(kind=EventKind.REPAIR)], (version.alpha, version.beta)


def test_a_failing_or_garbling_plugin_never_reaches_the_agent_or_the_tool() -> None:
    harmed = []
    for name, answer in FAULTS.items():
        try:
            retried, events, posterior = _run(answer)
        except Exception:  # into the agent: the run fails
            harmed.append(name)
            continue
        if retried is not None:
            harmed.append(name)
            continue
        crashed = isinstance(answer, BaseException)
        assert posterior == ((1.0, 1.0) if crashed else (1.0, 2.0)), (name, posterior)
        if not crashed:
            (event,) = events
            assert event["applied"] is False and event["error"].startswith("code skill failed: repair() returned")
    assert not harmed, f"{len(harmed)} of {len(FAULTS)} reached the agent or the tool: {harmed}"


def test_a_plugin_with_a_plain_answer_still_repairs() -> None:
    retried, _, _ = _run({"city": "Oslo, NO", "at": [1.5, None, True]})
    assert retried is None  # "at": an argument the call did not have, and the tool declares no schema
    retried, _, _ = _run({"city": "Oslo, NO"})
    assert retried == {"city": "Oslo, NO"}


def test_the_import_smoke_run_refuses_what_a_plugin_crashes_on_or_garbles(tmp_path: Path) -> None:
    folder = tmp_path / "code-fix"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: code-fix\ndescription: A code fix.\n---\n")
    (folder / "scripts" / "fix.py").write_text("def repair(tool, args, error):\n    return args\n")
    passed = []
    for name in ("engine crashes", "a set"):
        lib = SkillLibrary(":memory:")
        try:
            written = lib.import_skills(tmp_path, sandbox=_Scripted(FAULTS[name]))
        except Exception:  # out of the import: nothing reported per skill
            passed.append(name)
            continue
        reasons = {r.name: r.reason for r in getattr(written, "refused", [])}
        if "code-fix-fix" not in reasons:
            passed.append(name)
            continue
        assert "smoke run" in reasons["code-fix-fix"] and "\n" not in reasons["code-fix-fix"]
    assert not passed, f"{len(passed)} of 2 escaped the smoke run: {passed}"
