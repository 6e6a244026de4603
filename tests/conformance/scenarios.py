"""The adapter conformance scenarios: one behaviour, every framework.

Each adapter's test suite supplies `Harness` objects (a way to build its wrapper and run the
booking task with a scripted model) and runs every scenario here against each of them, so the
policy of ``skillevo.adapters`` is checked the same way everywhere: a broken reward or a failing
model never loses the run or the episode, bad constructor arguments are refused, a repair is
visible, and the request path imports nothing heavy.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import pytest

from skillevo import NULL_ARM, ConfigError, EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS

TASK = "book Oslo on March 4th"
#: the repair every harness's booking tool needs (its error text asks for YYYY-MM-DD)
REPAIR = {"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}
#: the date on which every harness's booking tool raises ``KeyboardInterrupt`` (a person's Ctrl-C
#: while the tool runs)
CTRL_C = "ctrl-c"


@dataclass
class Run:
    """What one run of the booking task gave."""

    answer: str
    #: repairs the framework's conversation shows (tool message metadata, tool output), as dicts
    conversation_repairs: list[dict[str, Any]] = field(default_factory=list)
    #: skillevo repair records seen in the framework's trace (callbacks, event bus)
    trace_repairs: list[dict[str, Any]] = field(default_factory=list)
    #: the tool results the model received, in the order it received them (read from the model's
    #: own requests, not from the framework's state)
    observations: list[str] = field(default_factory=list)


class Harness(ABC):
    """One way to run an agent of one framework under skillevo."""

    #: shown in test ids
    name: str = "harness"

    @abstractmethod
    def wrap(self, evo: Any, reward: Any = None) -> Any:
        """Build the framework's skillevo wrapper (raises ConfigError on bad arguments)."""

    @abstractmethod
    def run(self, evo: Evolver, *, reward: Any = None, policy: str = "booking") -> Run:
        """Run the booking task once. Policies: ``"booking"`` (a US date first, corrected after the
        error), ``"fails_second"`` (a tool call, then the model raises ``TimeoutError``),
        ``"interrupted_second"`` (a tool call, then ``KeyboardInterrupt`` in the model),
        ``"tool_interrupted_second"`` (a tool call, then one with the date `CTRL_C`, on which the
        booking tool raises ``KeyboardInterrupt``)."""

    def script(self) -> str | None:
        """Python source run in a fresh process: it must define ``run(evo)`` running the task once
        (None when the harness cannot run in a subprocess)."""
        return None


def repair_skill(lib: SkillLibrary) -> Evolver:
    """An Evolver whose library has an active, favoured repair of `book`'s date."""
    vid = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair=REPAIR),  # type: ignore[arg-type]
        status=VS.ACTIVE,
    ).id
    evo = Evolver(lib, miner=None, seed=0)
    for _ in range(30):
        evo.selector.update("iso-date", vid, 1.0)
        evo.selector.update("iso-date", NULL_ARM, 0.0)
    return evo


# ---------------------------------------------------------------------------------------- scenarios


def reward_raising_does_not_break_the_run(h: Harness, lib: SkillLibrary) -> None:
    run = h.run(Evolver(lib, miner=None), reward=lambda s: s["score"])
    assert run.answer == "booked"
    (episode,) = lib.episodes()
    assert episode.reward is None and "reward_error" in episode.metadata


def reward_returning_5_does_not_break_the_run(h: Harness, lib: SkillLibrary) -> None:
    run = h.run(Evolver(lib, miner=None), reward=lambda s: 5)
    assert run.answer == "booked"
    (episode,) = lib.episodes()
    assert episode.reward is None and "[0, 1]" in str(episode.metadata.get("reward_error"))


def reward_of_the_wrong_type_is_a_reward_error(h: Harness, lib: SkillLibrary) -> None:
    for bad in ("0.7", True):
        h.run(Evolver(lib, miner=None), reward=lambda s, bad=bad: bad)
    assert [e.reward for e in lib.episodes()] == [None, None]
    assert all("reward_error" in e.metadata for e in lib.episodes())


def reward_interrupted_is_stored_aborted_and_reraised(h: Harness, lib: SkillLibrary) -> None:
    # Ctrl-C (or SystemExit) inside the user's reward ends the run: never swallowed, never lost.
    for stop in (KeyboardInterrupt, SystemExit):

        def reward(state: Any, stop: type[BaseException] = stop) -> float:
            raise stop()

        with pytest.raises(stop):
            h.run(Evolver(lib, miner=None), reward=reward)
    episodes = sorted(lib.episodes(), key=lambda e: e.started_at)
    assert [e.metadata.get("aborted") for e in episodes] == ["KeyboardInterrupt", "SystemExit"]
    assert all(e.reward is None for e in episodes)  # stopped, not failed: the reward is unknown
    assert all(lib.events(episode_id=e.id, kind=EventKind.TOOL_ERROR) for e in episodes)


def bad_constructor_args_are_refused(h: Harness, lib: SkillLibrary) -> None:
    with pytest.raises(ConfigError):
        h.wrap("evo")
    with pytest.raises(ConfigError):
        h.wrap(Evolver(lib, miner=None), reward=1.0)


