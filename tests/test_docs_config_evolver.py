"""An agent built from ``skillevo.toml`` runs the settings the nightly job runs (docs/train.md).

Before 2026-12-08 the file configured only ``skillevo train``: an agent had to rebuild the
selector, the miner, the lifecycle thresholds and the admission rule by hand from four sections,
and one left out (``[selector] discount``, ``[miner] retry_attempts``) silently differed between the
agent and the job deciding on the same library.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import ConfigError, Evolver, RuleMiner, ThompsonSelector, load_config

TOML = """
[library]
db = "lib/agent.db"

[selector]
discount = "none"
seed = 7

[lifecycle]
review = "required"
min_updates = 3
promote_p = 0.9

[miner]
max_pairs = 12
retry_attempts = 5
min_trigger_rate = 0.8
"""


def _config(tmp_path: Path, text: str = TOML) -> Path:
    (tmp_path / "lib").mkdir()
    path = tmp_path / "skillevo.toml"
    path.write_text(text)
    return path


def test_evolver_from_config_runs_every_section(tmp_path: Path) -> None:
    cfg = load_config(_config(tmp_path))
    evo = cfg.evolver(sandbox=None)
    try:
        assert isinstance(evo, Evolver)
        assert Path(evo.store.location) == tmp_path / "lib" / "agent.db"
        assert isinstance(evo.selector, ThompsonSelector)
        assert evo.selector.mode == "none"
        assert evo.review == "required"
        assert evo.lifecycle.config.min_updates == 3
        assert evo.lifecycle.config.promote_p == 0.9
        assert isinstance(evo.miner, RuleMiner)
        assert (evo.miner.max_pairs, evo.miner.retry_attempts) == (12, 5)
        assert evo.admission.min_trigger_rate == 0.8
    finally:
        evo.store.close()


def test_evolver_from_config_rule_miner_off_and_overrides(tmp_path: Path) -> None:
    cfg = load_config(_config(tmp_path, "[miner]\nrule = false\n"))
    evo = cfg.evolver(sandbox=None, policy_version="m@2")
    try:
        assert evo.miner is None
        assert evo.policy_version == "m@2"
    finally:
        evo.store.close()


def test_evolver_from_config_on_a_given_library(tmp_path: Path) -> None:
    from skillevo import SkillLibrary

    cfg = load_config(_config(tmp_path))
    with SkillLibrary(":memory:") as lib:
        evo = cfg.evolver(lib, sandbox=None)
        assert evo.store is lib


def test_evolver_from_config_refuses_an_unknown_option(tmp_path: Path) -> None:
    cfg = load_config(_config(tmp_path))
    with pytest.raises(ConfigError, match="bogus"):
        cfg.evolver(bogus=1)
