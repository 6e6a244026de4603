"""The same fault of skillevo's own, met on every call, is one traceback and then a count.

`record_error` logged every error skillevo made while observing a run with its full traceback,
store errors aside (counted a minute after one was logged: `_repeats`). A bug met on every tool
call (a check that raises on one kind of argument) then wrote one ERROR and one traceback per call:
200 calls, 200 tracebacks, burying everything else an operator reads. Now a fault (its exception
type and the line that raised it) is logged in full once a minute, its repeats counted at DEBUG and
said by the next one logged; a different fault is logged in full at once, and every one is still
recorded on its episode.
"""

from __future__ import annotations

import logging

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo.adapters import record_error


def _bug(value: object) -> None:
    raise TypeError(f"cannot read {type(value).__name__}")


def _other_bug() -> None:
    raise KeyError("schema")


def _raised(fn: object, *args: object) -> BaseException:
    try:
        fn(*args)  # type: ignore[operator]
    except Exception as exc:
        return exc
    raise AssertionError("no error")


def test_one_fault_on_every_call_is_logged_once_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    evo = Evolver(SkillLibrary(":memory:"), sandbox=None, miner=None)
    episodes = []
    with caplog.at_level(logging.DEBUG, logger="skillevo"):
        for i in range(200):
            with evo.episode(task="t") as ep:
                record_error(ep, f"before_tool(tool{i % 7})", _raised(_bug, i))
                episodes.append(ep.episode)
        record_error(None, "on_tool_error(pay)", _raised(_other_bug))  # another fault: at once, in full
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(loud) == 2, [r.getMessage() for r in loud]
    assert "TypeError" in (loud[0].exc_text or "") and "KeyError" in (loud[1].exc_text or "")
    assert "repeats of this error of the next 60 s are counted" in loud[0].getMessage()
    assert sum(r.levelno == logging.DEBUG and "before_tool" in r.getMessage() for r in caplog.records) == 199
    # every one is still on its episode
    assert all("TypeError" in str(e.metadata.get("skillevo_error")) for e in episodes)


def test_the_count_is_said_when_the_fault_is_logged_again(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("skillevo._repeats.time.monotonic", lambda: clock[0])
    with caplog.at_level(logging.DEBUG, logger="skillevo"):
        for _ in range(5):
            record_error(None, "before_tool(pay)", _raised(_bug, 1))
        clock[0] += 61.0
        record_error(None, "before_tool(pay)", _raised(_bug, 1))
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(loud) == 2
    assert "4 more repeats of this error since the last one logged" in loud[1].getMessage()


def _skillevo_lines(*sources: str) -> list[object]:
    """Functions compiled as modules of skillevo's (each raising inside the standard library)."""
    fns = []
    for i, src in enumerate(sources):
        g: dict[str, object] = {"__name__": f"skillevo._fault_probe{i}"}
        exec(compile(src, f"<skillevo._fault_probe{i}>", "exec"), g)  # (a test's own code, as modules of skillevo's)
        fns.append(g["run"])
    return fns


def test_two_faults_raised_inside_the_standard_library_are_two(caplog: pytest.LogCaptureFixture) -> None:
    # Two bugs at different lines of skillevo, both raised by the same line of json: the fault was the
    # innermost frame (json's), so the second was held back at DEBUG, its traceback never shown.
    first, second = _skillevo_lines(
        "import json\ndef run():\n    return json.dumps({'at': object()})\n",
        "import json\n\n\ndef run():\n    return json.dumps([object()])\n",
    )
    with caplog.at_level(logging.DEBUG, logger="skillevo"):
        record_error(None, "before_tool(pay)", _raised(first))
        record_error(None, "on_tool_result(pay)", _raised(second))
        record_error(None, "on_tool_result(pay)", _raised(second))  # the same fault again: counted
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(loud) == 2, [r.getMessage() for r in loud]
    assert "before_tool(pay)" in loud[0].getMessage() and "on_tool_result(pay)" in loud[1].getMessage()
