"""skillevo.toml: every section validated, and every mistake reported as one line naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skillevo import ConfigError, PolicyConfig, SkillevoConfig, load_config
from skillevo._config import config_from_dict, import_callable
from skillevo.cli import main as cli_main

FULL = """
[library]
db = "data/skills.db"

[selector]
discount = ["window", 500]
seed = 7

[lifecycle]
review = "required"
min_updates = 8
min_episodes = 12
promote_p = 0.97
assign_clamp = [0.2, 0.8]

[miner]
rule = true
max_pairs = 20
llm = "my_models.chat:complete"
llm_budget = 10

[train]
report_dir = "reports"
formats = ["html"]
compact_after_days = 14
stale_after_days = 60

[policy]
enabled = true
model = "/models/qwen-0.5b"
verifier = "my_checks.verify:score"
steps = 50
use_vllm = true
vllm_mode = "server"
lora_r = 8
"""


def test_a_full_config_loads_with_paths_resolved_against_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "skillevo.toml"
    path.write_text(FULL)
    cfg = load_config(path)
    assert cfg.db_location() == str(tmp_path / "data" / "skills.db")
    assert cfg.resolve(cfg.train.report_dir) == tmp_path / "reports"
    assert cfg.selector.discount_spec() == ("window", 500) and cfg.selector.seed == 7
    assert cfg.lifecycle.review == "required"
    thresholds = cfg.lifecycle.thresholds()
    assert (thresholds.min_updates, thresholds.promote_p, thresholds.assign_clamp) == (8, 0.97, (0.2, 0.8))
    assert cfg.miner.llm == "my_models.chat:complete" and cfg.miner.llm_budget == 10
    assert cfg.train.formats == ["html"] and cfg.train.stale_after_days == 60
    assert cfg.policy.enabled and cfg.policy.vllm_mode == "server" and cfg.policy.skill_reward_bonus == 1.0


def test_every_section_is_optional_and_urls_pass_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLEVO_DB", "/srv/skills.db")
    cfg = SkillevoConfig()
    assert cfg.db_location() == "/srv/skills.db"
    assert cfg.selector.discount_spec() == "adaptive" and cfg.lifecycle.review is None  # the library's mark
    assert not cfg.policy.enabled and cfg.train.formats == ["md", "html"]
    url = "postgresql://db.internal/skills?schema=prod"
    assert config_from_dict({"library": {"db": url}}).db_location() == url


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"selector": {"discount": "fast"}}, "cfg.toml: selector.discount: unknown mode 'fast'"),
        ({"selector": {"discount": ["fixed", 1.5]}}, "cfg.toml: selector.discount: ('fixed', 1.5) is invalid"),
        ({"lifecycle": {"promote_p": 1.5}}, "cfg.toml: lifecycle.promote_p: Input should be less than 1 (got 1.5)"),
        ({"lifecycle": {"review": "maybe"}}, "cfg.toml: lifecycle.review: Input should be 'auto', 'canary' or "
                                             "'required' (got 'maybe')"),
        ({"lifecycle": {"canary_share": 1.5}}, "cfg.toml: lifecycle.canary_share: Input should be less than or equal "
                                               "to 1 (got 1.5)"),
        ({"lifecycle": {"min_updates": 0}}, "cfg.toml: lifecycle.min_updates: Input should be greater than or "
                                            "equal to 1 (got 0)"),
        ({"train": {"formats": ["pdf"]}}, "cfg.toml: train.formats.0: Input should be 'md' or 'html' (got 'pdf')"),
        ({"train": {"stale_after_days": "soon"}}, "cfg.toml: train.stale_after_days: Input should be a valid number"),
        ({"trian": {}}, "cfg.toml: trian: unknown key"),
        ({"train": {"report_folder": "x"}}, "cfg.toml: train.report_folder: unknown key"),
        ({"miner": {"llm": "not a path"}}, "cfg.toml: miner.llm: must be an import path like 'package.module:function' "
                                           "(got 'not a path')"),
        ({"policy": {"enabled": True}}, "cfg.toml: policy: `model` (a local model path) is required when enabled"),
        ({"policy": {"vllm_mode": "remote"}}, "cfg.toml: policy.vllm_mode: Input should be 'colocate' or 'server'"),
    ],
)
def test_errors_name_the_file_the_key_and_the_value(doc: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        config_from_dict(doc, source="cfg.toml")
    message = str(err.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train]\nformats = [md]\n")
    with pytest.raises(ConfigError, match=r"bad.toml: not valid TOML: .*line 2"):
        load_config(bad)


def test_import_callable_errors_are_one_line() -> None:
    assert import_callable("json:dumps", what="miner.llm") is __import__("json").dumps
    with pytest.raises(ConfigError, match=re.escape("miner.llm: cannot import 'no_such_pkg_abc.mod' (No module")):
        import_callable("no_such_pkg_abc.mod:fn", what="miner.llm")
    with pytest.raises(ConfigError, match="has no attribute 'nope'"):
        import_callable("json:nope", what="miner.llm")
    with pytest.raises(ConfigError, match="is not callable"):
        import_callable("json:__doc__", what="miner.llm")


def test_policy_config_defaults_and_import_path() -> None:
    p = PolicyConfig()
    assert (p.enabled, p.lora, p.vllm_mode, p.skill_reward_bonus, p.num_generations) == (
        False, True, "colocate", 1.0, 8,
    )
    with pytest.raises(ValueError, match="import path"):
        PolicyConfig(verifier="verify")


def test_the_cli_reports_a_config_error_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "skillevo.toml"
    path.write_text('[selector]\ndiscount = "fast"\n')
    assert cli_main(["train", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "selector.discount: unknown mode 'fast'" in err and "Traceback" not in err
