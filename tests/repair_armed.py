"""An Evolver whose one learned repair is live on a tool's errors: what a successful call read as a
failure would set off (the call run again with the repair's arguments). For tests that a success
stays one call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from skillevo import Evolver, SkillLibrary
from skillevo._models import Repair, SetArg, Strategy, Trigger, TriggerKind


@contextlib.contextmanager
def armed(tool: str, arg: str, value: str) -> Iterator[Evolver]:
    """An Evolver on a memory library with a repair setting `arg` to `value` under test (always
    chosen: no null arm) on `tool`'s errors."""
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
        version = lib.add_skill(
            f"{tool.replace('_', '-')}-retry", Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool),
            Strategy(repair=Repair(ops=[SetArg(arg=arg, value=value)])),
        )
        evo.lifecycle.start(version.id)
        evo.invalidate()
        yield evo
