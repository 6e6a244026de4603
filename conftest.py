"""Test-suite settings shared by every test folder.

Mining runs inline here (``finish()`` mines before it returns), so tests that read what an
episode's failures taught stay deterministic without a ``flush()`` after each run; the
background worker, the production default, has its own tests (tests/test_mining_worker.py).
The process's count of repeated store errors (`skillevo._repeats.STORE_ERRORS`) starts afresh in every test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import _mining_mode

_mining_mode.DEFAULT_MODE = "inline"


@pytest.fixture(autouse=True)
def _store_errors_logged_afresh() -> Iterator[None]:
    """Each test sees its first store error logged in full: skillevo counts the store errors of the
    minute after one was logged (one outage, said once), a process-wide state."""
    from skillevo._repeats import STORE_ERRORS

    STORE_ERRORS.reset()
    yield
