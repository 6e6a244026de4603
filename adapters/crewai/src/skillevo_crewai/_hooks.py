"""CrewAI's global hooks, scoped to the agents `evolving` marked.

CrewAI's interception hooks are process-wide: one set of hook functions is registered while at least
one `Evolving` is open, and every hook first asks whether the agent it sees was marked (through its
class, see `_evolving`) and whether a kickoff of that agent is running. Anything else returns at
once, so other agents in the process are untouched.

Where each piece hangs:

* ``INPUT`` / ``EXECUTION_END`` (dispatched by ``Crew.kickoff`` and by a standalone
  ``Agent.kickoff``): one episode per kickoff and per `Evolving` whose agents take part. The
  episode opens at ``INPUT``, not ``EXECUTION_START``: another hook may refuse the kickoff at
  ``EXECUTION_START`` (``HookAborted``), and CrewAI then sends no ``EXECUTION_END``, whereas every
  kickoff that reaches ``INPUT`` gets one. The ``EXECUTION_END`` hook runs first of the global
  ones, so that another hook aborting there cannot keep it from closing the episode. The open
  episodes live in a context variable, which CrewAI copies into async-task threads and
  ``kickoff_async``'s worker thread.
* ``before_llm_call``: the selected guidance goes into the agent's system message. CrewAI copies the
  global LLM hooks into an executor when it is built, so the hooks are registered before any marked
  agent builds one, and added to executors that already exist when an agent is marked.
* ``before_tool_call``: learned repairs edit ``tool_input`` in place before the call.
* ``after_tool_call``: the outcome is recorded; on a failure a learned repair edits ``tool_input``
  and the tool is called again inside the hook (no extra model turn), its result replacing the
  failed one. CrewAI's own retries of a raising tool have run by then: its event bus delivers
  ``ToolUsageErrorEvent`` on a thread pool without waiting, so editing the input from there would
  race with those retries. The event still supplies the exception object (its class is what the
  failure is recorded under); the hook flushes the bus to read it.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import threading
import weakref
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crewai.events import crewai_event_bus
from crewai.events.types.flow_events import FlowPausedEvent
from crewai.events.types.tool_usage_events import ToolFailureDetectedEvent, ToolUsageErrorEvent
from crewai.hooks import (
    InterceptionPoint,
    unregister_after_llm_call_hook,
    unregister_after_tool_call_hook,
    unregister_before_llm_call_hook,
    unregister_before_tool_call_hook,
    unregister_hook,
)
from crewai.hooks.dispatch import HookAborted, get_global_hook_list

from skillevo.adapters import EpisodeContext, guidance_for, record_error

from ._boundaries import patch_boundaries, unpatch_boundaries
from ._events import listen
from ._guidance_inject import Injected, inject, restore
from ._ignored import patch_ignored, unpatch_ignored
from ._manager import built_manager
from ._owners import agents_of as _agents_of
from ._owners import is_flow as _is_flow
from ._owners import kickoff_id
from ._rejected import Rejections, drain, on_failure, on_failure_event
from ._requests import request_of, task_text
from ._span import Span, spans
from ._tool_hooks import Call, after_tool, before_tool, judging, on_tool_error_event

if TYPE_CHECKING:
    from ._evolving import Evolving

__all__ = [
    "BINDING_ATTR",
    "attach_executors",
    "binding_of",
    "end_span",
    "install",
    "interrupted",
    "live_runs",
    "uninstall",
]

log = logging.getLogger("skillevo_crewai")

#: the class attribute that marks an agent class as evolving (holds its `Evolving`)
BINDING_ATTR = "__skillevo_binding__"


def binding_of(agent: Any) -> Evolving | None:
    """The open `Evolving` an agent was marked by, or None."""
    binding: Evolving | None = getattr(type(agent), BINDING_ATTR, None)
    if binding is None or binding.closed:
        return None
    return binding


# ---------------------------------------------------------------------------------------- runs


@dataclass
class _Run:
    """One kickoff: its owner (a crew or a standalone agent's executor) and its episodes."""

    owner: Any
    episodes: dict[int, tuple[Evolving, EpisodeContext]]
    token: contextvars.Token[_Run | None] | None = None
    injected: dict[int, Injected] = field(default_factory=dict)
    calls: dict[int, Call] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: whether the kickoff id (set by CrewAI around the opening of the episodes) is on them yet
    linked: bool = False
    #: the calls CrewAI turned down before its tool hooks (see `_rejected`)
    rejections: Rejections = field(default_factory=Rejections)

    def link(self) -> None:
        """Record the kickoff id on the episodes once CrewAI has assigned it."""
        try:
            run_id = kickoff_id(self.owner)
        except Exception:  # the run id is a convenience: the episode id still works
            run_id = None
        self.linked = True
        for _, ep in self.episodes.values():
            ep.link_run(run_id)

    def episode(self, binding: Evolving) -> EpisodeContext | None:
        entry = self.episodes.get(id(binding))
        return entry[1] if entry is not None and entry[0] is binding else None

    def of(self, agent: Any) -> EpisodeContext | None:
        """The episode of a marked `agent` in this kickoff (None: not marked, or none open)."""
        binding: Evolving | None = getattr(type(agent), BINDING_ATTR, None)
        if binding is None:
            binding = built_manager(agent, self.owner, binding_of)
        return None if binding is None else self.episode(binding)


_run: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("skillevo_crewai_run", default=None)
#: the bindings (ids) whose reward or on_finish is running in this context: a kickoff from inside
#: one (an LLM judge built from the same marked project) is scoring, not an episode of theirs, or
#: its own reward would run the judge again, without end
_scoring: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "skillevo_crewai_scoring", default=frozenset()
)
#: the kickoffs whose EXECUTION_END has not come yet (an interruption never sends it)
_live: dict[int, _Run] = {}
_live_lock = threading.Lock()


