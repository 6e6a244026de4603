"""CrewAI test setup: no telemetry, no first-run tracing prompt, and a private HOME for CrewAI (it
writes under ``$HOME``).

The variables are set before crewai is first imported (here, at collection). HOME and
XDG_DATA_HOME are put back afterwards so the rest of the session keeps the real ones, and are
pointed at the private directory again for each CrewAI test.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator

import pytest

HOME = tempfile.mkdtemp(prefix="skillevo-crewai-home-")
atexit.register(shutil.rmtree, HOME, True)
_PRIVATE = {"HOME": HOME, "XDG_DATA_HOME": HOME}
_saved = {name: os.environ.get(name) for name in _PRIVATE}
os.environ.update(
    CREWAI_DISABLE_TELEMETRY="true",
    OTEL_SDK_DISABLED="true",
    CREWAI_DISABLE_VERSION_CHECK="true",
    CREWAI_TRACING_ENABLED="false",
    # CrewAI's own switch for a suite under test: a fresh HOME is a first-time user to CrewAI, whose
    # first-run trace question (put to nobody) printed a "Tracing Preference Saved" panel after each
    # kickoff its trace listener saw outside an execution (a replay) and wrote the answer under HOME.
    CREWAI_TESTING="true",
    **_PRIVATE,
)
try:
    with warnings.catch_warnings():
        # crewai.rag refuses attribute assignment, so importing its submodules warns (crewai 1.15).
        warnings.filterwarnings("ignore", category=ImportWarning, message=r"Cannot set an attribute on 'crewai")
        import crewai  # noqa: F401
finally:
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _private_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in _PRIVATE.items():
        monkeypatch.setenv(name, value)
    yield
