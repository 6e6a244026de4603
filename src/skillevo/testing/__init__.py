"""Test doubles for your own tests: a library in memory, a selector without chance, scripted miners
and scripted chat models, all offline and deterministic.

Core (no framework needed):

* `memory_library`: an in-memory SQLite `skillevo.SkillLibrary`, optionally holding skills you
  give it, active by default so an `Evolver` uses them at once.
* `FixedSelector`: always applies a live version (or, with ``apply=False``, the "no skill" arm
  whenever it is offered) and learns nothing; it records every reward it is given in ``updates``.
* `ScriptedMiner`: proposes what you tell it to (a list, or a function of the episode's events).

Framework models (each imports its framework when first used, and says what to install if missing):

* `ScriptedChatModel` (LangChain ``BaseChatModel``; ``pip install skillevo-langgraph``): every reply
  is ``policy(messages)``; `tool_call` builds a reply that calls a tool, `last_tool_message`
  reads the latest tool result.
* `ScriptedLLM` (CrewAI ``BaseLLM``; ``pip install skillevo-crewai``): every reply is
  ``policy(messages)`` in CrewAI's ReAct text protocol, or native tool calls with ``native=True``;
  `last_observation` reads the latest tool result.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._surface import present_as
from ._fakes import FixedSelector, ScriptedMiner, memory_library

if TYPE_CHECKING:
    from ._crewai import LLMPolicy, ScriptedLLM, last_observation
    from ._langchain import ChatPolicy, ScriptedChatModel, last_tool_message, tool_call

__all__ = [
    "ChatPolicy",
    "FixedSelector",
    "LLMPolicy",
    "ScriptedChatModel",
    "ScriptedLLM",
    "ScriptedMiner",
    "last_observation",
    "last_tool_message",
    "memory_library",
    "tool_call",
]

#: name -> (submodule, the framework it imports, what to install)
_LAZY = {
    "ChatPolicy": ("_langchain", "LangChain", "skillevo-langgraph"),
    "ScriptedChatModel": ("_langchain", "LangChain", "skillevo-langgraph"),
    "last_tool_message": ("_langchain", "LangChain", "skillevo-langgraph"),
    "tool_call": ("_langchain", "LangChain", "skillevo-langgraph"),
    "LLMPolicy": ("_crewai", "CrewAI", "skillevo-crewai"),
    "ScriptedLLM": ("_crewai", "CrewAI", "skillevo-crewai"),
    "last_observation": ("_crewai", "CrewAI", "skillevo-crewai"),
}


def __getattr__(name: str) -> Any:
    # The framework fakes load on first use, so `import skillevo.testing` never imports a framework.
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    submodule, framework, package = _LAZY[name]
    try:
        module = importlib.import_module(f"{__name__}.{submodule}")
    except ImportError as exc:
        raise ImportError(
            f"skillevo.testing.{name} needs {framework} ({exc.name or exc}): pip install {package}"
        ) from exc
    value = getattr(module, name)
    present_as(__name__, vars(module), [n for n, (sub, _, _) in _LAZY.items() if sub == submodule])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


present_as(__name__, globals(), ["FixedSelector", "ScriptedMiner", "memory_library"])