def _current(agent: Any, messages: Any = None) -> tuple[_Run, EpisodeContext] | None:
    # The binding even when closed: a kickoff that opened its episode before `close` is recorded to
    # its end (a call seen before the close gets its outcome); a closed binding opens no new episode.
    binding: Evolving | None = getattr(type(agent), BINDING_ATTR, None)
    run = _run.get()
    if binding is None and run is not None:
        binding = built_manager(agent, run.owner, binding_of)
    if binding is None or run is None:
        return None
    ep = run.episode(binding)
    if ep is None:
        if binding.closed or not _is_flow(run.owner):
            return None
        # A marked agent's kickoff inside a step of the caller's flow: CrewAI gives it no execution
        # boundary of its own (the flow owns the run), so its episode opens here, with the flow's.
        ep = _join(run, binding, messages)
        if ep is None:
            return None
    if not run.linked:
        run.link()
    return run, ep


def _join(run: _Run, binding: Evolving, messages: Any) -> EpisodeContext | None:
    """Open `binding`'s episode in a flow's run (once; the flow's end finishes it)."""
    user = [m for m in messages or [] if isinstance(m, MutableMapping) and m.get("role") == "user"]
    task = request_of(str(user[-1].get("content", ""))) if user else ""
    if id(binding) in _scoring.get():  # inside this binding's own reward or on_finish
        return None
    with run.lock:
        entry = run.episodes.get(id(binding))
        if entry is not None:
            return entry[1]
        try:
            ep = binding._episode(task)
            listen(ep, run.owner)
        except Exception as exc:
            record_error(None, "episode start", exc)
            return None
        run.episodes[id(binding)] = (binding, ep)
        run.linked = False
        return ep


def _answer(owner: Any, output: Any) -> Any:
    """What a kickoff produced: a standalone agent's final answer (its executor flow ends with a
    routing label), else the crew's or flow's output."""
    answer = getattr(getattr(owner, "state", None), "current_answer", None)
    if getattr(owner, "agent", None) is not None and answer is not None and hasattr(answer, "output"):
        return answer.output
    return output


