"""How the GRPO export forms its groups and which tools its prompts describe.

A GRPO group is a set of rollouts whose rewards are compared with each other. Exact task text makes
a poor group: a templated task ("Book a flight to Oslo on 4 March", "... to Rome on 1 May") never
repeats word for word, so every group would hold one episode and every advantage would be 0. The
export groups an episode, in this order, by:

1. its within-group comparison's id (``evo.group(...)``: the caller said these are one group);
2. a key the caller gave it (``metadata["group_key"]``, or another metadata field named by the
   caller), taken as is;
3. its task *template*: the task text with every value generalised to its shape (`task_template`),
   under one policy version (rewards of different policies are not comparable).

The prompts describe the tools the agent had: the schemas the caller passes in, else the schemas an
adapter recorded with the episode (``metadata["tool_schemas"]``), else the tool names and argument
names seen in the group's recorded calls.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._errors import ConfigError
from ._models import Episode, Event, EventKind

__all__ = [
    "DEFAULT_GROUP_KEY",
    "TOOL_SCHEMAS_KEY",
    "derived_tools",
    "group_of",
    "normalise_tool_schemas",
    "size_histogram",
    "task_template",
    "tools_message",
]

#: The episode metadata field read as a caller's group key.
DEFAULT_GROUP_KEY = "group_key"
#: The episode metadata field an adapter may record the agent's tool schemas in.
TOOL_SCHEMAS_KEY = "tool_schemas"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+\d{4})?"

# Order matters: a shape that contains another (an e-mail contains a name, a date contains numbers)
# is replaced first. Each pattern names the placeholder it leaves.
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("<url>", re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)),
    ("<email>", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("<quoted>", re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|`[^`\n]*`|(?<!\w)'[^'\n]+'(?!\w)")),
    (
        "<date>",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
            r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
            rf"|\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b"
            rf"|\b{_WEEKDAY}{_MONTH}\s+{_DAY}{_YEAR}\b"
            rf"|\b{_MONTH}\s+\d{{4}}\b",
            re.IGNORECASE,
        ),
    ),
    ("<time>", re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?!\w)|\b\d{1,2}\s*[ap]m\b", re.IGNORECASE)),
    # An identifier: one token mixing letters and digits (C12345, #W6067464, F1, ab12-cd34).
    ("<id>", re.compile(r"#?\b(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w-]+\b")),
    ("<num>", re.compile(r"[$€£¥]?\b\d+(?:[.,]\d+)*\b%?|#\d+")),
    # A code: an all-capitals word (an airport, a currency, a ticker).
    ("<code>", re.compile(r"\b[A-Z]{2,5}\b")),
)
# A run of capitalised words; mid-sentence it is a name (a city, a person, a product).
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’]+(?:[ \t]+[A-Z][a-z'’]+)*\b")
_SENTENCE_END = frozenset(".!?:;\n\"'“‘(")


def _names(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        before = text[: m.start()].rstrip()
        if before and before[-1] not in _SENTENCE_END:
            return "<name>"
        # The first word starts a sentence; capitalised words after it are a name.
        first, _, rest = m.group(0).partition(" ")
        return f"{first} <name>" if rest.strip() else first

    return _CAPITALISED.sub(repl, text)


def task_template(text: str) -> str:
    """`text` with its values generalised to their shapes, so instances of one template compare equal.

    URLs, e-mail addresses, quoted strings, dates (ISO, numeric, and written out in English),
    times, identifiers (tokens mixing letters and digits), numbers, all-capitals codes and
    capitalised names in mid-sentence become ``<url>``, ``<email>``, ``<quoted>``, ``<date>``,
    ``<time>``, ``<id>``, ``<num>``, ``<code>`` and ``<name>``; whitespace is collapsed.

    >>> task_template("Book a flight to Oslo on 2025-03-04 for C12345.")
    'Book a flight to <name> on <date> for <id>.'
    """
    out = " ".join(text.split())
    for placeholder, pattern in _SHAPES:
        out = pattern.sub(placeholder, out)
    return _names(out)


def group_of(episode: Episode, group_key: str = DEFAULT_GROUP_KEY) -> tuple[str, str, str]:
    """The group an episode falls into: ``(group id, how it was formed, the task's template)``.

    How: ``"group"`` (a within-group comparison), ``"key"`` (the metadata field `group_key`) or
    ``"template"``.
    """
    template = task_template(episode.task)
    if episode.group_id:
        return episode.group_id, "group", template
    key = episode.metadata.get(group_key) if group_key else None
    if isinstance(key, str | int | float) and not isinstance(key, bool) and str(key).strip():
        return f"key:{str(key).strip()}", "key", template
    # Rewards are comparable only for the same template under the same policy.
    digest = hashlib.sha256(f"{episode.policy_version or ''}\x00{template}".encode()).hexdigest()[:16]
    return f"tpl-{digest}", "template", template


def size_histogram(sizes: Iterable[int]) -> dict[str, int]:
    """How many groups have each size, smallest first (keys are sizes as strings, for JSON)."""
    counts = Counter(sizes)
    return {str(size): counts[size] for size in sorted(counts)}


# --------------------------------------------------------------------------- tool schemas


def _schema_of(name: str, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: the schema of tool {name!r} must be a JSON object (got {type(value).__name__})")
    if isinstance(value.get("function"), Mapping):  # OpenAI / Hugging Face: {"type": "function", "function": {...}}
        value = value["function"]
    if "parameters" in value or "input_schema" in value or "description" in value or "name" in value:
        params = value.get("parameters", value.get("input_schema", {"type": "object", "properties": {}}))
        description = value.get("description") or ""
    else:  # a bare JSON schema of the arguments
        params, description = value, ""
    if not isinstance(params, Mapping) or not isinstance(description, str):
        raise ConfigError(f"{where}: tool {name!r}: 'parameters' must be a JSON schema object, 'description' text")
    return {"name": name, "description": description, "parameters": dict(params)}


def normalise_tool_schemas(schemas: Any, where: str = "tool_schemas") -> dict[str, dict[str, Any]]:
    """Tool schemas in any common shape, as ``{name: {"name", "description", "parameters"}}``.

    Accepts a list of tool objects (OpenAI / Hugging Face ``{"type": "function", "function": {...}}``,
    ``{"name", "description", "parameters"}``, Anthropic's ``input_schema``) or a mapping from tool
    name to such an object or to the JSON schema of its arguments.

    Raises:
        ConfigError: a schema is not of one of these shapes.
    """
    out: dict[str, dict[str, Any]] = {}
    if isinstance(schemas, Mapping):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in schemas.items()]
    elif isinstance(schemas, Sequence) and not isinstance(schemas, str | bytes):
        items = []
        for item in schemas:
            inner = item.get("function", item) if isinstance(item, Mapping) else None
            name = inner.get("name") if isinstance(inner, Mapping) else None
            if not isinstance(name, str) or not name:
                raise ConfigError(f"{where}: every tool in the list needs a 'name'")
            items.append((name, item))
    else:
        raise ConfigError(f"{where}: expected a list of tools or a mapping of tool name to schema")
    for name, value in items:
        out[name] = _schema_of(name, value, where)
    return dict(sorted(out.items()))


def derived_tools(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """What recorded calls tell of the tools: each tool's name and the argument names it was called with."""
    args: dict[str, dict[str, None]] = {}
    for ev in events:
        if ev.kind not in (EventKind.TOOL_CALL, EventKind.TOOL_ERROR, EventKind.TOOL_RESULT) or not ev.tool:
            continue
        seen = args.setdefault(ev.tool, {})
        called = ev.data.get("args")
        if isinstance(called, Mapping):
            seen.update(dict.fromkeys(str(k) for k in called))
    return {
        name: {
            "name": name,
            "description": "",
            "parameters": {"type": "object", "properties": {arg: {} for arg in sorted(names)}},
        }
        for name, names in sorted(args.items())
    }


def tools_message(tools: Sequence[Mapping[str, Any]]) -> str:
    """The tools as the prompt shows them: one JSON schema per line, in the chat-template tool format."""
    if not tools:
        return ""
    lines = [json.dumps({"type": "function", "function": dict(t)}, ensure_ascii=False, sort_keys=True) for t in tools]
    return "You can call these tools (JSON schemas):\n" + "\n".join(lines)
