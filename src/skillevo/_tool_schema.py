"""A framework's tool objects -> their JSON schemas, declared to an Evolver (`declare_tools`).

Reads, by duck typing (no framework imported): a LangChain tool's ``tool_call_schema`` (what the
model sees, injected parameters left out) or ``args_schema``; a CrewAI tool's ``args_schema``; an
MCP tool's ``inputSchema``; a pydantic model class; an OpenAI / Anthropic tool dict (``function.
parameters``, ``parameters``, ``input_schema``). Local ``$ref``s into ``$defs`` (pydantic writes
an ``Enum`` or a nested model that way) are inlined; ``additionalProperties: false`` is kept. A tool
whose schema cannot be read is left out; nothing here raises into the agent's run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

# At run time, not under TYPE_CHECKING: `declare_tools` is public (`skillevo.adapters`), and its
# type hints must resolve there.
from ._conform import standard_types
from ._evolver import Evolver
from ._idcache import IdCache
from ._untrusted import declared_name

__all__ = ["declare_tools", "tool_schema"]

_logger = logging.getLogger("skillevo")
_MAX_DEPTH = 6
#: Nodes a tool's schema may inline to (real tools' schemas hold tens to hundreds).
_MAX_NODES = 5000
_CACHE_MAX = 4096
# tool -> its (name, schema) or None, for the tools still alive (a tool built per request is freed).
_cache: IdCache[tuple[str, dict[str, Any]] | None] = IdCache(_CACHE_MAX)


def _as_json_schema(source: Any) -> Mapping[str, Any] | None:
    if isinstance(source, Mapping):
        return source
    dump = getattr(source, "model_json_schema", None)
    if callable(dump):
        schema = dump()
        return schema if isinstance(schema, Mapping) else None
    return None


class _TooLarge(Exception):
    """A schema that inlines to more than `_MAX_NODES` nodes: the tool is treated as undeclared."""


def _inline(node: Any, defs: Mapping[str, Any], budget: list[int], depth: int = 0) -> Any:
    """`node` with local ``#/$defs/...`` (and ``#/definitions/...``) references replaced by their targets.

    Bounded twice: in depth (a reference cycle), and in nodes (`budget`, shared by the whole
    schema), since a few references that fan out to each other inline to a size exponential in
    their depth: a 4 KB hostile schema would otherwise take seconds and gigabytes.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if depth > _MAX_DEPTH:
        return {}
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
            target = defs.get(ref.rsplit("/", 1)[1])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**(target if isinstance(target, Mapping) else {}), **rest}
            return _inline(merged, defs, budget, depth + 1)
        return {k: _inline(v, defs, budget, depth + 1) for k, v in node.items() if k not in ("$defs", "definitions")}
    if isinstance(node, list):
        return [_inline(v, defs, budget, depth + 1) for v in node]
    return node


def _read(tool: Any) -> tuple[str, dict[str, Any]] | None:
    if isinstance(tool, Mapping):
        inner = tool.get("function")
        fn: Mapping[str, Any] = inner if isinstance(inner, Mapping) else tool
        name = fn.get("name")
        source: Any = fn.get("parameters") or fn.get("input_schema") or fn.get("inputSchema")
    else:
        name = getattr(tool, "name", None)
        source = None
        for attr in ("tool_call_schema", "args_schema", "inputSchema", "input_schema"):
            source = getattr(tool, attr, None)
            if source is not None:
                break
        if source is None and isinstance(tool, type):
            name, source = tool.__name__, tool
    schema = _as_json_schema(source)
    if not isinstance(name, str) or schema is None:
        return None
    if declared_name(name) is None:
        # A tool list is read as a whole: one name that is a sentence (an MCP server's), refused by
        # `register_tools`, would leave every other tool of the list undeclared with it.
        _logger.warning("skillevo: tool name %r is not an identifier; its schema is not declared", name[:80])
        return None
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        found = schema.get(key)
        if isinstance(found, Mapping):
            defs.update(found)
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return None
    required = schema.get("required")
    budget = [_MAX_NODES]
    try:
        # In the form the catalog stores (``float`` read as ``number``), so a declared schema compares
        # equal to the stored one and is registered once, not at every model call.
        inlined = {
            k: standard_types(_inline(v, defs, budget))
            for k, v in props.items()
            if isinstance(k, str) and isinstance(v, Mapping)
        }
    except _TooLarge:
        _logger.warning("skillevo: the schema of tool %r is too large to check arguments against (ignored)", name[:80])
        return None
    out: dict[str, Any] = {
        "properties": inlined,
        "required": [r for r in required if isinstance(r, str)] if isinstance(required, list) else [],
    }
    if _closed(tool, schema):
        out["additionalProperties"] = False
    return name, out


def _closed(tool: Any, schema: Mapping[str, Any]) -> bool:
    """Whether the tool accepts no argument its schema does not declare (``additionalProperties:
    false``; pydantic writes it for ``extra="forbid"``). LangChain's ``tool_call_schema`` is a copy
    of the ``args_schema`` that leaves the flag out: the ``args_schema`` is asked too."""
    if schema.get("additionalProperties") is False:
        return True
    if isinstance(tool, Mapping):
        return False
    declared = _as_json_schema(getattr(tool, "args_schema", None))
    return declared is not None and declared.get("additionalProperties") is False


def tool_schema(tool: Any) -> tuple[str, dict[str, Any]] | None:
    """(name, ``{"properties": ..., "required": ...}``) of a tool object or tool dict, or None.

    Computed once per tool object (LangChain builds ``tool_call_schema`` anew on each read).
    """
    cached = _cache.entries.get(id(tool))  # `IdCache.get`, inline: every tool call asks
    if cached is not None and cached[0]() is tool:
        return cached[1]
    try:
        found = _read(tool)
    except Exception:  # a tool whose schema cannot be built is simply not declared
        found = None
    if not isinstance(tool, Mapping):  # dicts are rebuilt per request: their ids are not stable
        _cache.put(tool, found)
    return found


def declare_tools(evo: Evolver, tools: Iterable[Any]) -> None:
    """Declare the schemas of `tools` (framework tool objects or dicts) that `evo` does not know yet,
    or knows with another schema (an API that moved to a new version).

    Never raises: an adapter calls it on the agent's path.
    """
    try:
        new: dict[str, dict[str, Any]] = {}
        for tool in tools:
            found = tool_schema(tool)
            if found is not None and evo.tools.schema(found[0]) != found[1]:
                new[found[0]] = found[1]
        if new:
            evo.register_tools(new)
    except Exception:
        _logger.exception("skillevo: declaring the tools' schemas failed")