def _on_start(ctx: Any) -> None:
    owner = ctx.crew if ctx.crew is not None else ctx.flow
    if owner is not None:
        _start(owner, dict(getattr(ctx, "inputs", None) or {}), flow=ctx.crew is None)


def _start(owner: Any, inputs: dict[str, Any], *, flow: bool) -> _Run | None:
    """Open the run of a kickoff of `owner` (None: no marked agent takes part)."""
    span = spans.get()
    if span is not None and span.ended is not None and span.ended[0].owner is owner:
        again: _Run = span.ended[0]  # the standalone kickoff runs its executor again
        span.ended, again.token = None, _run.set(again)
        return again
    bindings: dict[int, Evolving] = {}
    scoring = _scoring.get()
    for agent in _agents_of(owner):
        binding = binding_of(agent)
        if binding is not None and id(binding) not in scoring:
            bindings.setdefault(id(binding), binding)
    if not bindings:
        if flow and _is_flow(owner):  # marked agents may act inside its steps
            return _open_run(_Run(owner=owner, episodes={}))
        return None
    try:
        task = task_text(owner, inputs)
        episodes = {key: (b, b._episode(task)) for key, b in bindings.items()}
        for _, ep in episodes.values():
            listen(ep, owner)
    except Exception:  # CrewAI swallows hook errors silently: say what went wrong, run unobserved
        log.exception("skillevo: could not start the kickoff's episode")
        return None
    return _open_run(_Run(owner=owner, episodes=episodes))


def _open_run(run: _Run) -> _Run:
    run.token = _run.set(run)
    with _lock:
        with _live_lock:
            _live[id(run)] = run
        # A live kickoff holds the hooks (see `install`): the last binding may have closed between
        # this kickoff's INPUT and now, and its end must still be seen.
        _hold()
    return run


def _close_run(run: _Run) -> bool:
    """Take `run` out of the live kickoffs (False when it was taken already) and out of the context;
    the last one out, with no binding open, unregisters the hooks."""
    with _lock:
        with _live_lock:
            found = _live.pop(id(run), None) is not None
        _release()
    token, run.token = run.token, None  # a token resets once: a second end (replay's own) must not
    if token is not None:
        try:
            _run.reset(token)
        except ValueError:  # ended in another context than it started in
            pass
    if _run.get() is run:
        _run.set(None)
    return found


def live_runs() -> list[Any]:
    """The kickoffs running now (to tell those a marked agent's call opened: see `interrupted`)."""
    with _live_lock:
        return list(_live.values())


def interrupted(agent: Any, before: list[Any] | None, exc: BaseException) -> None:
    """A marked agent's kickoff or task ended by an interruption (``KeyboardInterrupt``,
    ``SystemExit``, a cancellation): CrewAI sends no EXECUTION_END for those (it reports only an
    ``Exception``), so the kickoffs the interruption ends are recorded as aborted here: the one
    this context runs in, and those opened during the call that `agent` takes part in (`before`:
    `live_runs` at its start; None when it could not be read: the first only). Never raises."""
    try:
        current = _run.get()
        earlier = {id(r) for r in before} if before is not None else None
        ended = [
            r
            for r in live_runs()
            if r is current
            or (earlier is not None and id(r) not in earlier and any(a is agent for a in _agents_of(r.owner)))
        ]
        for run in ended:
            _end_run(run, None, failed=True, error=exc)
    except Exception:
        log.exception("skillevo: could not record an interrupted kickoff")


@atexit.register
def _abort_live_at_exit() -> None:
    """Kickoffs still open when the interpreter exits (an interruption outside any marked agent's
    code, in a flow step of its own) are recorded as aborted before skillevo writes its queues."""
    for run in live_runs():
        try:
            _end_run(run, None, failed=True, error=SystemExit("the interpreter exited during the kickoff"))
        except BaseException:
            log.exception("skillevo: could not record a kickoff open at exit")


