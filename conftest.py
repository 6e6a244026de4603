"""Test-suite settings shared by every test folder.

Mining runs inline here (``finish()`` mines before it returns), so tests that read what an
episode's failures taught stay deterministic without a ``flush()`` after each run; the
background worker, the production default, has its own tests (tests/test_mining_worker.py).
"""

from __future__ import annotations

from skillevo import _mining_mode

_mining_mode.DEFAULT_MODE = "inline"
