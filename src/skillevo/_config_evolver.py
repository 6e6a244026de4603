"""An `Evolver` built from ``skillevo.toml``: the agent runs the settings the nightly job runs.

The file's ``[selector]``, ``[lifecycle]`` and ``[miner]`` sections decide how ``skillevo train``
samples, decides and mines; an agent that rebuilt them by hand could leave one out and then
decide differently on the same library. `evolver_from_config` is the one place that maps them.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ._errors import ConfigError

if TYPE_CHECKING:
    from ._config import SkillevoConfig
    from ._evolver import Evolver
    from ._store import SkillStore


def evolver_from_config(cfg: SkillevoConfig, lib: SkillStore | None = None, **overrides: Any) -> Evolver:
    """An `Evolver` on `lib` (default: the configured library) with the file's settings.

    ``[selector]`` gives the `ThompsonSelector` (discount, seed), ``[lifecycle]`` the thresholds,
    ``review`` and ``canary_share``, ``[miner]`` the `RuleMiner` (``rule``, ``max_pairs``,
    ``retry_attempts``) and the admission rule (``min_trigger_rate``). ``[miner].llm`` stays the
    nightly job's: a model call on the agent's path is the caller's choice (``miner=...``).
    `overrides` are `Evolver` keyword arguments and win over the file; an unknown one is a
    `ConfigError`.
    """
    from ._evolver import Evolver
    from ._mining import RuleMiner
    from ._selection import ThompsonSelector

    known = set(inspect.signature(Evolver.__init__).parameters) - {"self", "lib"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"evolver: unknown option(s) {', '.join(unknown)}; Evolver takes {', '.join(sorted(known))}")
    m = cfg.miner
    kwargs: dict[str, Any] = {
        "miner": RuleMiner(max_pairs=m.max_pairs, retry_attempts=m.retry_attempts) if m.rule else None,
        "seed": cfg.selector.seed,
        **cfg.lifecycle.evolver_kwargs(),
    }
    if "selector" not in overrides:
        kwargs["selector"] = ThompsonSelector(discount=cfg.selector.discount_spec(), seed=cfg.selector.seed)
    kwargs.update(overrides)
    opened = lib is None
    store = cfg.open_library() if lib is None else lib
    try:
        evo = Evolver(store, **kwargs)
    except BaseException:
        if opened:  # ours to close: a refused mode must not leave the file open
            store.close()
        raise
    evo.admission = m.admission()
    return evo