def _on_end(ctx: Any) -> None:
    owner = ctx.crew if ctx.crew is not None else ctx.flow
    run = _run.get()
    if run is None or run.owner is not owner:
        return
    failed = getattr(ctx, "status", "completed") == "failed"
    error = getattr(ctx, "error", None) if failed else None
    output = None if failed else _answer(owner, ctx.output)
    span = spans.get()
    if span is not None and span.agent is getattr(owner, "agent", None) and not hasattr(owner, "agents"):
        span.ended = (run, output, failed, error)  # ended when the kickoff returns (`end_span`)
        return
    _end_run(run, output, failed=failed, error=error)


def end_span(span: Span, error: BaseException | None) -> None:
    """A marked agent's standalone kickoff returned (`error`: or raised): its episode ends with
    its executor's last run, failed with `error` if the kickoff raised after it (a guardrail that
    never passed), except for a hook refusing at the run's end: the work was done, rewarded as it
    ended. Never raises an ``Exception``."""
    ended, span.ended = span.ended, None
    if ended is None:
        return
    run, output, failed, err = ended
    if isinstance(error, HookAborted):
        error = None
    try:
        _end_run(run, None if error is not None else output, failed=failed or error is not None, error=error or err)
    except Exception:
        log.exception("skillevo: could not finish the kickoff's episode")


def _on_flow_paused(source: Any, event: Any) -> None:
    """A flow paused for human feedback: CrewAI returns from its kickoff without an EXECUTION_END
    (the resume sends one, but in another context and without a start). Its episodes are recorded
    now as stopped, their reward unknown (``evo.feedback(flow_id, r)`` when the human answers), and
    the run is let go. CrewAI waits for this handler before the kickoff returns."""
    try:
        # The handler runs in a copy of the emitting context: the paused run is the one there. Only
        # without one (a CrewAI that emits it elsewhere) does the pause take every run of the flow.
        runs: list[_Run] = [r for r in live_runs() if r.owner is source]
        own = [r for r in runs if r is _run.get()]
        for run in own or runs:
            _end_run(run, None, failed=True, error=None, stopped=True)
    except Exception:
        log.exception("skillevo: could not record a paused flow")


def _end_run(run: _Run, output: Any, *, failed: bool, error: BaseException | None, stopped: bool = False) -> None:
    """Finish every episode of a kickoff, once (`stopped`: without a reward, the run did not fail).
    An interruption inside a reward function (recorded as aborted by `finish_with`) aborts the
    run's other episodes too, then goes on to the caller."""
    if not _close_run(run):
        return
    drain(run, None, end=True)  # the calls CrewAI turned down, before the episodes end
    if not run.linked:
        run.link()
    stop: BaseException | None = None
    for binding, ep in list(run.episodes.values()):
        token = _scoring.set(_scoring.get() | {id(binding)})
        try:
            if stop is not None:
                binding._finished(ep, None, failed=True, error=stop, source=run.owner)
            else:
                binding._finished(ep, output, failed=failed, error=error, source=run.owner, stopped=stopped)
        except Exception:  # e.g. the store is unreachable; the other episodes still finish
            log.exception("skillevo: could not finish episode %s", ep.id)
        except BaseException as exc:  # Ctrl-C in a reward: never swallowed
            stop = stop or exc
        finally:
            _scoring.reset(token)
    if stop is not None:
        raise stop


# ---------------------------------------------------------------------------------------- model calls


def _tool_names(executor: Any) -> list[str]:
    return [str(t.name) for t in getattr(executor, "tools", None) or [] if getattr(t, "name", None)]


