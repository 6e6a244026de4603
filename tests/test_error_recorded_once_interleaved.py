"""A failed call is recorded once, whatever other calls run between its result and its error.

An adapter that reads a failure-shaped result reports it twice: `on_tool_result` (which records and
credits it) and then `on_tool_error` (which must not, for the same attempt). `ToolCalls` kept the
calls already recorded in `_error_logged`, and every other call's start or successful result
emptied it: with parallel tool calls (a model turn asking for two tools, run concurrently), another
tool's call or result between the two reports had the failure recorded twice, two ``tool_error``
events and two credits for one failed call (1 of 1 interleavings). Each entry now waits for its own
call's error report, a new attempt of the same call, or that call's next result; other calls leave
it alone. A failure that happens again is still recorded again: once per attempt.
"""

from __future__ import annotations

from skillevo import EventKind, Evolver, SkillLibrary

ERROR = "Error: amount must be positive"


def _errors(lib: SkillLibrary) -> list[str | None]:
    lib.flush()
    return [e.tool for e in lib.events(kind=EventKind.TOOL_ERROR)]


def test_another_calls_result_between_the_two_reports_records_the_failure_once() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, policy_version="p@1", miner=None)
        with evo.episode(task="pay the invoice") as ep:
            pay = ep.before_tool("pay", {"amount": -5})
            look = ep.before_tool("lookup", {"id": 7})
            assert ep.on_tool_result("pay", pay, ERROR)
            ep.on_tool_result("lookup", look, "invoice 7: 5 EUR")
            ep.on_tool_error("pay", pay, ValueError(ERROR))
        assert _errors(lib) == ["pay"]


def test_another_calls_start_between_the_two_reports_records_the_failure_once() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, policy_version="p@1", miner=None)
        with evo.episode(task="pay the invoice") as ep:
            pay = ep.before_tool("pay", {"amount": -5})
            assert ep.on_tool_result("pay", pay, ERROR)
            ep.before_tool("lookup", {"id": 7})
            ep.on_tool_error("pay", pay, ValueError(ERROR))
        assert _errors(lib) == ["pay"]


def test_each_attempt_of_a_call_that_fails_again_is_recorded() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, policy_version="p@1", miner=None)
        with evo.episode(task="pay the invoice") as ep:
            for _ in range(3):
                pay = ep.before_tool("pay", {"amount": -5})
                assert ep.on_tool_result("pay", pay, ERROR)
                ep.on_tool_error("pay", pay, ValueError(ERROR))
            # ... and an attempt reported by its error alone, after one reported twice
            pay = ep.before_tool("pay", {"amount": -5})
            ep.on_tool_error("pay", pay, ValueError(ERROR))
        assert _errors(lib) == ["pay"] * 4


def _held_after(failures: int) -> int:
    """How many failure reports an episode still waits for after `failures` failed calls, each reported by
    its result alone (an adapter whose tools return their errors: no error report ever follows)."""
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, policy_version="p@1", miner=None)
        with evo.episode(task="find the items") as ep:
            for i in range(failures):
                args = ep.before_tool("search", {"q": f"item {i}"})
                assert ep.on_tool_result("search", args, "Error: not found")
            return len(ep._tools._error_logged)


def test_what_waits_for_an_error_report_does_not_grow_with_the_episode() -> None:
    # Every start and result of a call read the whole of it: an episode of many failures reported by their
    # result alone slowed each call in proportion (4,000 failures: 3x the first thousand's time per call).
    assert _held_after(2000) == _held_after(1000)
