"""Tools the contract tests run with and without skillevo (one that answers, one whose failure
LangChain turns into an error message, one that raises), and the faults they put in skillevo's steps."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import StructuredTool, ToolException, tool


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def _fragile(x: int) -> str:
    """Fails on odd numbers (LangChain turns the failure into an error message)."""
    if x % 2:
        raise ToolException(f"odd {x}")
    return f"even {x}"


fragile = StructuredTool.from_function(_fragile, name="fragile", handle_tool_error=True)


@tool
def raiser(x: int) -> str:
    """Always raises."""
    raise ValueError(f"bad {x}")


def tool_call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    """A model's tool call."""
    return {"name": name, "args": args, "id": call_id}


def boom(*args: Any, **kwargs: Any) -> Any:
    """A step of skillevo's that fails."""
    raise RuntimeError("skillevo internal fault")


async def aboom(*args: Any, **kwargs: Any) -> Any:
    """An async step of skillevo's that fails."""
    raise RuntimeError("skillevo internal fault")
