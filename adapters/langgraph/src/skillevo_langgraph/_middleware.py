"""`SkillMiddleware`: skillevo inside ``langchain.agents.create_agent``."""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Literal, NotRequired

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse, PrivateStateAttr
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.errors import GraphBubbleUp
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command, TracePolicy

from skillevo import ConfigError, Evolver
from skillevo.adapters import (
    EpisodeContext,
    IsFailure,
    aabort,
    abort,
    declare_tools,
    guidance_for,
    record_error,
    score_reward,
)

from ._common import (
    EndedRuns,
    add_guidance,
    arun_request,
    last_human,
    run_group_key,
    run_identity,
    run_request,
    task_text,
    tool_names,
)
from ._stopped import RunWatch
from ._trace import Trace, aemit_pending, emit_pending, mark_repairs, policy_args, silent

__all__ = ["SkillMiddleware"]

log = logging.getLogger("skillevo_langgraph")

_KEY = "skillevo_episode"
_MAX_OPEN = 10_000
_HOOKS = ("wrap_model_call", "awrap_model_call", "wrap_tool_call", "awrap_tool_call")


class SkillState(AgentState[Any]):
    """The agent state plus the id of the run's episode (private to the middleware)."""

    skillevo_episode: NotRequired[Annotated[str | None, PrivateStateAttr]]


FinishOn = Literal["final_response", "after_agent"]


