"""A ``[miner].llm`` that cannot be imported is one line naming the file and the key, as
docs/train.md says of every mistake in ``skillevo.toml`` (``skillevo.toml: miner.llm: ...``).

Before 2026-12-08 the line read ``miner.llm: cannot import ...``: the only config mistake whose
message did not say which file held it (the job is usually run from cron, far from the file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import ConfigError, SkillLibrary, load_config, run_train


def test_unimportable_llm_names_the_config_file(tmp_path: Path) -> None:
    SkillLibrary(tmp_path / "skillevo.db").close()
    path = tmp_path / "skillevo.toml"
    path.write_text('[miner]\nllm = "no_such_module_for_skillevo:complete"\n')
    cfg = load_config(path)
    with pytest.raises(ConfigError) as err:
        run_train(cfg, dry_run=True)
    assert str(err.value).startswith("skillevo.toml: miner.llm: cannot import 'no_such_module_for_skillevo'")
    assert "\n" not in str(err.value)