def _before_llm(ctx: Any) -> None:
    if not _registered:
        # Registered no more, but CrewAI copied this hook into the executor when it was built.
        _detach_unregistered(ctx.executor)
        return None
    found = _current(ctx.agent, ctx.messages)
    if found is None or not isinstance(ctx.messages, list):
        return None
    run, ep = found
    drain(run, ctx.agent)  # a call CrewAI turned down since the last hook, before this model call
    if ctx.executor is not None:
        try:
            _executors[id(ctx.executor)] = ctx.executor  # so that the last `uninstall` can take the hook out
        except TypeError:  # not weak-referenceable: it drops the hook itself at its next call
            pass
    try:
        inject(run, ctx.messages, guidance_for(ep, _tool_names(ctx.executor)))
    except Exception as exc:  # a failing injection must not stop the agent; CrewAI would swallow it silently
        record_error(ep, "guidance", exc)
    return None


def _after_llm(ctx: Any) -> None:
    """Take the guidance out of the messages once the model answered: they are the executor's own
    list, which CrewAI hands back (``TaskOutput.messages``, an agent's output) and checkpoints.
    (No after-hook runs for a turn of native tool calls: the next model call replaces the guidance,
    and the final answer's turn takes it out.)"""
    if not _registered:
        _detach_unregistered(ctx.executor)
        return None
    run = _run.get()
    messages = ctx.messages
    if run is None or not run.injected or not isinstance(messages, list):
        return None
    with run.lock:
        injected = run.injected.pop(id(messages), None)
        if injected is not None:
            restore(injected, messages)
    return None


# ---------------------------------------------------------------------------------------- tool calls


def _before_tool(ctx: Any) -> None:
    if judging():  # one of our own repaired retries, put to the other hooks
        return None
    found = _current(ctx.agent)
    if found is not None:
        drain(found[0], ctx.agent)  # (in the order the model made them)
        before_tool(found[0], found[1], ctx)
    return None


def _on_tool_failure(source: Any, event: Any) -> None:
    # On CrewAI's handler pool, in a copy of the emitting context: the run is the call's kickoff.
    run = _run.get()
    if run is not None:
        on_failure_event(run, event)


def _on_ignored(failure: Any, name: str, args: Any, agent: Any) -> None:
    run = _run.get()  # (in the calling thread: the call's kickoff)
    if run is not None:
        on_failure(run, failure, name, args, agent)


def _after_tool(ctx: Any) -> str | None:
    found = _current(ctx.agent)
    return None if found is None else after_tool(found[0], found[1], ctx)


# ---------------------------------------------------------------------------------------- registration

_lock = threading.Lock()
#: the open `Evolving`s, held weakly: one made per request and never closed goes with its agents
#: (their class holds it) instead of living, with its reward's closure, as long as the process
_open: weakref.WeakValueDictionary[int, Evolving] = weakref.WeakValueDictionary()
#: whether the hooks are registered (`_open` may empty without a `close`)
_registered = False
#: executors whose snapshot of the LLM hooks got ours (`_llm_hooks`) from us or from the global list
_executors: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


def _ensure(point: InterceptionPoint, hook: Any, *, first: bool = False) -> None:
    """Put `hook` in the global hooks of `point` unless it is there (`first`: ahead of the others;
    CrewAI runs them in order, and one raising ``HookAborted`` stops the rest)."""
    hooks = get_global_hook_list(point)
    if hook in hooks:
        return
    if first:
        hooks.insert(0, hook)
    else:
        hooks.append(hook)


