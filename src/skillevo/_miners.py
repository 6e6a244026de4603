"""Several miners as one: ``Evolver(lib, miner=[RuleMiner(), LLMMiner(...)])``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from ._errors import ConfigError
from ._mining import Miner, Proposal
from ._models import Event, Repair
from ._store import SkillStore


class _Catalog(Protocol):
    def schema(self, tool: str) -> dict[str, Any] | None: ...


_C = TypeVar("_C", bound=_Catalog)

__all__ = ["MinerChain", "as_miner"]

log = logging.getLogger("skillevo")


def _key(proposal: Proposal) -> str:
    return proposal.model_dump_json(include={"trigger", "strategy"})


class MinerChain(Miner):
    """Runs every miner on each episode, in order; a proposal several of them make is kept once
    (the first miner's), so each is checked and stored once. A miner that raises is logged and
    skipped: the others still mine.

    Args:
        miners: the miners (at least one), e.g. ``[RuleMiner(), LLMMiner(complete)]``.

    Raises:
        ConfigError: an empty list, or an item that is not a `Miner`.
    """

    def __init__(self, miners: Sequence[Miner]) -> None:
        miners = list(miners)
        if not miners:
            raise ConfigError("miner: an empty list (pass None to disable mining)")
        for m in miners:
            if not callable(getattr(m, "mine", None)):
                raise ConfigError(f"miner: expected skillevo.Miner instances (got {type(m).__name__})")
        self.miners = miners
        self.name = "+".join(m.name for m in miners)

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        """Every miner's proposals, duplicates (same trigger and strategy) dropped."""
        out: dict[str, Proposal] = {}
        for miner in self.miners:
            try:
                proposals = miner.mine(events, store)
            except Exception:
                log.exception("skillevo: miner %r failed; the other miners go on", miner.name)
                continue
            for proposal in proposals:
                out.setdefault(_key(proposal), proposal)
        return list(out.values())

    def repair_now(self, tool: str, args: dict[str, Any], error_type: str, message: str) -> Repair | None:
        """The first miner's immediate repair of this error."""
        for miner in self.miners:
            repair = miner.repair_now(tool, args, error_type, message)
            if repair is not None:
                return repair
        return None


def bind_catalog(miner: Miner | None, catalog: _C) -> _C:
    """Tell `miner` (and each miner of a chain) which tools `catalog` declares; returns `catalog`. A
    miner whose attributes cannot be set (``__slots__``, a frozen dataclass: any object with ``mine``
    is one) is told nothing and sees no tool as declared, as before it could be told."""
    for m in miner.miners if isinstance(miner, MinerChain) else [miner] if miner is not None else []:
        try:
            m.declares_tool = lambda name: catalog.schema(name) is not None
        except (AttributeError, TypeError):
            log.debug("skillevo: miner %s takes no catalog", type(m).__name__)
    return catalog


def as_miner(miner: Any) -> Miner | None:
    """An Evolver's `miner` argument as one miner: ``"default"`` is `RuleMiner`, a list a `MinerChain`."""
    if miner is None or isinstance(miner, Miner) or callable(getattr(miner, "mine", None)):
        return miner  # type: ignore[no-any-return]
    if isinstance(miner, str) and miner == "default":
        from ._mining import RuleMiner

        return RuleMiner()
    if isinstance(miner, Sequence) and not isinstance(miner, str):
        return MinerChain(miner)
    raise ConfigError(
        f"miner: expected a skillevo.Miner, a list of them, 'default' or None (got {type(miner).__name__})"
    )