class SkillMiddleware(AgentMiddleware[SkillState, Any, Any]):
    """Online skill evolution for a ``create_agent`` agent.

    Each agent run is one episode: its first model call opens it (its id travels in the agent state,
    so any number of concurrent runs can share one middleware), every model call gets the selected
    guidance appended to its system message, every tool call is repaired before it runs when a
    learned repair's precondition holds and repaired-and-retried when it fails, and the episode is
    finished with ``reward(final_state)`` when the run ends.

    Args:
        evo: the Evolver.
        reward: ``fn(state) -> float`` in [0, 1] on the final agent state; ``None`` leaves the
            reward to a later ``evo.feedback(episode_id, reward)`` (the id is in
            ``SkillMiddleware.last_episode_id`` and the ``on_finish`` callback).
        is_failure: a predicate on tool results marking application-level failures in this
            middleware's runs, in place of the Evolver's (which its other users keep).
        catch_tool_errors: turn tool exceptions into error ``ToolMessage``s so the agent goes on (a
            middleware stacked before this one that wraps tool calls gets them instead).
        on_finish: called with the finished ``skillevo.Episode``.
        finish_on: ``"final_response"`` (default): the episode ends with the model's final answer
            (a response without tool calls, or with the structured response), or after a
            ``return_direct`` tool, with the state the agent ends in, and the agent graph gets no
            extra node. ``"after_agent"``: it ends in an ``after_agent`` node, for agents whose
            other middleware change the state after the final answer or jump back to the model
            (it costs a graph step per run).
        trace_policy: LangChain's ``TracePolicy`` for this middleware's hook spans; its
            ``process_inputs`` also shapes the arguments in skillevo's ``skillevo.repair`` trace
            events (``TracePolicy(process_inputs=omit_payload)`` drops them). Without one, the
            process-wide default set by ``configure_trace_policy`` applies.

    Traces: selections, repairs, guidance and the reward are dispatched as LangChain custom events
    (``skillevo.selection``, ``skillevo.repair``, ``skillevo.guidance``, ``skillevo.reward``) from
    the hooks that made them, and added to the current LangSmith run when tracing is on; a
    repaired call's ``ToolMessage`` says what changed in ``response_metadata["skillevo"]``. The
    run's id (the ``run_id`` in the invocation's config, or the LangSmith trace's) is recorded
    with the episode: ``evo.feedback(run_id, reward)`` works with it.
    """

    state_schema = SkillState

    def __new__(cls, *args: Any, finish_on: FinishOn = "final_response", **kwargs: Any) -> SkillMiddleware:
        # create_agent adds an after_agent node only for a class that defines the hook: the choice
        # is made by the instance's class.
        if finish_on == "after_agent" and cls is SkillMiddleware:
            from ._after_agent import AfterAgentSkillMiddleware  # a subclass: imported once built

            cls = AfterAgentSkillMiddleware
        return super().__new__(cls)

    def __init__(
        self,
        evo: Evolver,
        reward: Callable[[dict[str, Any]], float] | None = None,
        is_failure: IsFailure | None = None,
        *,
        catch_tool_errors: bool = True,
        on_finish: Callable[[Any], None] | None = None,
        finish_on: FinishOn = "final_response",
        trace_policy: TracePolicy | None = None,
    ) -> None:
        if finish_on not in ("final_response", "after_agent"):
            raise ConfigError(f"finish_on: expected 'final_response' or 'after_agent' (got {finish_on!r})")
        if not isinstance(evo, Evolver):
            raise ConfigError(f"SkillMiddleware: evo must be a skillevo.Evolver (got {type(evo).__name__})")
        for label, fn in (("reward", reward), ("is_failure", is_failure), ("on_finish", on_finish)):
            if fn is not None and not callable(fn):
                raise ConfigError(f"SkillMiddleware: {label} must be callable or None (got {type(fn).__name__})")
        super().__init__()
        if trace_policy is not None:
            self.trace_policy = trace_policy
        self.finish_on = finish_on
        self.evo = evo
        self.reward = reward
        # Set on each episode this middleware opens: the Evolver's stays for its other users.
        self.is_failure = is_failure
        self.catch_tool_errors = catch_tool_errors
        self.on_finish = on_finish
        self._open: dict[str, EpisodeContext] = {}
        # Each open run's trace (the episode's listener), read by every hook: one dict read.
        self._traces: dict[str, Trace] = {}
        # `_trace_args` bound once: a bound method made per run would live as long as the run.
        self._process_args = self._trace_args
        self._markers: dict[str, str | None] = {}
        self._lock = threading.Lock()
        # Episode id -> the foreign key it was adopted by (see `_adopt`; one adoption per run).
        self._aliases: dict[str, str] = {}
        self._adopting = threading.Lock()
        self._ended_runs = EndedRuns(_MAX_OPEN)  # runs ended here: a late call of one is no resumed run
        # Runs that end after a batch of return_direct tools: episode id -> (calls left, their messages).
        self._direct: dict[str, tuple[int, list[Any]]] = {}
        # The last tool list seen and its return_direct tools' names (one tuple: read and replaced whole,
        # as agents with other tools may share this middleware), and each open run's own such names.
        self._tools_seen: tuple[Any, frozenset[str | None], list[str]] = (None, frozenset(), [])
        self._direct_of: dict[str, frozenset[str | None]] = {}
        self.last_episode_id: str | None = None
        # Runs the caller stopped between two hooks (a closed stream, a cancelled task).
        self._watch = RunWatch(self._stopped, self._failed_with)
        # The exception a tool call raised last in each open run: the run failed with it if it ends there.
        # (its class only: the exception's traceback would keep the whole run alive)
        self._raised: dict[str, type[BaseException]] = {}
        # The exception a model call raised last in each open run, left to an outer middleware that
        # may call the model again in the same step (ModelRetryMiddleware, ModelFallbackMiddleware):
        # episode id -> (its class, the state of the run's first model call when that call raised).
        self._failing: dict[str, tuple[type[BaseException], Any]] = {}
        # LangChain calls every wrap hook through LangSmith's `traceable`, whose sync wrapper computes
        # the hook's `inspect.signature` on each call, traced or not; for a bound method that is slow
        # (it was a large part of this middleware's per-call cost). The instance's hooks are the same
        # methods, bound once, with their signature computed once.
        for hook in _HOOKS:
            bound = functools.partial(getattr(type(self), hook), self)
            bound.__signature__ = inspect.signature(getattr(self, hook))  # type: ignore[attr-defined]
            setattr(self, hook, bound)

    @property
    def name(self) -> str:
        """The node-name prefix in the agent graph."""
        return "SkillMiddleware"

    # ------------------------------------------------------------------ episode bookkeeping

    @staticmethod
    def _messages(state: Any) -> Sequence[Any]:
        messages = state.get("messages") if isinstance(state, dict) else getattr(state, "messages", None)
        return messages or ()

    @staticmethod
    def _ended(state: Any, ep: EpisodeContext, new: Sequence[Any], **extra: Any) -> dict[str, Any]:
        """The state a run ends in: `state` plus the messages of its last step (and `extra` keys)."""
        out: dict[str, Any] = dict(state) if isinstance(state, dict) else {}
        out["messages"] = [*SkillMiddleware._messages(state), *new]
        out.update(extra)
        out[_KEY] = ep.id
        return out

    def _episode(self, state: Any, *, create: bool = False, runtime: Any = None) -> tuple[EpisodeContext | None, bool]:
        """The run's episode; with `create`, open one when the state has none (returns True then)."""
        key: str | None = state.get(_KEY) if isinstance(state, dict) else getattr(state, _KEY, None)
        if not create:
            with self._lock:
                return (self._open.get(key) if key else None), False
        if key is None and self._failing:  # the run's first model call, called again after it raised
            with self._lock:
                retried = next((self._open.get(i) for i, (_, s) in list(self._failing.items()) if s is state), None)
            if retried is not None:
                return retried, True
        # The run's marker: its input message's id (the last human one) tells runs of one thread apart.
        messages = (state.get("messages") or ()) if isinstance(state, dict) else self._messages(state)
        human = last_human(messages)
        marker = human.id if human is not None else None
        with self._lock:
            ep = self._open.get(key) if key else None
            found = ep is not None and self._markers.get(key) == marker  # type: ignore[arg-type]
        if ep is not None and found:  # a later hook of the run, or a run of its thread resuming it
            if key not in self._watch.watched:  # (``Command(resume=...)``)
                self._watch.rewatch(ep.id)
            return ep, False
        if ep is not None and self._watch.in_run(ep.id):
            # The run's own history was rewritten (summarized, trimmed): its input message changed.
            with self._lock:
                self._markers[ep.id] = marker
            return ep, False
        with self._lock:
            stale = self._take(key)[0] if key else None
        if stale is not None:  # an earlier run of this thread that never finished its episode
            abort(stale)
        try:
            group_key = run_group_key()
        except Exception:  # the group key only shapes the GRPO export: the run goes on without it
            log.exception("skillevo: could not read the group key")
            group_key = None
        ep = self.evo.episode(task=task_text(messages), metadata={"group_key": group_key} if group_key else None)
        if self.is_failure is not None:
            ep.is_failure = self.is_failure
        episode_id = ep.id
        trace = Trace(ep, self._process_args)
        try:
            run_id, silent = run_identity(runtime)
            ep.link_run(run_id)
        except Exception:  # the run id is a convenience: the episode id still works
            log.exception("skillevo: could not read the run id")
            silent = False
        self._watch.watch(episode_id, runtime)
        if silent:  # nothing would receive the run's trace events: this invocation's hooks drop them
            trace.silent_in = self._watch.loop_of(episode_id)
        with self._lock:
            self._open[episode_id] = ep
            self._traces[episode_id] = trace
            self._markers[episode_id] = marker
            # Runs that crashed never finish their episodes: keep them from piling up (oldest first).
            dropped = []
            while len(self._open) > _MAX_OPEN:
                old, _ = self._take(next(iter(self._open)))
                if old is not None:
                    dropped.append(old)
        for old in dropped:
            abort(old)
        return ep, True

    def _close(self, state: dict[str, Any]) -> tuple[EpisodeContext | None, float | None]:
        key: str | None = state.get(_KEY)
        with self._lock:
            trace = self._trace_of(key)
            ep = self._take(key)[0] if key else None
        if ep is None:
            return None, None
        self._watch.forget(ep.id)
        try:
            value, error = score_reward(ep, self.reward, state)
        except BaseException:  # an interruption in the reward: recorded as aborted by score_reward
            self._done(ep)
            raise
        if trace is not None and not self._silent(trace):  # (dropped unread when silent: not made)
            trace.reward(value, error)
        return ep, value

    # Dispatch a trace's pending records, dropped unread where it is `silent` (see `_trace`).
    _silent, _emit, _aemit = staticmethod(silent), staticmethod(emit_pending), staticmethod(aemit_pending)

    def _trace_args(self, value: Any) -> Any:
        """Arguments in trace events, shaped by the effective trace policy's ``process_inputs``."""
        return policy_args(self.trace_policy, value)

    def _done(self, ep: EpisodeContext) -> None:
        self.last_episode_id = ep.id
        if self.on_finish is not None:
            try:
                self.on_finish(ep.episode)
            except Exception:
                log.exception("skillevo: on_finish raised")

    def _finish_state(self, state: dict[str, Any]) -> None:
        ep, value = self._close(state)
        if ep is not None:
            try:
                ep.finish(value)
            except Exception as exc:  # the run's own outcome is what the caller must see
                record_error(ep, "finish", exc)
            self._done(ep)

    async def _afinish_state(self, state: dict[str, Any]) -> None:
        ep, value = self._close(state)
        if ep is not None:
            try:
                await ep.afinish(value)
            except Exception as exc:
                record_error(ep, "finish", exc)
            self._done(ep)

    def _aborted(self, ep: EpisodeContext) -> bool:
        """Take `ep` out of the open runs (False when another hook already finished it)."""
        with self._lock:
            found = self._take(ep.id)[0] is not None
        self._watch.forget(ep.id)
        return found

    def _trace_of(self, key: str | None) -> Trace | None:
        """The trace of the run whose state holds `key` (its episode's id, or the key it was adopted by)."""
        ep = self._open.get(key) if key else None
        return self._traces.get(ep.id) if ep is not None else None

    def _take(self, key: str) -> tuple[EpisodeContext | None, type[BaseException] | None]:
        """Take a run out of the open runs with all its bookkeeping (the lock held): its episode, and
        the exception a tool call of it raised last. `key`: the episode's id, or the key it was adopted by."""
        adopted = self._open.get(key)
        episode_id = adopted.id if adopted is not None else key
        alias = self._aliases.pop(episode_id, None)
        if alias is not None:
            self._open.pop(alias, None)
            self._markers.pop(alias, None)
        self._markers.pop(episode_id, None)
        self._traces.pop(episode_id, None)
        self._direct.pop(episode_id, None)
        self._direct_of.pop(episode_id, None)
        self._failing.pop(episode_id, None)
        ep = self._open.pop(episode_id, None)
        if ep is not None:
            self._ended_runs.add(episode_id)
        return ep, self._raised.pop(episode_id, None)

    def _model_failed(self, ep: EpisodeContext, exc: BaseException, state: Any) -> bool:
        """A model call of `ep`'s run raised `exc`: True when the episode is to be recorded as
        aborted now. An ordinary exception may be retried by an outer middleware in the same step:
        it is kept, and the run's loop records the episode as failed when it exits on it (before
        the error reaches the caller). An interruption, or a run whose loop is not found, ends it now.
        `state` is the run's state when this was its first model call (a retry finds it by it)."""
        if isinstance(exc, Exception) and self._watch.in_run(ep.id):
            with self._lock:
                if ep.id in self._open:
                    self._failing[ep.id] = (type(exc), state)
                    return False
        return self._aborted(ep)

    def _failed_with(self, episode_id: str) -> type[BaseException] | None:
        """The exception a model call of the run raised last, when the run went no further."""
        failing = self._failing.get(episode_id)
        return failing[0] if failing is not None else None

    def _stopped(self, ids: list[str], why: type[BaseException] | None = None) -> None:
        """Record the runs that ended without a hook hearing of it (see `RunWatch`) as aborted: by
        `why` (the recursion limit), else by a model call's exception it ended on (whoever hands it
        over first: a stream the garbage collector closed drops its writer before its loop exits),
        else by a tool's exception, else stopped."""
        for episode_id in ids:
            with self._lock:
                failing = self._failing.get(episode_id)
                ep, raised = self._take(episode_id)
            if ep is not None:
                abort(ep, why or (failing[0] if failing else None) or raised)  # failed (reward 0), or stopped
                self._done(ep)

    # ------------------------------------------------------------------ model calls

    def _guided(self, request: ModelRequest[Any]) -> tuple[ModelRequest[Any], EpisodeContext, bool, Trace | None]:
        seen = self._tools_seen
        if request.tools is not seen[0]:  # which tools end the run (read where their calls return)
            direct = frozenset(getattr(t, "name", None) for t in request.tools if getattr(t, "return_direct", False))
            seen = self._tools_seen = (request.tools, direct, tool_names(request.tools))
            declare_tools(self.evo, request.tools)  # schema-aware repairs need each tool's JSON schema
        ep, new = self._episode(request.state, create=True, runtime=request.runtime)
        assert ep is not None
        episode_id = ep.id
        if seen[1]:
            self._direct_of[episode_id] = seen[1]
        if self._raised:
            self._raised.pop(episode_id, None)  # the run went on after a tool's exception
        if self._failing:
            self._failing.pop(episode_id, None)  # the model is called again: the run goes on
        text = guidance_for(ep, seen[2])
        if text:
            request = request.override(system_message=add_guidance(request.system_message, text))
        return request, ep, new, self._traces.get(episode_id)

    @staticmethod
    def _result(response: Any, ep: EpisodeContext) -> Any:
        # The first model call of a run opens its episode and records the id in the agent state
        # (cheaper than a before_agent node; later calls and the tool node read it from there).
        if isinstance(response, AIMessage):
            response = ModelResponse(result=[response])
        return ExtendedModelResponse(model_response=response, command=Command(update={_KEY: ep.id}))

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
        return self._ended(request.state, ep, messages, structured_response=structured)

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> Any:
        """Open the run's episode on its first model call; append the selected guidance to the system
        message; finish the episode at the final answer."""
        try:
            guided, ep, new, trace = self._guided(request)
        except Exception as exc:  # skillevo could not open the run's episode: the run goes on unobserved
            record_error(None, "episode start", exc)
            return handler(request)
        if trace is not None and trace.pending:
            self._emit(trace)
        try:
            response = handler(guided)
        except BaseException as exc:  # the model (or an inner middleware) failed
            if not isinstance(exc, GraphBubbleUp) and self._model_failed(ep, exc, request.state if new else None):
                abort(ep, exc)
                self._done(ep)
            raise
        final = self._final_state(request, response, ep)
        if final is not None:
            self._finish_state(final)
            if trace is not None and trace.pending:
                self._emit(trace)
            return response
        return self._result(response, ep) if new else response

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> Any:
        """Async `wrap_model_call` (the store write and mining at the final answer run in a worker thread)."""
        try:
            guided, ep, new, trace = self._guided(request)
        except Exception as exc:
            record_error(None, "episode start", exc)
            return await handler(request)
        if trace is not None and trace.pending:
            await self._aemit(trace)
        try:
            response = await handler(guided)
        except BaseException as exc:
            if not isinstance(exc, GraphBubbleUp) and self._model_failed(ep, exc, request.state if new else None):
                await aabort(ep, exc)
                self._done(ep)
            raise
        final = self._final_state(request, response, ep)
        if final is not None:
            await self._afinish_state(final)
            if trace is not None and trace.pending:
                await self._aemit(trace)
            return response
        return self._result(response, ep) if new else response

    # ------------------------------------------------------------------ tool calls

    def _direct_batch(self, request: ToolCallRequest, ep: EpisodeContext) -> int:
        """How many calls the run's last batch has when every one of them is to a return_direct tool
        (create_agent then ends the run after them), else 0."""
        if not getattr(request.tool, "return_direct", False):
            return 0
        last = next((m for m in reversed(self._messages(request.state)) if isinstance(m, AIMessage)), None)
        calls = last.tool_calls if last is not None else []
        direct = self._direct_of.get(ep.id, frozenset()) | {request.tool_call.get("name")}
        return len(calls) if calls and all(c.get("name") in direct for c in calls) else 0

    def _after_tool(self, request: ToolCallRequest, ep: EpisodeContext, result: Any) -> dict[str, Any] | None:
        """The final state once the last call of an all-return_direct batch has returned, else None."""
        if self.finish_on != "final_response" or not isinstance(result, ToolMessage) or result.status == "error":
            return None
        n = self._direct_batch(request, ep)
        if not n:
            return None
        with self._lock:
            left, done = self._direct.get(ep.id, (n, []))
            done = [*done, result]
            if left > 1:
                self._direct[ep.id] = (left - 1, done)
                return None
            self._direct.pop(ep.id, None)
        return self._ended(request.state, ep, done)

    def wrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]]
    ) -> ToolMessage | Command[Any]:
        """Repair before the call, repair-and-retry after a failure, never let a tool exception escape."""
        # The run's open episode (`_episode` without `create`, inline: a dict read needs no lock).
        state = request.state
        key: Any = state.get(_KEY) if isinstance(state, dict) else getattr(state, _KEY, None)
        ep = (self._open.get(key) or self._adopt(key, request)) if key else None
        if ep is None:
            return handler(request)
        trace = self._traces.get(ep.id)
        try:
            result: ToolMessage | Command[Any] = run_request(ep, request, handler, self.catch_tool_errors, self)
        except BaseException as exc:
            self._interrupted(ep, exc)
            raise
        if trace is not None and trace.repaired:
            result = mark_repairs(result, trace, str(request.tool_call.get("name") or ""))
        if getattr(request.tool, "return_direct", False):  # the run may end with this call
            final = self._after_tool(request, ep, result)
            if final is not None:
                self._finish_state(final)
        if trace is not None and trace.pending:
            self._emit(trace)
        return result

    def _adopt(self, key: Any, request: ToolCallRequest) -> EpisodeContext | None:
        """The episode of a tool call whose run's state names one this instance never opened (a run
        interrupted in a tool, resumed by another process or instance sharing the checkpointer): its
        resumed part, found by the state's key until a model call writes its id. None: no key, a run
        this instance ended (`EndedRuns`), or it could not open."""
        with self._adopting:
            ep = self._open.get(key) if isinstance(key, str) else None
            if ep is not None or not isinstance(key, str) or key in self._ended_runs:  # (or adopted by a parallel call)
                return ep
            try:
                ep = self._episode(request.state, create=True, runtime=request.runtime)[0]
            except Exception:
                log.exception("skillevo: could not open the resumed run's episode")
                return None
            if ep is None:
                return None
            with self._lock:
                self._open[key], self._markers[key], self._aliases[ep.id] = ep, self._markers.get(ep.id), key
            return ep

    def _interrupted(self, ep: EpisodeContext, exc: BaseException) -> None:
        """A tool call ended by an interruption (KeyboardInterrupt, SystemExit, a cancellation): the
        run is over, so its episode is recorded as aborted. A tool's ordinary exception is left to
        the framework's own handling (the run may go on; if it ends there instead, `_stopped`
        records it as the run's failure), and graph interrupts are not failures."""
        if isinstance(exc, Exception):
            if not isinstance(exc, GraphBubbleUp):
                self._raised[ep.id] = type(exc)
        elif self._aborted(ep):
            abort(ep, exc)
            self._done(ep)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        """Async `wrap_tool_call`."""
        state = request.state
        key: Any = state.get(_KEY) if isinstance(state, dict) else getattr(state, _KEY, None)
        ep = (self._open.get(key) or self._adopt(key, request)) if key else None
        if ep is None:
            return await handler(request)
        trace = self._traces.get(ep.id)
        try:
            result: ToolMessage | Command[Any] = await arun_request(ep, request, handler, self.catch_tool_errors, self)
        except BaseException as exc:
            self._interrupted(ep, exc)
            raise
        if trace is not None and trace.repaired:
            result = mark_repairs(result, trace, str(request.tool_call.get("name") or ""))
        if getattr(request.tool, "return_direct", False):
            final = self._after_tool(request, ep, result)
            if final is not None:
                await self._afinish_state(final)
        if trace is not None and trace.pending:
            await self._aemit(trace)
        return result
