"""`ScriptedLLM`: a CrewAI ``BaseLLM`` that answers from a Python function, for offline tests and examples.

Imports CrewAI: reached through `skillevo.testing`, which loads it on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from crewai.llms.base_llm import BaseLLM
from pydantic import Field, PrivateAttr

__all__ = ["LLMPolicy", "ScriptedLLM", "last_observation"]

#: ``policy(messages) -> reply``: the messages are CrewAI's (``{"role", "content"}`` dicts); the reply
#: is text, or (``native=True``) a list of OpenAI-style tool calls
LLMPolicy = Callable[[list[dict[str, Any]]], Any]


class ScriptedLLM(BaseLLM):
    """A model whose every reply is ``policy(messages)``; it counts calls and keeps each system message.

    By default it does not offer native function calling, so agents talk to it in CrewAI's ReAct
    text protocol (``Thought:`` / ``Action:`` / ``Action Input:`` / ``Final Answer:``); tool
    results come back as ``Observation:`` in the conversation. With ``native=True`` it does, and the
    policy may return a list of OpenAI-style tool calls
    (``{"id": ..., "function": {"name": ..., "arguments": "<json>"}}``); results come back as
    ``tool`` messages. `last_observation` reads either.
    """

    model: str = "scripted"
    policy: Any = None
    native: bool = False
    calls: int = 0
    systems: list[str] = Field(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, policy: LLMPolicy, **kwargs: Any) -> None:
        kwargs.setdefault("model", "scripted")
        super().__init__(policy=policy, **kwargs)

    def call(
        self,
        messages: str | list[Any],
        tools: list[dict[str, Any]] | None = None,
        callbacks: list[Any] | None = None,
        available_functions: dict[str, Any] | None = None,
        from_task: Any | None = None,
        from_agent: Any | None = None,
        response_model: Any | None = None,
    ) -> Any:
        """The policy's reply to `messages`."""
        msgs: list[dict[str, Any]] = (
            [{"role": "user", "content": messages}] if isinstance(messages, str) else [dict(m) for m in messages]
        )
        with self._lock:
            self.calls += 1
            self.systems.append("\n".join(str(m.get("content", "")) for m in msgs if m.get("role") == "system"))
        reply = self.policy(msgs)
        return reply if self.native and isinstance(reply, list) else str(reply)

    async def acall(
        self,
        messages: str | list[Any],
        tools: list[dict[str, Any]] | None = None,
        callbacks: list[Any] | None = None,
        available_functions: dict[str, Any] | None = None,
        from_task: Any | None = None,
        from_agent: Any | None = None,
        response_model: Any | None = None,
    ) -> Any:
        """Async `call`."""
        return self.call(messages, tools, callbacks, available_functions, from_task, from_agent, response_model)

    def get_input_tokens_count(self, messages: Any, tools: Any = None, response_model: Any = None) -> int:
        """A rough count (four characters a token), without CrewAI's warning about estimating it."""
        text = messages if isinstance(messages, str) else " ".join(str(m.get("content", "")) for m in messages)
        return len(text) // 4 + 1

    def supports_function_calling(self) -> bool:
        """Whether CrewAI should use native tool calls (``native=True``) or the ReAct text protocol."""
        return self.native

    def supports_stop_words(self) -> bool:
        """No stop words: the policy writes exactly what it means."""
        return False


def _reminder_head() -> str:
    """How CrewAI's format reminder starts: it appends the reminder to an observation every few tool
    uses, and the reminder itself shows ``Observation: the result of the action``."""
    from crewai.utilities.i18n import I18N_DEFAULT

    return str(I18N_DEFAULT.slice("tools")).split("{tools}", 1)[0].strip()


def last_observation(messages: list[dict[str, Any]]) -> str | None:
    """The last tool result in the conversation: a ``tool`` message, or the text after the
    ``Observation:`` that follows the last ``Action Input:``, without CrewAI's format reminder
    (None before any tool ran)."""
    for message in reversed(messages):
        content = str(message.get("content", ""))
        if message.get("role") == "tool":
            return content.strip()
        if message.get("role") == "assistant" and "Observation:" in content:
            head = _reminder_head()
            if head and head in content:
                content = content[: content.index(head)]
            if "Observation:" not in content:
                continue
            action = content.rfind("Action Input:")
            start = content.find("Observation:", max(action, 0))
            if start < 0:
                start = content.rfind("Observation:")
            return content[start + len("Observation:") :].strip()
    return None
