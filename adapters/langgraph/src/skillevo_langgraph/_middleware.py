"""`SkillMiddleware`: skillevo inside ``langchain.agents.create_agent``."""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, NotRequired

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse, PrivateStateAttr
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.errors import GraphBubbleUp, ParentCommand
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
from ._ending import KEY, RunEnds, without_key
from ._stopped import RunWatch
from ._trace import Trace, aemit_pending, emit_pending, policy_args, silent

__all__ = ["SkillMiddleware"]

log = logging.getLogger("skillevo_langgraph")

_KEY = KEY
_MAX_OPEN = 10_000
_HOOKS = ("wrap_model_call", "awrap_model_call", "wrap_tool_call", "awrap_tool_call")


class SkillState(AgentState[Any]):
    """The agent state plus the id of the run's episode (private to the middleware)."""

    skillevo_episode: NotRequired[Annotated[str | None, PrivateStateAttr]]


FinishOn = Literal["final_response", "after_agent"]


class SkillMiddleware(RunEnds, AgentMiddleware[SkillState, Any, Any]):
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
        # Runs that end after a batch of tool calls (see `RunEnds._after_tool`).
        self._direct: dict[str, tuple[int, list[Any], bool]] = {}
        # The last tool list seen and its return_direct tools' names (one tuple: read and replaced whole,
        # as agents with other tools may share this middleware), and each open run's own such names.
        self._tools_seen: tuple[Any, frozenset[str | None], list[str]] = (None, frozenset(), [])
        self._direct_of: dict[str, frozenset[str | None]] = {}
        self._handoffs: dict[str, dict[str, Any]] = {}  # runs handing off to the parent graph: their state
        self.last_episode_id: str | None = None
        # Runs the caller stopped between two hooks (a closed stream, a cancelled task).
        # (its episodes open at exit: an adopted run's once, by its own id; `list` copies in one step)
        self._watch = RunWatch(self._stopped, self._failed_with, lambda: {ep.id for ep in list(self._open.values())})
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
        self._handoffs.pop(episode_id, None)
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
        else by a tool's exception, else stopped. A run that handed off to the parent graph (`why`:
        ``ParentCommand``) is finished with the state it handed over (stopped, where no tool did)."""
        handoff = why is not None and issubclass(why, ParentCommand)
        why = None if handoff else why
        for episode_id in ids:
            if handoff and (handed := self._handoffs.get(episode_id)) is not None:
                self._finish_state(handed)
                continue
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

    # Every hook keeps what skillevo does around the framework's own call (the model's, the tool's)
    # apart from it: an error of skillevo's there is recorded on the episode (`record_error`) and the
    # hook goes on as if skillevo were not there, with the framework's own result or exception.

    def _emit_guarded(self, ep: EpisodeContext | None, trace: Trace | None) -> None:
        if trace is not None and trace.pending:
            try:
                self._emit(trace)
            except Exception as exc:
                record_error(ep, "trace events", exc)

    async def _aemit_guarded(self, ep: EpisodeContext | None, trace: Trace | None) -> None:
        if trace is not None and trace.pending:
            try:
                await self._aemit(trace)
            except Exception as exc:
                record_error(ep, "trace events", exc)

    def _model_raised(self, ep: EpisodeContext, exc: BaseException, state: Any) -> bool:
        """True when the run's episode is to be recorded as aborted by the model call's `exc` now."""
        try:
            return not isinstance(exc, GraphBubbleUp) and self._model_failed(ep, exc, state)
        except Exception as error:  # the model's own exception is what goes on
            record_error(ep, "model call failed", error)
            return False

    def _answered(self, request: ModelRequest[Any], response: Any, ep: EpisodeContext, new: bool) -> tuple[Any, bool]:
        """(what the hook returns, whether the run ended): the episode's id in the state of a new run,
        the episode finished at the final answer."""
        final = self._final_state(request, response, ep)
        if final is not None:
            self._finish_state(final)
            return response, True
        return (self._result(response, ep) if new else response), False

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
        self._emit_guarded(ep, trace)
        try:
            response = handler(guided)
        except BaseException as exc:  # the model (or an inner middleware) failed
            if self._model_raised(ep, exc, request.state if new else None):
                abort(ep, exc)
                self._done(ep)
            raise
        try:
            answer, ended = self._answered(request, response, ep, new)
        except Exception as exc:
            record_error(ep, "model response", exc)
            return response
        if ended:
            self._emit_guarded(ep, trace)
        return answer

    async def _aanswered(
        self, request: ModelRequest[Any], response: Any, ep: EpisodeContext, new: bool
    ) -> tuple[Any, bool]:
        final = self._final_state(request, response, ep)
        if final is not None:
            await self._afinish_state(final)
            return response, True
        return (self._result(response, ep) if new else response), False

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> Any:
        """Async `wrap_model_call` (the store write and mining at the final answer run in a worker thread)."""
        try:
            guided, ep, new, trace = self._guided(request)
        except Exception as exc:
            record_error(None, "episode start", exc)
            return await handler(request)
        await self._aemit_guarded(ep, trace)
        try:
            response = await handler(guided)
        except BaseException as exc:
            if self._model_raised(ep, exc, request.state if new else None):
                await aabort(ep, exc)
                self._done(ep)
            raise
        try:
            answer, ended = await self._aanswered(request, response, ep, new)
        except Exception as exc:
            record_error(ep, "model response", exc)
            return response
        if ended:
            await self._aemit_guarded(ep, trace)
        return answer

    # ------------------------------------------------------------------ tool calls

    def _run_of(self, request: ToolCallRequest) -> EpisodeContext | None:
        """The open episode of a tool call's run (`_episode` without `create`, inline: a dict read needs no lock)."""
        state = request.state
        key: Any = state.get(_KEY) if isinstance(state, dict) else getattr(state, _KEY, None)
        return (self._open.get(key) or self._adopt(key, request)) if key else None

    def wrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]]
    ) -> ToolMessage | Command[Any]:
        """Repair before the call, repair-and-retry after a failure, never let a tool exception escape."""
        try:
            ep = self._run_of(request)
        except Exception as exc:
            record_error(None, "tool call", exc)
            ep = None
        # The tool (and the hooks inside this one) get the state without skillevo's private key.
        call = without_key(request)
        if ep is None:
            return handler(call)
        trace = self._traces.get(ep.id)
        try:
            result: ToolMessage | Command[Any] = run_request(ep, call, handler, self.catch_tool_errors, self)
        except BaseException as exc:
            self._tool_raised(ep, exc)
            raise
        try:
            result, final = self._tool_returned(request, ep, result, trace)
            if final is not None:  # the run ends with this call (return_direct)
                self._finish_state(final)
        except Exception as exc:
            record_error(ep, "tool result", exc)
            return result
        self._emit_guarded(ep, trace)
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

    def _tool_raised(self, ep: EpisodeContext, exc: BaseException) -> None:
        """A tool call ended by an interruption (KeyboardInterrupt, SystemExit, a cancellation): the
        run is over, so its episode is recorded as aborted. A tool's ordinary exception is left to
        the framework's own handling (the run may go on; if it ends there instead, `_stopped`
        records it as the run's failure), and graph interrupts are not failures. Never raises: the
        call's own exception is what goes on."""
        try:
            if isinstance(exc, Exception):
                if not isinstance(exc, GraphBubbleUp):
                    self._raised[ep.id] = type(exc)
            elif self._aborted(ep):
                abort(ep, exc)
                self._done(ep)
        except Exception as error:
            record_error(ep, "tool call raised", error)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        """Async `wrap_tool_call`."""
        try:
            ep = self._run_of(request)
        except Exception as exc:
            record_error(None, "tool call", exc)
            ep = None
        call = without_key(request)
        if ep is None:
            return await handler(call)
        trace = self._traces.get(ep.id)
        try:
            result: ToolMessage | Command[Any] = await arun_request(ep, call, handler, self.catch_tool_errors, self)
        except BaseException as exc:
            self._tool_raised(ep, exc)
            raise
        try:
            result, final = self._tool_returned(request, ep, result, trace)
            if final is not None:
                await self._afinish_state(final)
        except Exception as exc:
            record_error(ep, "tool result", exc)
            return result
        await self._aemit_guarded(ep, trace)
        return result
