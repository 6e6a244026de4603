"""docs/training.md's recipe for ``--tool-schemas`` from a LangChain agent's tools works, and the
page claims no adapter records schemas unless one does.

Before 2026-12-08 the page said the export reads schemas "when an adapter recorded them there";
neither bundled adapter does, so a LangGraph or CrewAI user got name-only schemas and a warning
with no way shown to do better.
"""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool

from skillevo import Evolver, SkillLibrary
from skillevo.grpo import export_grpo

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = [ROOT / "adapters" / "langgraph" / "src", ROOT / "adapters" / "crewai" / "src"]


@tool
def book(city: str, date: str) -> str:
    """Book a trip to a city on an ISO date (YYYY-MM-DD)."""
    return f"booked {city} on {date}"


def test_doc_names_no_adapter_recording_unless_one_does() -> None:
    text = (ROOT / "docs" / "training.md").read_text()
    records = any("tool_schemas" in p.read_text() for d in ADAPTERS for p in d.rglob("*.py"))
    assert records or "when an adapter recorded them" not in text
    assert "convert_to_openai_tool" in text


def test_langchain_recipe_gives_the_prompt_typed_schemas(tmp_path: Path) -> None:
    schemas = tmp_path / "tools.json"
    with schemas.open("w") as f:
        json.dump([convert_to_openai_tool(t) for t in [book]], f)
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        for _ in range(2):
            with evo.episode(task="Book Oslo") as e:
                e.on_tool_result("book", {"city": "Oslo", "date": "2025-03-04"}, "booked")
                e.finish(reward=1.0)
        result = export_grpo(lib, tmp_path / "out", tool_schemas=json.loads(schemas.read_text()))
    assert not any("list only the tool and argument names" in w for w in result.warnings)
    row = json.loads((tmp_path / "out" / "episodes.jsonl").read_text().splitlines()[0])
    system = row["prompt"][0]["content"]
    assert '"type": "string"' in system and "ISO date" in system
