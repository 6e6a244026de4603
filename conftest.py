"""Test-suite settings shared by every test folder.

Mining runs inline here (``finish()`` mines before it returns), so tests that read what an
episode's failures taught stay deterministic without a ``flush()`` after each run; the
background worker, the production default, has its own tests (tests/test_mining_worker.py).
The process's counts of repeated store errors and faults (`skillevo._repeats.STORE_ERRORS`, `FAULTS`)
start afresh in every test.
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
    from skillevo._repeats import FAULTS, STORE_ERRORS

    STORE_ERRORS.reset()
    FAULTS.reset()  # (the same for a fault of skillevo's own: each test's first is logged in full)
    yield
