"""The episode facade adapters call: model calls, tool calls, and the end of one run.

`EpisodeContext` holds one episode's state and delegates: choices per call site to `SiteChoices`,
tool calls to `ToolCalls`, events to `EventRecorder`, rewards to the Evolver's `CreditLedger`. Of
its Evolver it uses only public members: the trigger index (`triggers`), the ledger (`ledger`), the
review gate, the tool catalogue, the selector, sandbox and miner, the store, `feedback` and `learn`.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from ._abandoned import abandoned, in_collector, opened
from ._choices import SiteChoices
from ._contradiction import left_out_constant_called
from ._detect import IsFailure
from ._episode_rows import known_secrets
from ._episode_scope import EntrySite, entering_site, out_of_scope
from ._episode_start import new_episode as _new_episode
from ._errors import ConfigError, LibraryError
from ._guidance import acts_unseen, reached_sites
from ._ledger import check_reward
from ._models import NULL_ARM, Episode, Event, EventKind, Skill, SkillVersion
from ._open_episodes import reward_after_close
from ._prose import prompt_safe
from ._recording import EventRecorder, PendingEvents, snapshot
from ._run_path import (
    no_guidance,
    no_repair,
    no_retry,
    not_judged,
    record_run_error,
    run_path,
    run_path_scope,
    unchanged,
)
from ._shadow import ShadowBook
from ._store_args import write_key
from ._store_common import scrub_episode
from ._tool_calls import ToolCalls, tool_name

if TYPE_CHECKING:
    from ._evolver import Evolver
    from ._group import GroupContext

__all__ = ["EpisodeContext", "current_episode"]

_current: contextvars.ContextVar[EpisodeContext | None] = contextvars.ContextVar("skillevo_episode", default=None)


def current_episode() -> EpisodeContext | None:
    """The episode entered (``with evo.episode(...)``) in the current thread / asyncio task, if any.

    An episode whose block was left is never current, nor one entered in a generator that is
    suspended, for its caller's code (`skillevo._episode_scope`)."""
    ep = _current.get()
    return None if ep is None or ep._left or out_of_scope(ep, ep._site) else ep


class _Memo(NamedTuple):
    """The last guidance text of an episode and what it was made from (`EpisodeContext.guidance`)."""

    tools: Sequence[str] | None  # a list or a tuple (one equals only its kind)
    chosen: int  # how many call sites the episode had chosen at
    fired: int  # how many skills had fired
    failures: int  # how many times a chosen site's trigger had fired (`SiteChoices.rescue`)
    task: str
    budget: int
    generation: int  # the trigger view's (`TriggerIndex.unchanged`)
    at: float
    hooked: bool  # whether the episode's tool calls had gone through `before_tool` (`acts_unseen`)
    text: str


def _plain_names(tools: Sequence[object] | None) -> bool:
    """Whether `tools` is None or a list or tuple of plain `str` names (two such that compare equal
    name the same tools)."""
    if tools is not None:
        if type(tools) is not list and type(tools) is not tuple:
            return False
        for tool in tools:
            if type(tool) is not str:
                return False
    return True


class _NoShadow(ShadowBook):
    """The shadow book of an episode in which review holds nothing back (``review="auto"``, a canary
    episode): no version runs in shadow there, so a call's outcome has no prediction to score."""

    def guidance(self, skill: Skill, version: SkillVersion) -> None:
        pass

    def repair(self, skill: Skill, version: SkillVersion, tool: str, args: dict[str, Any], **kwargs: Any) -> None:
        pass

    def fired(self, skill_name: str) -> None:
        pass

    def success(self, tool: str, args: dict[str, Any]) -> None:
        pass

    def finish(self) -> None:
        pass


#: shared by those episodes: it keeps nothing
_NO_SHADOW = _NoShadow(lambda *args, **kwargs: None, snapshot)


