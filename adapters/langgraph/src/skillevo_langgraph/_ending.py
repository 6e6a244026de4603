"""How a `SkillMiddleware` run ends: the state it ends in, at the model's final answer, after the
tool calls create_agent still runs once the run is decided to end (a batch of ``return_direct``
tools; calls beside a structured response), or at a handoff (a tool's
``Command(graph=Command.PARENT)``: a sub-agent handing the conversation to another node of its
parent graph) (a mixin of the middleware, which holds the bookkeeping it reads)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from langchain.agents.middleware import ModelRequest, ModelResponse
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from skillevo.adapters import EpisodeContext

from ._handoff import handed_over, hands_off
from ._trace import Trace, mark_repairs

__all__ = ["KEY", "RunEnds", "without_key"]

KEY = "skillevo_episode"  # the agent state's key holding the run's episode id (private to the middleware)


def without_key(request: ToolCallRequest) -> ToolCallRequest:
    """`request` handing the tool the state it would get without skillevo: the run's state less
    `KEY` (what ``InjectedState`` and ``ToolRuntime.state`` read). The key stays in the graph's
    state for the middleware's other hooks; the state is copied only when it holds the key."""
    state = request.state
    if not isinstance(state, dict) or KEY not in state:
        return request
    try:
        return request.override(state={k: v for k, v in state.items() if k != KEY})
    except Exception:  # a request LangGraph may build otherwise: the call runs as it came
        return request


class RunEnds:
    """The final state of a run, read where its last hook returns."""

    finish_on: str
    _lock: threading.Lock
    # Runs that end after a batch of tool calls: episode id -> (calls left, their messages, whether
    # the run ends after them whatever tools they call: calls beside a structured response).
    _direct: dict[str, tuple[int, list[Any], bool]]
    _direct_of: dict[str, frozenset[str | None]]
    # Runs whose tool handed off to the parent graph: episode id -> the state handed over. The run ends
    # when its loop exits on LangGraph's ``ParentCommand`` (after every call of the batch has returned),
    # and the middleware finishes the episode there with this state (`SkillMiddleware._stopped`).
    _handoffs: dict[str, dict[str, Any]]

    @staticmethod
    def _messages(state: Any) -> Sequence[Any]:
        messages = state.get("messages") if isinstance(state, dict) else getattr(state, "messages", None)
        return messages or ()

    @staticmethod
    def _ended(state: Any, ep: EpisodeContext, new: Sequence[Any], **extra: Any) -> dict[str, Any]:
        """The state a run ends in: `state` plus the messages of its last step (and `extra` keys)."""
        out: dict[str, Any] = dict(state) if isinstance(state, dict) else {}
        out["messages"] = [*RunEnds._messages(state), *new]
        out.update(extra)
        out[KEY] = ep.id
        return out

    def _final_state(self, request: ModelRequest[Any], response: Any, ep: EpisodeContext) -> dict[str, Any] | None:
        """The state the run ends in when `response` is the model's final answer, else None."""
        if self.finish_on != "final_response":
            return None
        # A ModelResponse first: `isinstance` against a message class that does not match is slow.
        if isinstance(response, ModelResponse):
            messages, structured = response.result, response.structured_response
        elif isinstance(response, AIMessage):
            messages, structured = [response], None
        else:  # an inner middleware's command (a jump, a state update): the run may go on
            return None
        if structured is None:
            last = None
            for message in reversed(messages):
                if isinstance(message, AIMessage):
                    last = message
                    break
            if last is None or last.tool_calls:
                return None
            return self._ended(request.state, ep, messages)
        pending = _unanswered(messages)
        if pending:  # create_agent runs the response's other tool calls, then ends the run
            with self._lock:
                self._direct[ep.id] = (pending, [], True)
            return None
        return self._ended(request.state, ep, messages, structured_response=structured)

    def _direct_batch(self, request: ToolCallRequest, ep: EpisodeContext) -> int:
        """How many calls the run's last batch has when every one of them is to a return_direct tool
        (create_agent then ends the run after them), else 0."""
        if not getattr(request.tool, "return_direct", False):
            return 0
        last = next((m for m in reversed(self._messages(request.state)) if isinstance(m, AIMessage)), None)
        calls = last.tool_calls if last is not None else []
        direct = self._direct_of.get(ep.id, frozenset()) | {request.tool_call.get("name")}
        return len(calls) if calls and all(c.get("name") in direct for c in calls) else 0

    def _tool_returned(
        self, request: ToolCallRequest, ep: EpisodeContext, result: Any, trace: Trace | None
    ) -> tuple[Any, dict[str, Any] | None]:
        """(the call's result, with what a repair changed; the state the run ends in after it, or None)."""
        if trace is not None and trace.repaired:
            result = mark_repairs(result, trace, str(request.tool_call.get("name") or ""))
        if hands_off(result):
            self._handed_off(request, ep, result)
        ends = self._direct and ep.id in self._direct  # (a dict read first: most runs end no batch)
        final = self._after_tool(request, ep, result) if ends or getattr(request.tool, "return_direct", False) else None
        return result, final

    def _handed_off(self, request: ToolCallRequest, ep: EpisodeContext, command: Command[Any]) -> None:
        """Keep the state a handoff hands over (`handed_over`); several handoffs of one batch merge in
        the order they return."""
        with self._lock:
            state = self._handoffs.get(ep.id) or self._ended(request.state, ep, [])
            self._handoffs[ep.id] = handed_over(state, command)

    def _after_tool(self, request: ToolCallRequest, ep: EpisodeContext, result: Any) -> dict[str, Any] | None:
        """The final state once the last call of a batch the run ends after has returned, else None.
        create_agent ends the run after an all-return_direct batch whatever its results (an error
        message included), and after the calls beside a structured response."""
        if self.finish_on != "final_response":
            return None
        with self._lock:
            ending = self._direct.get(ep.id)
        n = 0 if ending is not None and ending[2] else self._direct_batch(request, ep)
        if ending is None and not n:
            return None
        with self._lock:
            left, done, always = self._direct.get(ep.id, (n, [], False))
            done = [*done, *_tool_messages(result)]
            if left > 1:
                self._direct[ep.id] = (left - 1, done, always)
                return None
            self._direct.pop(ep.id, None)
        return self._ended(request.state, ep, _in_call_order(self._messages(request.state), done))


def _unanswered(messages: Sequence[Any]) -> int:
    """How many tool calls of the last AI message in `messages` have no tool message there."""
    last = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if last is None or not last.tool_calls:
        return 0
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    return sum(1 for call in last.tool_calls if call.get("id") not in answered)


def _in_call_order(messages: Sequence[Any], done: list[Any]) -> list[Any]:
    """`done` (in the order the parallel calls returned) in the order of the calls, as the graph writes them."""
    last = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    order = {call.get("id"): i for i, call in enumerate(last.tool_calls if last is not None else ())}
    return sorted(done, key=lambda m: order.get(m.tool_call_id, len(order)))


def _tool_messages(result: Any) -> list[Any]:
    """The tool messages a tool call's result adds to the state (a ``Command`` may carry some)."""
    if isinstance(result, ToolMessage):
        return [result]
    update = getattr(result, "update", None)
    messages = update.get("messages") if isinstance(update, dict) else None
    return [m for m in messages if isinstance(m, ToolMessage)] if isinstance(messages, list) else []
