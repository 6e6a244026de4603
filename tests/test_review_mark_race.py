"""Two processes recording their review mode on one library at once: the stricter one is kept.

World: two hosts start together on a library never gated, one with ``review="canary"`` and one with
``review="required"`` (or two canaries with different shares). `raise_review` read the mark and
wrote it in separate statements: the canary host read "no mark", the required host wrote
``required``, then the canary host wrote ``canary`` over it (before 2026-12-07: 1 of 1 interleavings
left the library marked ``canary``, so a third process given no mode let unapproved versions act in
canary episodes; likewise a 0.01 share was overwritten by 0.05). Now the read and the write are one
transaction behind a guard row, serialised on SQLite and PostgreSQL: the mark ends ``required`` and
the share the smaller one.

The interleaving is forced: the first process's read of the mark starts the second process's
whole `raise_review` in another thread, and waits for it a moment (it cannot finish where the first
holds the library's write lock: it then finishes after the first commits).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo._review_mode import REVIEW_MODE_KEY, library_review, library_share, raise_review


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "lib.db")
    else:
        yield request.getfixturevalue("pg_url")


def _interleaved(url: str, first: Callable[[SkillLibrary], None], second: Callable[[SkillLibrary], None]) -> None:
    """Run `first` on one library object; the second's whole call lands right after the first's
    first read of the review mark."""
    with SkillLibrary(url) as lib_a, SkillLibrary(url) as lib_b:
        real = lib_a.get_meta
        other: list[threading.Thread] = []

        def get_meta(key: str) -> str | None:
            value = real(key)
            if key == REVIEW_MODE_KEY and not other:
                other.append(threading.Thread(target=second, args=(lib_b,)))
                other[0].start()
                other[0].join(1.0)  # (done at once where nothing serialises the two)
            return value

        lib_a.get_meta = get_meta  # type: ignore[method-assign]
        first(lib_a)
        other[0].join()


def test_a_weaker_mode_written_after_a_stricter_one_does_not_lower_the_mark(url: str) -> None:
    _interleaved(url, lambda lib: raise_review(lib, "canary", 0.05), lambda lib: raise_review(lib, "required"))
    with SkillLibrary(url) as lib:
        assert library_review(lib) == "required"  # before: "canary"


def test_a_larger_share_written_after_a_smaller_one_does_not_widen_the_canary(url: str) -> None:
    _interleaved(url, lambda lib: raise_review(lib, "canary", 0.05), lambda lib: raise_review(lib, "canary", 0.01))
    with SkillLibrary(url) as lib:
        assert library_review(lib) == "canary" and library_share(lib) == 0.01  # before: 0.05