def _register(handlers: bool) -> None:
    """Register every hook that is not registered, each one once, whatever took some out (CrewAI's
    ``clear_all_global_hooks``, a reset between tests) while a binding stayed open; with `handlers`,
    the event handlers too (a set each: registering one twice is a no-op, but empties a cache)."""
    _ensure(InterceptionPoint.INPUT, _on_start)
    _ensure(InterceptionPoint.EXECUTION_END, _on_end, first=True)
    _ensure(InterceptionPoint.PRE_MODEL_CALL, _before_llm)
    _ensure(InterceptionPoint.POST_MODEL_CALL, _after_llm)
    # First of the tool hooks too: the other hooks see the arguments a call runs with and the result
    # the model sees (see `_tool_hooks`).
    _ensure(InterceptionPoint.PRE_TOOL_CALL, _before_tool, first=True)
    _ensure(InterceptionPoint.POST_TOOL_CALL, _after_tool, first=True)
    if handlers:
        crewai_event_bus.register_handler(ToolUsageErrorEvent, on_tool_error_event)
        crewai_event_bus.register_handler(FlowPausedEvent, _on_flow_paused)
        crewai_event_bus.register_handler(ToolFailureDetectedEvent, _on_tool_failure)
        patch_boundaries(_start, _end_run)
        patch_ignored(_on_ignored)


def _unregister() -> None:
    unregister_hook(InterceptionPoint.INPUT, _on_start)
    unregister_hook(InterceptionPoint.EXECUTION_END, _on_end)
    unregister_before_llm_call_hook(_before_llm)
    unregister_after_llm_call_hook(_after_llm)
    unregister_before_tool_call_hook(_before_tool)
    unregister_after_tool_call_hook(_after_tool)
    crewai_event_bus.off(ToolUsageErrorEvent, on_tool_error_event)
    crewai_event_bus.off(FlowPausedEvent, _on_flow_paused)
    crewai_event_bus.off(ToolFailureDetectedEvent, _on_tool_failure)
    unpatch_boundaries()
    unpatch_ignored()
    for executor in list(_executors.values()):
        _detach(executor)
    _executors.clear()


def _llm_hooks() -> tuple[tuple[str, Any], ...]:
    """The executor attributes holding CrewAI's snapshot of the LLM hooks, with our hook for each."""
    return (("before_llm_call_hooks", _before_llm), ("after_llm_call_hooks", _after_llm))


def _detach(executor: Any) -> None:
    for attr, hook in _llm_hooks():
        hooks = getattr(executor, attr, None)
        while isinstance(hooks, list) and hook in hooks:
            hooks.remove(hook)


def _detach_unregistered(executor: Any) -> None:
    # Checked again under the lock: a binding opened since may have registered the hooks and
    # attached them to this very executor.
    with _lock:
        if not _registered:
            _detach(executor)


def _hold() -> None:
    """Register the hooks, those missing only (`_lock` held)."""
    global _registered
    _register(handlers=not _registered)
    _registered = True


def _release() -> None:
    """Unregister the hooks once no binding is open and no kickoff is live (`_lock` held): they are
    held by both, or closing the last binding from one thread would take them out from under a crew
    another thread runs (its tool outcomes and its end unseen: the episode lost)."""
    global _registered
    with _live_lock:
        live = bool(_live)
    if _registered and not _open and not live:
        try:
            _unregister()
        except Exception:  # hooks left registered stand aside (no open binding, no live run)
            log.exception("skillevo: could not unregister the CrewAI hooks")
            return
        _registered = False


def install(binding: Evolving) -> None:
    """Register the hooks (once for all open bindings and live kickoffs)."""
    with _lock:
        _hold()
        _open[id(binding)] = binding


def uninstall(binding: Evolving) -> None:
    """Drop a binding; the last one out, with no kickoff live, unregisters every hook and handler."""
    with _lock:
        _open.pop(id(binding), None)
        _release()


def attach_executors(agents: Iterable[Any]) -> None:
    """Give executors built before the hooks were registered the LLM hooks (CrewAI snapshots those lists)."""
    with _lock:
        for agent in agents:
            executor = getattr(agent, "agent_executor", None)
            for attr, hook in _llm_hooks():
                hooks = getattr(executor, attr, None)
                if isinstance(hooks, list) and hook not in hooks:
                    hooks.append(hook)
            try:
                if executor is not None:
                    _executors[id(executor)] = executor
            except TypeError:
                pass
