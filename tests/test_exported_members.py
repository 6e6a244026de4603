"""`skillevo.__all__` and the public submodules are the contract: a change to them must be deliberate."""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import typing
from types import ModuleType

import pydantic
import pytest

import skillevo
import skillevo.adapters
import skillevo.extend
import skillevo.grpo
import skillevo.testing

PUBLIC = {
    # the engine and its library
    "Evolver", "EpisodeContext", "GroupContext", "SkillLibrary", "current_episode",
    # configuration
    "LifecycleConfig", "PolicyConfig", "SkillevoConfig", "load_config",
    # skills, and what a user writes into a library
    "NULL_ARM", "ArgCondition", "Origin", "Repair", "Skill", "SkillVersion", "Strategy", "Trigger",
    "TriggerKind", "VersionStatus",
    # the operations of a Repair
    "Affix", "ChangeCase", "CoerceArg", "ConformArg", "DropArg", "MapValue", "Pad", "ReformatDate", "RenameArg",
    "Retry", "SetArg", "Strip",
    # what was recorded
    "Applied", "Episode", "Event", "EventKind", "PosteriorState",
    # the extension points and their defaults
    "LLMMiner", "Miner", "ProcessSandbox", "Proposal", "RuleMiner", "Sandbox", "Selector", "SkillStore",
    "ThompsonSelector",
    # review and the nightly job
    "LibraryDiff", "TrainLockedError", "TrainReport", "library_diff", "run_train",
    # errors
    "ConfigError", "LibraryError", "MinerError", "NotFoundError", "SandboxError", "SandboxNotRun", "SandboxUnavailable",
    "SchemaVersionError", "SkillFormatError", "SkillevoError",
    "__version__",
}  # fmt: skip

#: engine internals that used to be exported: reachable from their private modules only
INTERNAL = {
    "CheckResult", "Failure", "Lifecycle", "Transition", "check_proposal", "detect_failure", "error_signature",
    "quote_untrusted", "redact",
}  # fmt: skip

PUBLIC_MODULES = [skillevo, skillevo.adapters, skillevo.extend, skillevo.grpo, skillevo.testing]


def _names(module: ModuleType) -> list[str]:
    """`module`'s exports, less the framework fakes of skillevo.testing (tested where the framework is)."""
    lazy = getattr(module, "_LAZY", {})
    return [name for name in module.__all__ if name not in lazy]


def test_public_surface_is_pinned() -> None:
    assert set(skillevo.__all__) == PUBLIC
    assert len(skillevo.__all__) == len(PUBLIC)
    assert not INTERNAL & set(skillevo.__all__)
    assert not any(hasattr(skillevo, name) for name in INTERNAL)


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_every_exported_name_exists_and_is_documented(module: ModuleType) -> None:
    assert module.__doc__
    for name in _names(module):
        obj = getattr(module, name)
        if isinstance(obj, type) or inspect.isfunction(obj):
            assert obj.__doc__, f"{module.__name__}.{name}"


def _exported_classes_and_functions() -> list[tuple[ModuleType, str, object]]:
    found = []
    for module in PUBLIC_MODULES:
        for name in _names(module):
            obj = getattr(module, name)
            if (isinstance(obj, type) or inspect.isfunction(obj)) and obj.__module__.startswith("skillevo"):
                found.append((module, name, obj))
    return found


def test_public_names_show_their_public_module() -> None:
    assert repr(skillevo.Evolver) == "<class 'skillevo.Evolver'>"
    assert skillevo.current_episode.__module__ == "skillevo"
    assert skillevo.extend.import_callable.__module__ == "skillevo.extend"
    assert skillevo.grpo.GrpoExport.__module__ == "skillevo.grpo"
    for module, name, obj in _exported_classes_and_functions():
        # the first public module that exports it, and where it can be imported from under that name
        assert not obj.__module__.startswith("skillevo._"), f"{module.__name__}.{name}"  # type: ignore[attr-defined]
        assert getattr(importlib.import_module(obj.__module__), name) is obj  # type: ignore[attr-defined]


def test_type_hints_and_pydantic_still_resolve_under_the_public_name() -> None:
    for _module, name, obj in _exported_classes_and_functions():
        typing.get_type_hints(obj, include_extras=True)
        if isinstance(obj, type) and issubclass(obj, pydantic.BaseModel):
            obj.model_rebuild(force=True)
            assert obj.model_json_schema()["title"] == name
    assert typing.get_type_hints(skillevo.Repair)["precondition"] == list[skillevo.ArgCondition] | None


def test_exported_models_pickle_by_their_public_name() -> None:
    repair = skillevo.Repair(
        ops=[skillevo.ReformatDate(arg="date", from_format="%m/%d/%Y"), skillevo.SetArg(arg="n", value=2)],
        precondition=[skillevo.ArgCondition(arg="date", regex=r"\d\d/\d\d/\d{4}")],
    )
    trigger = skillevo.Trigger(kind=skillevo.TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD")
    values = [
        repair,
        trigger,
        skillevo.Strategy(guidance="Send ISO dates.", repair=repair),
        skillevo.TriggerKind.TOOL_ERROR,
        skillevo.VersionStatus.ACTIVE,
        skillevo.LifecycleConfig(),
        skillevo.ConfigError("bad"),
    ]
    for value in values:
        data = pickle.dumps(value)
        assert b"skillevo._" not in data, type(value).__name__
        back = pickle.loads(data)
        assert type(back) is type(value)
        if not isinstance(value, Exception):
            assert back == value
            assert copy.deepcopy(value) == value
