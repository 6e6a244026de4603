"""Source layout rules of STYLE.md that a reviewer should not have to count by hand."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600


def _sources() -> list[Path]:
    trees = [ROOT / "src", *ROOT.glob("adapters/*/src"), *ROOT.glob("integrations/*/src")]
    return sorted(p for tree in trees for p in tree.rglob("*.py"))


def test_the_sources_are_found() -> None:
    assert any(p.name == "_tool_calls.py" for p in _sources())


def test_no_source_file_is_over_600_lines() -> None:
    over = {
        str(p.relative_to(ROOT)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not over, f"split into a private module with one concept: {over}"
