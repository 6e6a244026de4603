"""`Evolver.policy_version`: checked like any input, and taken only once the library has it."""

from __future__ import annotations

import pytest

from skillevo import ConfigError, Evolver, LibraryError, SkillLibrary
from skillevo._policy_change import POLICY_VERSION_KEY


@pytest.mark.parametrize("version", [2, b"m@2", "", "m\x00@2", "m\ud800@2"])
def test_a_version_that_is_not_storable_text_is_refused_on_every_backend(store: SkillLibrary, version: object) -> None:
    evo = Evolver(store, miner=None, sandbox=None, policy_version="m@1")
    with pytest.raises(ConfigError, match="policy_version: must be") as info:
        evo.policy_version = version  # type: ignore[assignment]
    assert "\n" not in str(info.value)
    assert evo.policy_version == "m@1"
    evo.policy_version = "m@2"  # the Evolver still works, and announces the next version
    assert store.get_meta(POLICY_VERSION_KEY) == "m@2"
    with pytest.raises(ConfigError, match="policy_version: must be"):
        Evolver(store, miner=None, sandbox=None, policy_version=version)  # type: ignore[arg-type]


def test_a_failed_announcement_keeps_the_old_version_and_can_be_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, miner=None, sandbox=None, policy_version="m@1")
    real = lib.change_meta

    def failing(key: str, value: str) -> bool:
        raise LibraryError("disk full")

    monkeypatch.setattr(lib, "change_meta", failing)
    with pytest.raises(LibraryError, match="disk full"):
        evo.policy_version = "m@2"
    assert evo.policy_version == "m@1"  # not the version the library never heard of
    monkeypatch.setattr(lib, "change_meta", real)
    evo.policy_version = "m@2"  # setting it again announces it now
    assert lib.get_meta(POLICY_VERSION_KEY) == "m@2" and evo.policy_version == "m@2"
