"""A process starting on a library already marked with its review mode writes nothing to record it.

World: a server restarts its workers on a library gated ``required`` while another process holds the
library's write lock (a long training transaction). Each `Evolver` start recorded its mode through a
guarded transaction even when the mark already said as much (the guard against two hosts lowering
the mark at once): a write, so the start waited for the other writer's lock (before 2026-12-07:
1 guard write per start on a marked library). Now the mark is read first; the guarded write is made
only when this process raises it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary


def _count_writes(lib: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    writes: list[str] = []
    original = lib.set_meta

    def counted(key: str, value: str) -> None:
        writes.append(key)
        original(key, value)

    monkeypatch.setattr(lib, "set_meta", counted)
    return writes


@pytest.mark.parametrize("mode", ["required", "canary"])
def test_a_start_under_the_marked_mode_writes_no_meta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        Evolver(lib, review=mode, sandbox=None)  # gates the library: the mark is written once
    with SkillLibrary(path) as lib:
        writes = _count_writes(lib, monkeypatch)
        evo = Evolver(lib, sandbox=None)  # the library's own mode
        again = Evolver(lib, review=mode, sandbox=None)  # the same mode, said explicitly
        assert writes == []
        assert evo.review == again.review == mode


def test_a_stricter_start_still_raises_the_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        Evolver(lib, review="canary", sandbox=None)
    with SkillLibrary(path) as lib:
        writes = _count_writes(lib, monkeypatch)
        Evolver(lib, review="required", sandbox=None)
        assert "review.mode" in writes
    with SkillLibrary(path) as lib:
        assert Evolver(lib, sandbox=None).review == "required"
