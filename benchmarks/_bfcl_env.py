"""BFCL multi-turn as an environment: tasks, executable backends, a schema-validating tool layer, state check.

The `bfcl-eval` package (installed with ``--no-deps``; its tool classes need only ``mpmath``) ships
stateful pure-Python backends (file system, messaging, posting, tickets, trading, travel, vehicle
control, math) and the multi-turn data: per task, user turns, each backend's ``initial_config`` and
the ground-truth calls per turn (``possible_answer``). This module:

* loads the tasks (``multi_turn_base`` by default) and the function docs of their backends;
* instantiates fresh backends the way ``bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils``
  does (``Class()`` then ``_load_scenario(deepcopy(config))`` unless stateless), without its
  ``eval`` of call strings: ground-truth calls are parsed with `ast` and run as method calls;
* puts a tool layer in front of them like an agent framework's: each function doc's JSON schema
  becomes a strict pydantic model (extra arguments forbidden, required ones required, JSON types
  not coerced, formats the description documents such as ``YYYY-MM-DD`` enforced), so bad input
  fails with pydantic's ``ValidationError`` as it would through a LangChain tool; exceptions the
  backend raises propagate, and the backends' own ``{"error": ...}`` results come back as results;
* scores an episode like BFCL's state checker: the public attributes of every backend after the
  episode must equal those after replaying the ground truth on fresh backends.
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

__all__ = [
    "Backends",
    "BfclTask",
    "ToolSpec",
    "ValidationError",
    "bfcl_available",
    "load_tasks",
    "parse_call",
]

#: Backends of the multi-turn suite that run offline (web search and memory need network or models).
SUITE_CLASSES = (
    "GorillaFileSystem",
    "MathAPI",
    "MessageAPI",
    "TwitterAPI",
    "TicketAPI",
    "TradingBot",
    "TravelAPI",
    "VehicleControlAPI",
)


def bfcl_available() -> str | None:
    """None when bfcl_eval and what its tool classes import are importable, else the reason."""
    try:
        import bfcl_eval  # noqa: F401
        import mpmath  # noqa: F401
        from bfcl_eval.constants import executable_backend_config  # noqa: F401
    except ImportError as exc:
        return (
            f"bfcl-eval is not installed ({exc}); run `make bench-deps` "
            "(uv pip install --no-deps bfcl-eval==2026.3.23 mpmath)"
        )
    return None


def _data_dir() -> Path:
    import bfcl_eval

    return Path(bfcl_eval.__file__).parent / "data"


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its backend class, function doc (JSON schema) and strict argument model."""

    name: str
    cls: str
    description: str
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    model: type[BaseModel]
    formats: dict[str, str] = field(default_factory=dict)  # argument -> documented format, e.g. YYYY-MM-DD


@dataclass(frozen=True, eq=False)
class BfclTask:
    """One multi-turn task with its ground truth."""

    id: str
    turns: tuple[str, ...]  # the user's message per turn
    initial_config: dict[str, Any]
    classes: tuple[str, ...]
    ground_truth: tuple[tuple[str, ...], ...]  # call strings per turn

    @property
    def text(self) -> str:
        """The task as one line (its first user message)."""
        return " ".join(self.turns[0].split())[:300] if self.turns else self.id


_FORMAT = re.compile(r"\b((?:YYYY|MM|DD|HH|SS)(?:[-/:T ](?:YYYY|MM|DD|HH|SS))+)\b")
_FORMAT_PART = {"YYYY": r"\d{4}", "MM": r"\d{2}", "DD": r"\d{2}", "HH": r"\d{2}", "SS": r"\d{2}"}


def format_regex(fmt: str) -> str:
    """A regex for a documented date/time format such as ``YYYY-MM-DD HH:MM:SS``."""
    parts = re.split(r"(YYYY|MM|DD|HH|SS)", fmt)
    return "^" + "".join(_FORMAT_PART.get(p, re.escape(p)) for p in parts) + "$"


_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "float": float,
    "number": float,
    "boolean": bool,
    "array": list[Any],
    "dict": dict[str, Any],
}


def _spec(cls: str, doc: dict[str, Any]) -> ToolSpec:
    params = doc.get("parameters", {})
    props: dict[str, dict[str, Any]] = dict(params.get("properties", {}))
    required = tuple(params.get("required", []))
    fields: dict[str, Any] = {}
    formats: dict[str, str] = {}
    for arg, schema in props.items():
        py = _JSON_TYPES.get(str(schema.get("type")), Any)
        m = _FORMAT.search(str(schema.get("description", "")))
        constraints: dict[str, Any] = {}
        if m and py is str:
            formats[arg] = m.group(1)
            constraints["pattern"] = format_regex(m.group(1))
        if arg in required:
            fields[arg] = (py, Field(..., **constraints))
        else:
            fields[arg] = (py | None, Field(default=None, **constraints))
    model = create_model(  # type: ignore[call-overload]
        doc["name"], __config__=ConfigDict(strict=True, extra="forbid"), **fields
    )
    return ToolSpec(
        name=doc["name"],
        cls=cls,
        description=str(doc.get("description", "")),
        properties=props,
        required=required,
        model=model,
        formats=formats,
    )


