"""The examples in `examples/` run as a new user runs them (offline, from any directory) and show
what they say they show: a repair learned from the agent's own failures, applied in later runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# What each example's output must show (its docstring's claim).
SHOWS = {
    # The trigger as the CLI and the CrewAI example print it, not a Python enum's repr
    # (`<TriggerKind.TOOL_ERROR: 'tool_error'>` before 2026-12-08).
    "langgraph_agent.py": [
        "run  1: 3 model calls",
        "run 30: 2 model calls",
        "book-format-date@1 active",
        "trigger={'kind': 'tool_error', 'tool': 'book', 'error_type': 'format'}",
    ],
    "langgraph_graph.py": ["ainvoke: Done: booked Oslo on 2025-03-04", "When calling `book`: fix the format"],
    # Not "system message now ends with:" and nothing after it (before 2026-12-07): a repair that
    # fixes the call before the model sees the mistake keeps its guidance text out of the prompt.
    "crewai_agent.py": [
        "kickoff 20: 2 model calls",
        "system message: no `book` guidance (the active repair fixes the call before the model sees the mistake)",
        "book-format-date@1 active",
        "episodes recorded",
    ],
}


def test_every_example_is_checked() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(SHOWS)


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_example_runs_and_shows_what_it_says(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for line in SHOWS[name]:
        assert line in proc.stdout, (line, proc.stdout[-3000:])
    assert list(tmp_path.glob("*.db")) == []  # an example's library lives in a temporary directory