class EpisodeContext:
    """One run of the agent on one task: the per-call hooks adapters call.

    Use as a context manager. Leaving the block normally finishes the episode with no reward (send
    one later with `Evolver.feedback`) unless `finish` was called; leaving it by an exception
    finishes it with reward 0 (the run failed) and lets the exception propagate. Entering an entered
    episode again is a no-op; finishing twice is a no-op, except that a reward given to the second
    `finish` when the first gave none is recorded as feedback.
    """

    def __init__(
        self,
        evo: Evolver,
        *,
        task: str,
        group_id: str | None,
        metadata: dict[str, Any] | None = None,
        group: GroupContext | None = None,
        index: int = 0,
    ) -> None:
        self.evo = evo
        self.episode = _new_episode(task, group_id, evo.policy_version, metadata)
        self._id = self.episode.id  # read by adapters many times a run: not through pydantic's attribute hook
        # Review gating: a canary episode lets unapproved versions apply; elsewhere they run in shadow.
        self._canary = evo.gate.draw_canary()
        if self._canary:
            self.episode.metadata["review_canary"] = True
        self._lock = threading.RLock()
        self._rec = EventRecorder(self._id)
        # A within-group comparison tests a version on live calls: not where review holds it back.
        may_test = self._canary or not evo.gate.gated
        assign = (lambda skill: group.assigned(skill, index)) if group is not None and may_test else None
        self._choices = SiteChoices(evo.selector, evo.null_arm, self.episode.applied, self._rec, assign)
        self._shadow = _NO_SHADOW if may_test else ShadowBook(self._rec.log_private, snapshot, code=evo.shadow_code)
        self._tools = ToolCalls(self._lock, evo, task, self._canary, self._choices, self._rec, self._shadow)
        self._guided: set[str] = set()
        self._memo: _Memo | None = None
        self._handed: PendingEvents | None = None  # the events `finish` handed on (what they hide)
        self._model_calls = 0
        self._finished = False
        self._entered = 0
        self._token: contextvars.Token[EpisodeContext | None] | None = None
        self._library_closed = False  # stopped as its library closed: a later reward reaches no library
        evo.open_episodes.opened(self)  # recorded as stopped if the library closes first
        # The process that opened it: the only one that stores it as abandoned (a forked child
        # inherits the parent's episodes and its queue).
        self._opened_pid = os.getpid()
        opened(self)
        self._opened = True

    _opened = False  # (an episode whose start raised is never stored)
    _site: EntrySite | None = None  # the generator frame its block is in (`current_episode`)
    _left = False  # its ``with`` block was left: no longer current, whatever a context still holds

    def __del__(self) -> None:
        # Dropped unfinished by its caller: only queued (`skillevo._abandoned`), stored later as
        # abandoned. The collector may run this anywhere, under any lock: nothing else here.
        if self._opened and not self._finished:
            abandoned(self)

    @property
    def is_failure(self) -> IsFailure | None:
        """This episode's predicate marking application-level failures in tool results (None: the
        Evolver's). An adapter set up with its own (``evolving(evo, is_failure=...)``) sets it on
        its episodes, leaving the Evolver's for everything else."""
        return self._tools.is_failure

    @is_failure.setter
    def is_failure(self, value: IsFailure | None) -> None:
        if value is not None and not callable(value):
            raise ConfigError(f"is_failure must be callable or None (got {type(value).__name__})")
        self._tools.is_failure = value

    @property
    def listener(self) -> Callable[[Event], None] | None:
        """Called with each selection, repair and guidance event as it happens (redacted), for an
        adapter to put in the framework's trace; an error in it is logged, never raised."""
        return self._rec.listener

    @listener.setter
    def listener(self, value: Callable[[Event], None] | None) -> None:
        self._rec.listener = value

    # ------------------------------------------------------------------ identity & context manager

    def link_run(self, run_id: str | None) -> None:
        """Record the framework's id of this run (metadata ``run_id``): `Evolver.feedback` accepts it."""
        if not run_id:
            return
        self.episode.metadata["run_id"] = str(run_id)
        self.evo.ledger.link_run(str(run_id), self.id)

    @property
    def id(self) -> str:
        """The episode id (use it with `Evolver.feedback`)."""
        return self._id

    @property
    def finished(self) -> bool:
        """Whether `finish` ran."""
        return self._finished

    @property
    def events(self) -> list[Event]:
        """The events recorded so far (a copy; ids are set once the episode is saved)."""
        with self._lock:
            return list(self._rec.built())

    def _secrets_seen(self) -> set[str]:
        """The values this episode sent under secret names so far: its error logs hide them where an
        exception repeats them without their name."""
        with self._lock:
            self._rec.built()
            return set(self._rec.secrets)

    def __enter__(self) -> EpisodeContext:
        with self._lock:
            self._entered += 1
            if self._entered == 1:
                self._site = entering_site(_AENTER_CODE)
                self._left = False
                self._token = _current.set(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._entered -= 1
            if self._entered > 0:
                return
            token, self._token = self._token, None
            self._site, self._left = None, True
        if token is not None and _current.get() is self:
            # (Another episode entered since, and still current, is left alone: a generator's block
            # left inside its caller's. Before 2026-12-07 the reset cleared the caller's episode.)
            try:
                _current.reset(token)
            except ValueError:  # exited in another context (e.g. a different asyncio task)
                _current.set(None)
        if not self._finished:
            failed = exc is not None and not isinstance(exc, GeneratorExit)
            if failed:
                self.episode.metadata["exception"] = tool_name(type(exc).__name__)  # bounded, like a tool's
            if in_collector():
                # The cycle collector closed the generator this block is in: it may be running inside
                # a section holding a store lock. Only queued, stored as abandoned (`_abandoned`).
                abandoned(self, 0.0 if failed else None)
                return
            self._finish_leaving(0.0 if failed else None, raised=exc is not None)

    def _finish_leaving(self, reward: float | None, *, raised: bool) -> None:
        """`finish` as the ``with`` block is left: a store that does not answer is recorded, not
        raised (the episode stays queued; `run_path`), and nothing replaces an exception the block
        raised."""
        try:
            self.finish(reward)
        except LibraryError as exc:
            record_run_error(self, "finish", exc)
        except Exception as exc:
            if not raised:
                raise
            record_run_error(self, "finish", exc)

    async def __aenter__(self) -> EpisodeContext:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            last = self._entered == 1 and not self._finished
        if last:
            # Finish (store writes, mining) off the event loop, then leave the context here.
            reward = 0.0 if exc is not None else None
            if exc is not None:
                self.episode.metadata["exception"] = tool_name(type(exc).__name__)  # bounded, like a tool's
            await asyncio.to_thread(self._finish_leaving, reward, raised=exc is not None)
        self.__exit__(exc_type, exc, tb)

    # ------------------------------------------------------------------ model calls

    @run_path(no_guidance)
    def guidance(self, tools: Sequence[str] | None = None) -> str:
        """The system-prompt addition for the next model call (``""`` if none).

        Includes skills triggered on every call (``always``), at the first model call
        (``task_start``), skills whose tool-error / observation trigger fired earlier in this
        episode, and, when `tools` names the tools the model may call, guidance about those tools
        (so a learned lesson applies before the mistake). Each skill's version (or nothing) is
        chosen once per episode.
        """
        evo = self.evo
        with self._lock:
            self._model_calls += 1
            memo = self._memo
            # Most model calls of a run see the same tools and nothing new since the last one: the
            # same text, as long as nothing it was made from changed (see `_Memo`).
            if (
                memo is not None
                and len(self._choices.chosen) == memo.chosen
                and len(self._tools.fired) == memo.fired
                and self._choices.failures == memo.failures
                and self.episode.task is memo.task
                and evo.guidance_budget_tokens == memo.budget
                and evo.triggers.unchanged(memo.generation, memo.at)
                and memo.hooked == (self._tools.calls > 0)
            ):
                if tools is None:
                    if memo.tools is None:
                        return memo.text
                elif type(tools) is list or type(tools) is tuple:
                    for tool in tools:
                        if type(tool) is not str:
                            break
                    else:
                        # Only plain names: an equal list names the same tools.
                        if tools == memo.tools:
                            return memo.text
            return self._compose(tools)

    def _compose(self, tools: Sequence[str] | None) -> str:
        """`guidance` made afresh (the episode's lock held), remembered for the next model call."""
        evo = self.evo
        first = self._model_calls == 1
        chosen = self._choices.chosen
        count = len(self._tools.fired)
        task = self.episode.task
        budget = evo.guidance_budget_tokens
        names = tuple(tool_name(t) for t in tools or ())
        (every, at_start), generation, at = evo.triggers.guidance_lease(names)
        fired, at = self._fired_now(at)
        hooked = self._tools.calls > 0
        # Made from the tools, the trigger view, the task, the budget and the episode's choices
        # and fired skills (both only grow: their sizes tell a change). A first call's text holds
        # for the later ones: the task-start skills it chose stay chosen. Where review holds
        # versions back, whether one is approved is read again at every call: a text made from
        # candidates is not remembered there.
        if every or fired or (at_start and (first or chosen)):
            text = self._chosen_guidance(every, at_start, fired, first, task, budget, hooked)
            keep = self._canary or not evo.gate.gated
        else:
            text, keep = "", True
        self._memo = None
        if keep and _plain_names(tools):
            self._memo = _Memo(None if tools is None else tools[:], len(chosen), count, self._choices.failures,
                               task, budget, generation, at, hooked, text)
        return text

    def _fired_now(self, at: float) -> tuple[dict[str, Skill], float]:
        """The skills that fired in this episode as the trigger view has them now, and `at` (when the
        guidance view was read) lowered to when the oldest of their views was read.

        A skill is kept as it was when it fired; its versions are read again here, so a version
        rejected or retired since (by a reviewer, the lifecycle, another process) leaves the prompt
        when the trigger view next changes, as one a tool's trigger holds does; a skill left with no
        live version is gone."""
        fired = self._tools.fired
        if not fired:
            return fired, at
        triggers, where = self.evo.triggers, self._tools.fired_on
        now: dict[str, Skill] = {}
        for name, skill in fired.items():
            current, read = triggers.current(skill.trigger.kind, where[name], name)
            at = min(at, read)
            if current is not None:
                now[name] = current
        return now, at

    def _chosen_guidance(
        self, every: list[Skill], at_start: list[Skill], fired: dict[str, Skill], first: bool, task: str,
        budget: int, hooked: bool,
    ) -> str:
        evo = self.evo
        chosen = self._choices.chosen
        candidates: dict[str, Skill] = {sk.name: sk for sk in every}
        for skill in at_start:
            if first or skill.name in chosen:
                candidates.setdefault(skill.name, skill)
        for name, skill in fired.items():
            candidates.setdefault(name, skill)
        versions_chosen: list[SkillVersion] = []
        nulls: dict[str, list[SkillVersion]] = {}  # null-arm sites not yet reached, with their versions
        for skill in candidates.values():
            # The trigger's tool and error were decided where the skill became a candidate
            # (its tool is in play, or its error fired): only the task scope is left.
            if not skill.trigger.task_matches(task):
                continue
            # Guidance no prompt may carry (`prompt_safe`: stored around the proposal check) is not
            # chosen either: a version credited for text the model never read would learn nothing.
            shown = [v for v in skill.versions if v.strategy.guidance and prompt_safe(v.strategy.guidance)]
            versions, shadow = evo.gate.split(shown, self._canary)
            # Nor an import's own text nothing here vouches for (`ReviewGate.text_held`): it passed the
            # same rules, which read for an injection's phrases, not for what an order means. It runs
            # in shadow, where a reviewer sees how often it would have reached a prompt.
            unvouched = [v for v in versions if evo.gate.text_held(v)]
            if unvouched:
                versions = [v for v in versions if v not in unvouched]
                shadow = [*shadow, *unvouched]
            for held in shadow:
                self._shadow.guidance(skill, held)
            if not versions:
                continue
            choice = self._choices.select(skill, versions, "guidance")
            # Once this episode's calls go through `before_tool`, a text whose own version does what
            # it says before the model sees the mistake (`acts_unseen`) is left out: it would only
            # dilute the texts the model has to act on. Its site learns from its repair instead.
            told = [v for v in versions if not (hooked and acts_unseen(v))]
            version = choice.version
            if version is None:
                rescued = self._choices.rescue(skill, told, evo.ledger)
                if rescued is None or rescued.version is None:
                    if skill.name not in self._choices.reached and told:
                        nulls[skill.name] = told
                    continue
                version = rescued.version
            if not version.strategy.guidance or all(v.id != version.id for v in told):
                continue  # chosen earlier in the episode, no longer live or allowed (rejected since), or acts unseen
            versions_chosen.append(version)
        # Only guidance a prompt carried is credited (`CreditLedger.credit_tool_guidance`).
        text, reached = reached_sites(versions_chosen, nulls, budget)
        self._choices.reach(reached)
        for version in versions_chosen:
            if version.skill in reached and version.skill not in self._guided:
                self._guided.add(version.skill)
                self._rec.log(EventKind.GUIDANCE, version_id=version.id, skill=version.skill)
        return text

    # ------------------------------------------------------------------ tool calls

    @run_path(unchanged)
    def before_tool(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Record a tool call and return its arguments, repaired pre-emptively when a learned repair's
        precondition holds (its outcome is credited when the call returns)."""
        return self._tools.before(name, args)

    @run_path(not_judged)
    def on_tool_result(self, name: str, args: dict[str, Any], result: Any) -> bool:
        """Record a tool's result. Failure-shaped results (error strings, ``{"error": ...}``,
        ``status="error"`` objects, or the `is_failure` predicate) are recorded as errors.

        Returns:
            True when the result was judged a failure (the caller may then call `on_tool_error`).
        """
        return self._tools.result(name, args, result)

    @run_path(no_repair)
    def _repair_after_error(self, name: str, args: dict[str, Any], error: Any,
                            unparsed: bool = False) -> tuple[dict[str, Any] | None, float]:  # no back-off
        return self._tools.after_error(name, args, error, unparsed=unparsed)

    @run_path(no_retry)
    def on_tool_error(self, name: str, args: dict[str, Any], error: BaseException | str | Any) -> dict[str, Any] | None:
        """Record a failed call and return repaired arguments to retry with, or None.

        The caller should retry once with the returned arguments and report the outcome with
        `on_tool_result` / `on_tool_error` again (the repair is credited with it). Blocks for a
        learned retry's back-off; use `aon_tool_error` in async code.
        """
        args_out, delay = self._repair_after_error(name, args, error)
        if args_out is not None and delay > 0:
            time.sleep(delay)
        return args_out

    async def aon_tool_error(
        self, name: str, args: dict[str, Any], error: BaseException | str | Any
    ) -> dict[str, Any] | None:
        """`on_tool_error` for async code: credit writes run in a worker thread, back-off is awaited."""
        args_out, delay = await asyncio.to_thread(self._repair_after_error, name, args, error)
        if args_out is not None and delay > 0:
            await asyncio.sleep(delay)
        return args_out

    def _tool_paused(self, name: str, args: dict[str, Any], sent: dict[str, Any]) -> None:
        """A tool call the framework paused (a graph interrupt) while it ran with `sent`: it runs again
        from `args` on resume, with its repairs (see `ToolCalls.paused`)."""
        self._tools.paused(name, args, sent)

    async def aon_tool_result(self, name: str, args: dict[str, Any], result: Any) -> bool:
        """`on_tool_result` with its (possible) credit write in a worker thread."""
        with self._lock:
            waiting = bool(self._tools.pending)
        if not waiting:
            return self.on_tool_result(name, args, result)
        return await asyncio.to_thread(self.on_tool_result, name, args, result)

    # ------------------------------------------------------------------ end

    def finish(self, reward: float | None = None) -> Episode:
        """End the episode: credit guidance with `reward` (if given), save the episode and its events
        in one transaction, mine its failures, and run the lifecycle of the skills it touched."""
        with run_path_scope():  # (its reads skip a library locked elsewhere, as the hooks' do)
            return self._finish(reward)

    def _finish(self, reward: float | None) -> Episode:
        evo = self.evo
        r = None if reward is None else check_reward(reward)
        with self._lock:
            if self._finished:
                if r is not None and self.episode.reward is None and self._library_closed:
                    reward_after_close(self.id)
                elif r is not None and self.episode.reward is None:
                    self.episode.reward = r
                    evo.feedback(self.id, r)
                return self.episode
            self._finished = True
            evo.open_episodes.finished(self)
            # Calls that never reported an outcome: their repairs are not credited.
            self._tools.forget()
            ep = self.episode
            ep.finished_at = time.time()
            ep.reward = r
            self._shadow.finish()
            # Built (redacted, validated) where they are first read: by a queued write, off this thread.
            events = self._handed = self._rec.hand_off(ep)
        try:
            if ep.applied:  # else nothing to credit, now or by a later feedback
                events.add(evo.ledger.credit_tool_guidance(ep.applied, self._choices))
                if r is not None:
                    n = evo.ledger.credit_episode(ep.applied, r)
                    if n:
                        events.add([Event(kind=EventKind.CREDIT, data={"reward": r, "source": "episode",
                                                                       "credited": n})])
                else:
                    evo.ledger.await_feedback(ep.id, ep.applied)
        except Exception:
            # A credit the store refused (a lost connection): the episode is still recorded (queued
            # if the store refuses that too), then the caller hears the error. Before, it was lost.
            evo.store.record_episode(ep, events)
            raise
        # (A library closing, a process ending: stored, not mined now; `learn` counts it.)
        minable = evo.miner is not None and EventKind.TOOL_ERROR in events.kinds()
        if minable and not evo.defers_mining():
            # Mining cites its evidence by event id: written now.
            resolved = events.resolve()
            key = write_key()
            try:
                # (The built events themselves: the episode's row hides what they hide, `known`.)
                ids = evo.store.save_episode(ep, events, key=key)
            except LibraryError:
                # The store refused the write now (a connection lost, a full disk): the episode is
                # queued like any other, written when the store takes writes again, and the caller
                # still hears why (it is not mined). Before, it was lost. Under the save's key: a
                # save that committed before its reply was lost is not written twice.
                evo._unlearned.note(ep.id)  # mined once the store answers (first: the queueing may raise too)
                evo.store.record_episode(ep, events, key=key)
                with self._lock:
                    self._rec.events = resolved
                raise
            stored = [e.model_copy(update={"id": i, "episode_id": ep.id}) for e, i in zip(events, ids, strict=True)]
        else:
            # Nothing waits on this write: queued, written off the agent's thread (the store's next
            # read in this process sees it).
            evo.store.record_episode(ep, events)
            # Its successful calls may contradict a live constant (`_contradiction`): read only then.
            stored = events.resolve() if left_out_constant_called(evo, events.tools()) else []
        with self._lock:
            self._rec.events = stored or events
        repairs: list[str] = []
        if ep.applied:
            evo.ledger.evaluate({a.key for a in ep.applied})
            # A version chosen for its guidance may carry the repair that acted too (`repairs`): the
            # transfer step checks each one's wins itself.
            repairs = [a.arm for a in ep.applied if (a.kind == "repair" or a.repairs) and a.arm != NULL_ARM]
        created = evo.learn(ep, stored, repairs) if stored or repairs or minable else []
        if created:
            ep.metadata["mined"] = list(created)
        return ep

    def _stored_episode(self) -> Episode:
        """The episode as the store writes it: redacted, the values it sent under secret names
        hidden too (as in its events), for a later write of the finished episode (a group's
        advantages)."""
        handed = self._handed
        return scrub_episode(self.episode, known_secrets(handed) if handed is not None else ())

    async def afinish(self, reward: float | None = None) -> Episode:
        """`finish` in a worker thread (it writes to the store and mines)."""
        return await asyncio.to_thread(self.finish, reward)


# ``async with evo.episode()``: `__enter__` is called from this frame, one below the statement's.
_AENTER_CODE = EpisodeContext.__aenter__.__code__
