"""`evolving(evo)`: skillevo for CrewAI agents, crews and ``@CrewBase`` projects."""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from crewai.agents.agent_builder.base_agent import BaseAgent
from crewai.crew import Crew

from skillevo import ConfigError, Episode, Evolver
from skillevo.adapters import EpisodeContext, IsFailure, abort, finish_with

from ._events import reward_event
from ._hooks import BINDING_ATTR, attach_executors, end_span, install, interrupted, live_runs, uninstall
from ._span import KICKOFFS, Span, spans

__all__ = ["Evolving", "evolving"]

log = logging.getLogger("skillevo_crewai")

T = TypeVar("T")


class Evolving:
    """Online skill evolution for the CrewAI agents it marks (what `evolving` returns).

    Use it as a decorator on an ``Agent`` or ``Crew`` factory, on ``@agent`` methods or a whole
    ``@CrewBase`` class, or call it on an ``Agent`` / ``Crew`` instance. Marked agents stay ordinary
    instances of their class (a subclass is swapped in, so ``Agent.copy()`` — and with it
    ``kickoff_for_each`` — keeps the mark); agents it did not mark are never touched.

    Each kickoff (``Crew.kickoff`` / ``kickoff_async`` / ``akickoff`` / every input of
    ``kickoff_for_each``, or a standalone ``Agent.kickoff``) with a marked agent is one episode:
    guidance goes into the system message of the marked agents' model calls, their tool calls are
    repaired before they run and repaired-and-retried when they fail, and the episode is finished
    with ``reward(output)`` (a ``CrewOutput``, or a standalone agent's final answer text). With
    ``reward=None`` send the reward later: ``evo.feedback(evolving.last_episode_id, r)``, from
    ``on_finish``, or by the kickoff's id (``evo.feedback(kickoff_id, r)``: the ``event_id`` of
    the kickoff's ``CrewKickoffStartedEvent``, recorded as the episode's ``run_id``).

    Traces: selections, repairs (arguments redacted), guidance and the reward are emitted on
    CrewAI's event bus as `SkillSelectionEvent`, `SkillRepairEvent`, `SkillGuidanceEvent` and
    `SkillRewardEvent`.

    Args:
        evo: the Evolver.
        reward: ``fn(output) -> float`` in [0, 1]; ``None`` leaves the reward to ``evo.feedback``.
        is_failure: a predicate on tool results marking application-level failures in this
            decorator's kickoffs (over the Evolver's, which it leaves as it is).
        on_finish: called with each finished ``skillevo.Episode``.
    """

    def __init__(
        self,
        evo: Evolver,
        reward: Callable[[Any], float] | None = None,
        is_failure: IsFailure | None = None,
        *,
        on_finish: Callable[[Episode], None] | None = None,
    ) -> None:
        if not isinstance(evo, Evolver):
            raise ConfigError(f"evolving: evo must be a skillevo.Evolver (got {type(evo).__name__})")
        for label, fn in (("reward", reward), ("is_failure", is_failure), ("on_finish", on_finish)):
            if fn is not None and not callable(fn):
                raise ConfigError(f"evolving: {label} must be callable or None (got {type(fn).__name__})")
        self.evo = evo
        self.reward = reward
        #: the predicate on tool results of this decorator's kickoffs (None: the Evolver's), set on
        #: each of its episodes: the Evolver, maybe shared with other decorators, keeps its own
        self.is_failure = is_failure
        self.on_finish = on_finish
        #: the id of the episode finished last (use it with ``evo.feedback``)
        self.last_episode_id: str | None = None
        #: the kickoff id of the episode finished last (``evo.feedback`` accepts it too)
        self.last_run_id: str | None = None
        self._classes: dict[type, type] = {}
        self._lock = threading.Lock()
        self._closed = False
        install(self)

    # ------------------------------------------------------------------ lifecycle

    @property
    def closed(self) -> bool:
        """Whether `close` ran (marked agents then behave as if never marked)."""
        return self._closed

    def close(self) -> None:
        """Stop evolving: kickoffs of the marked agents that start from now on run untouched (one
        already running, maybe in another thread, is recorded to its end), and once the last open
        `Evolving` of the process is closed and no kickoff is left running, skillevo's CrewAI hooks
        and event handlers are unregistered."""
        if not self._closed:
            self._closed = True
            uninstall(self)

    def __enter__(self) -> Evolving:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ decorating

    def __call__(self, target: T) -> T:
        """Mark `target`: an Agent or Crew (returned as is), a ``@CrewBase`` class, an ``@agent`` method,
        or a function returning an Agent or a Crew (wrapped)."""
        if self._closed:
            raise ConfigError("evolving: this decorator was closed")
        if isinstance(target, BaseAgent):
            self._mark(target)
            return target
        if isinstance(target, Crew):
            self._mark_crew(target)
            return target
        if isinstance(target, type):
            if getattr(target, "is_crew_class", False):
                return self._mark_class(target)  # type: ignore[return-value]
            raise ConfigError(f"evolving: {target.__name__} is not a @CrewBase class")
        if getattr(target, "is_agent", False) and callable(getattr(target, "_meth", None)):
            # An @agent method (evolving above @agent): keep CrewAI's wrapper type so @CrewBase finds it.
            rewrapped: T = type(target)(self._wrap(target._meth))  # type: ignore[attr-defined,call-arg]
            return rewrapped
        if callable(target):
            return self._wrap(target)  # type: ignore[return-value]
        raise ConfigError(
            f"evolving: expected an Agent, a Crew, a @CrewBase class or a function returning one "
            f"(got {type(target).__name__})"
        )

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapped(*args: Any, **kwargs: Any) -> Any:
                return self._apply(await fn(*args, **kwargs), fn)

            return awrapped

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return self._apply(fn(*args, **kwargs), fn)

        return wrapped

    def _apply(self, result: Any, fn: Callable[..., Any]) -> Any:
        if isinstance(result, BaseAgent):
            self._mark(result)
        elif isinstance(result, Crew):
            self._mark_crew(result)
        else:
            name = getattr(fn, "__qualname__", repr(fn))
            raise ConfigError(f"evolving: {name} returned {type(result).__name__}, expected an Agent or a Crew")
        return result

    def _mark_class(self, cls: type) -> type:
        for name, attr in list(vars(cls).items()):
            if getattr(attr, "is_agent", False) and callable(getattr(attr, "_meth", None)):
                setattr(cls, name, type(attr)(self._wrap(attr._meth)))
        return cls

    def _mark_crew(self, crew: Crew) -> None:
        agents: list[Any] = list(crew.agents or [])
        if crew.manager_agent is not None:
            agents.append(crew.manager_agent)
        agents.extend(t.agent for t in crew.tasks if t.agent is not None)
        for agent in agents:
            if isinstance(agent, BaseAgent):
                self._mark(agent)

    def _class_for(self, base: type) -> type:
        with self._lock:
            marked = self._classes.get(base)
            if marked is None:
                # Same name and module as the original, so reprs, logs and CrewAI's own checks read alike.
                namespace: dict[str, Any] = {
                    "__module__": base.__module__,
                    "__qualname__": base.__qualname__,
                    BINDING_ATTR: self,
                }
                for name in _ENTRY_POINTS:
                    method = getattr(base, name, None)
                    if callable(method):
                        namespace[name] = _guarded(method, spanned=name in KICKOFFS)
                marked = type(base.__name__, (base,), namespace)
                self._classes[base] = marked
            return marked

    def _mark(self, agent: BaseAgent) -> None:
        cls = type(agent)
        current = getattr(cls, BINDING_ATTR, None)
        if current is not self:
            # An agent marked by another Evolving is re-marked: its original class is the subclass's base.
            base = cls.__bases__[0] if current is not None else cls
            object.__setattr__(agent, "__class__", self._class_for(base))
        attach_executors([agent])

    # ------------------------------------------------------------------ episodes

    def _episode(self, task: str) -> EpisodeContext:
        """A new episode of one of this decorator's kickoffs."""
        ep = self.evo.episode(task=task)
        if self.is_failure is not None:
            ep.is_failure = self.is_failure
        return ep

    def _finished(
        self,
        ep: EpisodeContext,
        output: Any,
        *,
        failed: bool,
        error: BaseException | None,
        source: Any = None,
        stopped: bool = False,
    ) -> None:
        """Finish a kickoff's episode (called from CrewAI's EXECUTION_END hook, which swallows errors;
        `stopped`: a run that ended without failing and without an output, a paused flow)."""
        if stopped:
            done = abort(ep)
        elif failed:
            done = abort(ep, error if error is not None else RuntimeError("kickoff failed"))
        else:
            try:
                done = finish_with(ep, self.reward, output)
            except BaseException:  # an interruption in the reward: recorded as aborted, then raised
                self._told(ep, ep.episode, source)
                raise
        self._told(ep, done if done is not None else ep.episode, source)

    def _told(self, ep: EpisodeContext, episode: Episode, source: Any) -> None:
        """Make a finished episode known: `last_episode_id`, the reward event, `on_finish`."""
        self.last_episode_id = ep.id
        run_id = episode.metadata.get("run_id")
        self.last_run_id = run_id if isinstance(run_id, str) else None
        reward_error = episode.metadata.get("reward_error")
        reward_event(ep, source, episode.reward, reward_error if isinstance(reward_error, str) else None)
        if self.on_finish is not None:
            try:
                self.on_finish(episode)
            except Exception:
                log.exception("skillevo: on_finish raised")