@functools.cache
def tool_specs() -> dict[str, ToolSpec]:
    """Every suite tool by name (tool names are unique across the suite's backends)."""
    from bfcl_eval.constants.executable_backend_config import MULTI_TURN_FUNC_DOC_FILE_MAPPING

    specs: dict[str, ToolSpec] = {}
    for cls in SUITE_CLASSES:
        path = _data_dir() / "multi_turn_func_doc" / MULTI_TURN_FUNC_DOC_FILE_MAPPING[cls]
        for line in path.read_text().splitlines():
            if line.strip():
                doc = json.loads(line)
                specs[doc["name"]] = _spec(cls, doc)
    return specs


def load_tasks(category: str = "multi_turn_base") -> list[BfclTask]:
    """The tasks of one multi-turn category whose backends all run offline."""
    data = _data_dir()
    questions = [json.loads(x) for x in (data / f"BFCL_v4_{category}.json").read_text().splitlines() if x.strip()]
    answers = {
        a["id"]: a["ground_truth"]
        for a in (
            json.loads(x) for x in (data / "possible_answer" / f"BFCL_v4_{category}.json").read_text().splitlines()
        )
        if a
    }
    tasks = []
    for q in questions:
        classes = tuple(q.get("involved_classes", []))
        if not classes or any(c not in SUITE_CLASSES for c in classes) or q["id"] not in answers:
            continue
        turns = tuple(" ".join(m["content"] for m in turn if m.get("role") == "user") for turn in q["question"])
        gt = tuple(tuple(t) for t in answers[q["id"]])
        tasks.append(BfclTask(q["id"], turns, q.get("initial_config", {}), classes, gt))
    return tasks


def parse_call(text: str) -> tuple[str, list[Any], dict[str, Any]]:
    """``name(a, k=v)`` -> (name, positional values, keyword values); literals only, nothing evaluated."""
    node = ast.parse(text.strip(), mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"not a plain call: {text[:80]!r}")
    args = [ast.literal_eval(a) for a in node.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
    return node.func.id, args, kwargs


class Backends:
    """The fresh backend instances of one task, and its tools behind a validating layer."""

    def __init__(self, task: BfclTask) -> None:
        from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING, STATELESS_CLASSES

        self.task = task
        self.instances: dict[str, Any] = {}
        self.methods: dict[str, Callable[..., Any]] = {}
        specs = tool_specs()
        for cls_name in task.classes:
            module = importlib.import_module(CLASS_FILE_PATH_MAPPING[cls_name])
            instance = getattr(module, cls_name)()
            if cls_name not in STATELESS_CLASSES:
                instance._load_scenario(copy.deepcopy(task.initial_config.get(cls_name, {})), long_context=False)
            self.instances[cls_name] = instance
            for name, spec in specs.items():
                if spec.cls == cls_name:
                    self.methods[name] = getattr(instance, name)
        self.tools = tuple(sorted(self.methods))

    def keyword_args(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Positional values of a ground-truth call named by the method's parameters."""
        if not args:
            return dict(kwargs)
        params = [p for p in inspect.signature(self.methods[name]).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        out = {p.name: v for p, v in zip(params, args, strict=False)}
        out.update(kwargs)
        return out

    def call(self, name: str, args: dict[str, Any]) -> Any:
        """Validate `args` against the tool's schema, then run it on the backend.

        Raises:
            KeyError: unknown tool. pydantic.ValidationError: arguments the schema rejects.
            Whatever the backend raises.
        """
        if name not in self.methods:
            raise KeyError(f"unknown tool {name!r}; available: {', '.join(self.tools)}")
        tool_specs()[name].model.model_validate(args)
        return self.methods[name](**args)

    def snapshot(self) -> Backends:
        """A deep copy (to try a call without touching this state)."""
        clone = copy.copy(self)
        clone.instances = copy.deepcopy(self.instances)
        clone.methods = {n: getattr(clone.instances[tool_specs()[n].cls], n) for n in self.methods}
        return clone

    def state(self) -> dict[str, dict[str, Any]]:
        """Public attributes per backend (what BFCL's state checker compares)."""
        return {c: {k: v for k, v in vars(i).items() if not k.startswith("_")} for c, i in self.instances.items()}

    def same_state(self, other: Backends) -> bool:
        """BFCL's state check: every public attribute of every backend equal."""
        mine, theirs = self.state(), other.state()
        return all(mine[c] == theirs[c] for c in theirs)


_GT_CACHE: dict[str, list[list[tuple[str, dict[str, Any]]]]] = {}


def _gt_calls(task: BfclTask) -> list[list[tuple[str, dict[str, Any]]]]:
    hit = _GT_CACHE.get(task.id)
    if hit is not None:
        return hit
    backends = Backends(task)
    turns = []
    for turn in task.ground_truth:
        calls = []
        for text in turn:
            name, args, kwargs = parse_call(text)
            calls.append((name, backends.keyword_args(name, args, kwargs)))
        turns.append(calls)
    _GT_CACHE[task.id] = turns
    return turns


def ground_truth_calls(task: BfclTask) -> list[list[tuple[str, dict[str, Any]]]]:
    """The ground truth as (tool, keyword arguments) per turn (fresh dicts each time)."""
    return [[(n, copy.deepcopy(a)) for n, a in turn] for turn in _gt_calls(task)]


def replay_ground_truth(task: BfclTask) -> tuple[Backends, list[Any]]:
    """Fresh backends after the ground truth, and each call's result (through the tool layer)."""
    backends = Backends(task)
    results = []
    for turn in ground_truth_calls(task):
        for name, args in turn:
            try:
                results.append(backends.call(name, args))
            except Exception as exc:  # the result a caller would see
                results.append(exc)
    return backends, results
