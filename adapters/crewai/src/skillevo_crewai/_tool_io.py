"""How CrewAI hands a tool its input and reports its output: the pieces the hooks read and write."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from crewai.utilities.i18n import I18N_DEFAULT

from skillevo.adapters import same_args

__all__ = ["blocked", "format_output", "invoke", "raised_message", "replace_args"]

# CrewAI's text for a tool that raised on every attempt (``tool_usage_exception``): the part before
# the error is a framework constant, so a result that starts with it is a raised call.
_RAISED_PREFIX = I18N_DEFAULT.errors("tool_usage_exception").split("{error}", 1)[0].strip()
_RAISED_SUFFIX = ".\n Tool "


def replace_args(target: MutableMapping[str, Any], args: dict[str, Any]) -> None:
    """Edit CrewAI's ``tool_input`` in place: the dict is the one the call runs with."""
    if same_args(dict(target), args):
        return
    target.clear()
    target.update(args)


def raised_message(result: Any) -> str | None:
    """The error text inside CrewAI's message for a tool that raised, or None for other results."""
    if not isinstance(result, str):
        return None
    text = result.strip()
    if not text.startswith(_RAISED_PREFIX):
        return None
    body = text[len(_RAISED_PREFIX) :].strip()
    return body.split(_RAISED_SUFFIX, 1)[0].strip() or "tool error"


def invoke(tool: Any, args: dict[str, Any]) -> Any:
    """Call a CrewAI structured tool the way CrewAI's tool usage does (arguments outside its schema dropped)."""
    schema = getattr(tool, "args_schema", None)
    if schema is not None and hasattr(schema, "model_json_schema"):
        accepted = schema.model_json_schema().get("properties", {}).keys()
        args = {k: v for k, v in args.items() if k in accepted}
    return tool.invoke(input=args)


def format_output(tool: Any, raw: Any) -> str:
    formatter = getattr(tool, "format_output_for_agent", None)
    return str(formatter(raw)) if callable(formatter) else str(raw)


# CrewAI's result for a call a ``before_tool_call`` hook refused (the same text on every tool path;
# not a translated string): the tool did not run.
_BLOCKED_PREFIX = "Tool execution blocked by hook. Tool: "


def blocked(raw_result: Any) -> bool:
    """Whether a call's raw result is CrewAI's text for a call another hook refused."""
    return isinstance(raw_result, str) and raw_result.startswith(_BLOCKED_PREFIX)