def model_failing_on_the_second_call_is_stored_aborted(h: Harness, lib: SkillLibrary) -> None:
    with pytest.raises(Exception) as info:
        h.run(Evolver(lib, miner=None), policy="fails_second")
    assert "TimeoutError" in type(info.value).__name__ or "model timed out" in str(info.value)
    (episode,) = lib.episodes()
    assert episode.metadata.get("aborted") and episode.reward == 0.0
    assert lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)  # the part that ran is kept


def model_interrupted_is_stored_aborted_and_reraised(h: Harness, lib: SkillLibrary) -> None:
    with pytest.raises(KeyboardInterrupt):
        h.run(Evolver(lib, miner=None), policy="interrupted_second")
    (episode,) = lib.episodes()
    assert episode.metadata.get("aborted") == "KeyboardInterrupt" and episode.reward is None
    assert lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)  # the part that ran is kept


def tool_interrupted_is_stored_aborted_and_reraised(h: Harness, lib: SkillLibrary) -> None:
    # Ctrl-C while a tool runs (a BaseException, not an Exception): never turned into a tool error
    # the agent goes on from, never swallowed; the episode is stored as aborted, with the part that ran.
    with pytest.raises(KeyboardInterrupt):
        h.run(repair_skill(lib), reward=lambda s: 1.0, policy="tool_interrupted_second")
    (episode,) = lib.episodes()
    assert episode.metadata.get("aborted") == "KeyboardInterrupt" and episode.reward is None
    assert lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)  # the part that ran is kept


def library_closed_mid_run_keeps_the_episode(h: Harness, lib: SkillLibrary) -> None:
    # An application shutting down closes the library from another thread while a run finishes:
    # the run still succeeds, and its episode, still open, is stored as the library closes (stopped,
    # with the failed call it made); the reward the run gives after that cannot be stored and is
    # logged by episode, never raised. (Before 2026-12-07 the episode itself was lost.)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("skillevo").addHandler(handler)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "lib.db")
        closing = SkillLibrary(path)

        def reward(state: Any) -> float:
            closer = threading.Thread(target=closing.close)
            closer.start()
            closer.join()
            return 1.0

        try:
            run = h.run(Evolver(closing, miner=None), reward=reward)
        finally:
            logging.getLogger("skillevo").removeHandler(handler)
            closing.close()
        assert run.answer == "booked"
        with SkillLibrary(path) as again:
            (episode,) = again.episodes()
            assert episode.metadata.get("aborted") == "stopped" and episode.reward is None
            assert again.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)
    assert all(re.search(r"episode [0-9a-f]{32}", r.getMessage()) for r in records), [r.getMessage() for r in records]


def repair_is_visible_in_the_conversation_and_the_trace(h: Harness, lib: SkillLibrary) -> None:
    run = h.run(repair_skill(lib), reward=lambda s: 1.0)
    assert run.answer == "booked"
    assert any(
        r.get("version") == "iso-date@1" and "date" in (r.get("changed") or ["date"]) for r in run.conversation_repairs
    )
    assert any(r.get("version") == "iso-date@1" for r in run.trace_repairs)
    (episode,) = lib.episodes()
    repairs = lib.events(episode_id=episode.id, kind=EventKind.REPAIR)
    assert repairs and all(
        e.data.get("after", {}).get("date") == "2025-03-04" for e in repairs if e.data.get("applied")
    )


def repaired_result_is_what_the_agent_receives(h: Harness, lib: SkillLibrary) -> None:
    """The model receives the repaired call's result in place of the failure, once: no error text,
    no second copy of the call, and it needs no turn of its own to correct the arguments."""
    run = h.run(repair_skill(lib), reward=lambda s: 1.0)
    assert run.answer == "booked"
    assert len(run.observations) == 1, run.observations
    assert "booked Oslo on 2025-03-04" in run.observations[0], run.observations
    assert "YYYY-MM-DD" not in run.observations[0]
    (episode,) = lib.episodes()
    assert episode.reward == 1.0


def first_tool_call_imports_nothing_heavy(h: Harness, tmp_path: Any) -> None:
    source = h.script()
    if source is None:
        pytest.skip(f"{h.name} has no subprocess form")
    probe = textwrap.dedent(
        """
        import sys
        from skillevo import Evolver, SkillLibrary
        from skillevo._lifecycle import LifecycleConfig
        lib = SkillLibrary(sys.argv[1])
        evo = Evolver(lib, seed=0, lifecycle=LifecycleConfig(min_updates=1, min_episodes=1))
        before = set(sys.modules)
        for _ in range(3):  # failures mined, then tested: the first lifecycle decisions happen here
            run(evo)
        new = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("scipy", "sklearn", "torch"))
        print("NEW:" + ",".join(new))
        """
    )
    script = tmp_path / "probe.py"
    script.write_text(source + "\n" + probe)
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "lib.db")], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("NEW:"))
    assert line == "NEW:", sorted({m.split(".")[0] for m in line[4:].split(",")})


SHARED = [
    reward_raising_does_not_break_the_run,
    reward_returning_5_does_not_break_the_run,
    reward_of_the_wrong_type_is_a_reward_error,
    bad_constructor_args_are_refused,
    model_failing_on_the_second_call_is_stored_aborted,
    reward_interrupted_is_stored_aborted_and_reraised,
    model_interrupted_is_stored_aborted_and_reraised,
    tool_interrupted_is_stored_aborted_and_reraised,
    library_closed_mid_run_keeps_the_episode,
    repair_is_visible_in_the_conversation_and_the_trace,
    repaired_result_is_what_the_agent_receives,
]
