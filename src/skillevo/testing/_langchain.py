"""`ScriptedChatModel`: a LangChain chat model that answers from a Python function, for offline tests.

Imports langchain-core: reached through `skillevo.testing`, which loads it on first use.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

__all__ = ["ChatPolicy", "ScriptedChatModel", "last_tool_message", "tool_call"]

#: ``policy(messages) -> reply``: a reply is an ``AIMessage`` (with ``tool_calls`` to call tools) or text
ChatPolicy = Callable[[Sequence[BaseMessage]], AIMessage | str]

_ids = itertools.count()


class ScriptedChatModel(BaseChatModel):
    """A chat model whose every reply is ``policy(messages)``; it counts calls and keeps each system prompt.

    ``bind_tools`` returns the model itself (the policy knows its tools), so it drops into
    ``create_agent`` or a hand-built graph where a real model would go. It does not stream: LangChain
    delivers the whole reply as one chunk, tool calls included. Safe to call from several threads.
    """

    policy: Any = None
    calls: int = 0
    systems: list[str] = Field(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, policy: ChatPolicy, **kwargs: Any) -> None:
        super().__init__(policy=policy, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "skillevo-scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        """The policy knows the tools: binding changes nothing."""
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            self.calls += 1
            self.systems.append("\n".join(m.text for m in messages if isinstance(m, SystemMessage)))
        reply = self.policy(messages)
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=str(reply))
        return ChatResult(generations=[ChatGeneration(message=message)])


def tool_call(name: str, args: Mapping[str, Any] | None = None, *, call_id: str | None = None) -> AIMessage:
    """A reply that calls tool `name` with `args` (a fresh call id unless `call_id` is given)."""
    call = {"name": name, "args": dict(args or {}), "id": call_id or f"call_{next(_ids)}", "type": "tool_call"}
    return AIMessage(content="", tool_calls=[call])


def last_tool_message(messages: Sequence[BaseMessage]) -> ToolMessage | None:
    """The latest tool result in the conversation (``.status == "error"`` for a failed call), or None."""
    return next((m for m in reversed(messages) if isinstance(m, ToolMessage)), None)
