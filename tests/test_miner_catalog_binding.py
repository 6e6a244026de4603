"""An Evolver tells its miners which tools its catalog declares without requiring them to take it.

errors6 set ``declares_tool`` on every miner an Evolver was given (`_miners.bind_catalog`). A miner
is any object with a ``mine`` method (`as_miner`): one whose attributes cannot be set (``__slots__``,
a frozen dataclass) made ``Evolver(...)`` raise AttributeError, where it was accepted before. Such a
miner now simply sees no catalog (no tool counts as declared, as before errors6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from skillevo import Evolver, RuleMiner, SkillLibrary


class _SlotMiner:
    __slots__ = ()
    name = "slots"

    def mine(self, events: Sequence[Any], store: Any) -> list[Any]:
        return []


@dataclass(frozen=True)
class _FrozenMiner:
    name: str = "frozen"

    def mine(self, events: Sequence[Any], store: Any) -> list[Any]:
        return []


def test_a_miner_with_slots_is_accepted() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, miner=_SlotMiner())  # type: ignore[arg-type]  # (any object with mine: as_miner)
    assert isinstance(evo.miner, _SlotMiner)
    lib.close()


def test_a_frozen_miner_is_accepted_in_a_chain() -> None:
    lib = SkillLibrary(":memory:")
    rule = RuleMiner()
    Evolver(lib, seed=0, miner=[_FrozenMiner(), rule])  # type: ignore[list-item]
    assert rule.declares_tool is not None  # (control: a miner that takes it is still told)
    assert rule.declares_tool("never_declared") is False
    lib.close()
