"""``skillevo export grpo --group-key`` naming a field no episode has. The demo's episodes carry
``group_key``; a user who typed ``--group-key family`` (or ``groupkey``) got 79 groups in place of
9, grouped by task template, with only the generic "groups of one" warning: nothing said the key
was never found (1 of 1 mistyped keys unnoticed). The export now warns, in its output and the
manifest, when no rewarded episode has the field it was told to group by; a key that some
episodes hold, the default key (most callers set none) and ``''`` warn nothing of the kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillevo import Episode, SkillLibrary
from skillevo._grpo import export_grpo
from skillevo.cli import main


def _library(path: Path) -> Path:
    with SkillLibrary(str(path)) as lib:
        for i, cohort in enumerate(["refund", "refund", "book", "book"]):
            lib.save_episode(Episode(task=f"Task number {i} for C1000{i}.", reward=float(i % 2),
                                     metadata={"cohort": cohort}))
    return path


def test_a_group_key_no_episode_has_is_named_in_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _library(tmp_path / "lib.db")
    out = tmp_path / "grpo"
    assert main(["export", "grpo", str(out), "--group-key", "cohrot", "--db", str(db)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "warning: group key 'cohrot': no rewarded episode's metadata has" in printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any("'cohrot'" in w for w in manifest["warnings"])


@pytest.mark.parametrize("key", ["cohort", "group_key", ""])
def test_a_key_episodes_have_the_default_key_or_none_warn_nothing_about_it(key: str, tmp_path: Path) -> None:
    db = _library(tmp_path / "lib.db")
    with SkillLibrary(str(db)) as lib:
        result = export_grpo(lib, tmp_path / "grpo", group_key=key)
    assert not [w for w in result.warnings if "no rewarded episode's metadata has" in w]