#: the methods a kickoff with a marked agent runs through (its own kickoff, or a crew's task)
_ENTRY_POINTS = ("kickoff", "kickoff_async", "akickoff", "execute_task", "aexecute_task")


def _live_before() -> list[Any] | None:
    """`live_runs` at the start of a marked agent's call, or None when it could not be read (the
    call goes on: an interruption then ends the kickoff of its own context only)."""
    try:
        return live_runs()
    except Exception:
        log.exception("skillevo: could not read the live kickoffs")
        return None


def _guarded(method: Callable[..., Any], spanned: bool = False) -> Callable[..., Any]:
    """`method` recording the kickoff it is part of as aborted when an interruption (Ctrl-C,
    ``SystemExit``, a cancellation) ends it: CrewAI reports only an ``Exception`` to the
    EXECUTION_END hook, so without this the episode would be lost. The interruption goes on.
    `spanned`: a standalone kickoff, one episode over all its executor's runs (see `_span`)."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def aguarded(agent: Any, *args: Any, **kwargs: Any) -> Any:
            before = _live_before()
            span, token = _open_span(agent, spanned)
            try:
                result = await method(agent, *args, **kwargs)
            except Exception as exc:
                _close_span(span, token, exc)
                raise
            except BaseException as exc:
                interrupted(agent, before, exc)
                _close_span(span, token, exc)
                raise
            _close_span(span, token, None)
            return result

        return aguarded

    @functools.wraps(method)
    def guarded(agent: Any, *args: Any, **kwargs: Any) -> Any:
        before = _live_before()
        span, token = _open_span(agent, spanned)
        try:
            result = method(agent, *args, **kwargs)
        except Exception as exc:
            _close_span(span, token, exc)
            raise
        except BaseException as exc:
            interrupted(agent, before, exc)
            _close_span(span, token, exc)
            raise
        _close_span(span, token, None)
        if inspect.iscoroutine(result):  # Agent.kickoff inside a running event loop returns one
            return _guard_coroutine(agent, before, result)
        return result

    return guarded


def _open_span(agent: Any, spanned: bool) -> tuple[Span | None, contextvars.Token[Span | None] | None]:
    current = spans.get()
    if not spanned or (current is not None and current.agent is agent):  # (the outer kickoff's span)
        return None, None
    span = Span(agent)
    return span, spans.set(span)


def _close_span(span: Span | None, token: contextvars.Token[Span | None] | None, error: BaseException | None) -> None:
    if span is None or token is None:
        return
    try:
        spans.reset(token)
    except ValueError:  # reset in another context than it was set in
        spans.set(None)
    end_span(span, error)


async def _guard_coroutine(agent: Any, before: list[Any] | None, coroutine: Any) -> Any:
    try:
        return await coroutine
    except Exception:
        raise
    except BaseException as exc:
        interrupted(agent, before, exc)
        raise


def evolving(
    evo: Evolver,
    reward: Callable[[Any], float] | None = None,
    is_failure: IsFailure | None = None,
    *,
    on_finish: Callable[[Episode], None] | None = None,
) -> Evolving:
    """Online skill evolution for CrewAI: a decorator for agents, crews and ``@CrewBase`` classes.

    ```python
    evolve = evolving(evo, reward=lambda out: float("booked" in out.raw))

    @evolve                          # on a factory: the Agent (or every agent of the Crew) it returns
    def booker() -> Agent: ...

    @CrewBase
    class Trips:
        @agent
        @evolve                      # on one @agent method (or put @evolve above @CrewBase: all of them)
        def planner(self) -> Agent: ...

    crew = evolve(Crew(agents=[...], tasks=[...]))   # or on an instance
    crew.kickoff(inputs={...})                         # one episode, rewarded with reward(CrewOutput)
    ```

    See `Evolving` for what happens during a kickoff. Call ``close()`` (or use it as a context
    manager) to unregister the hooks.
    """
    return Evolving(evo, reward=reward, is_failure=is_failure, on_finish=on_finish)
