"""The online engine: intercept -> match -> choose -> repair -> record -> credit -> mine -> lifecycle.

`Evolver` holds the configuration and the units every episode shares: the trigger index
(`_triggers`), the credit ledger (`_ledger`, the only caller of selector updates and lifecycle
decisions), the review gate and the tool catalogue. Adapters translate framework events into the
episode API of `EpisodeContext` (`_episode`; tool calls in `_tool_calls`, repair planning in
`_repair_plan`, events in `_recording`); `GroupContext` (`_group`) compares rollouts of one task.
See docs/architecture.md. Per episode, events are buffered in memory and written with the episode
in one transaction at `finish`; the selector (attached to the store) persists posteriors on each
credit.

What may block: `finish`, `Evolver.feedback`, the `policy_version` setter and `GroupContext`'s exit
write to the store (and `finish` mines); `on_tool_error` and `on_tool_result` may write a posterior
(immediate repair credit), `on_tool_error` sleeps for a learned retry's back-off. `guidance` and
`before_tool` only read the in-memory trigger cache (refreshed at most every `cache_ttl_s`). Async
code should use the ``a``-prefixed variants, which run the blocking parts in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _store
from ._abandoned import ending, store_abandoned
from ._admission import AdmissionPolicy
from ._detect import IsFailure
from ._discards import DiscardGuard
from ._episode import EpisodeContext, _current, current_episode
from ._errors import ConfigError, LibraryError, NotFoundError
from ._group import GroupContext
from ._ledger import CreditLedger
from ._ledger import check_reward as _check_reward
from ._lifecycle import Lifecycle, LifecycleConfig
from ._miners import as_miner, bind_catalog
from ._mining_mode import MiningMode, MiningOptions
from ._models import NULL_ARM, Episode, Event, EventKind, SkillVersion, TriggerKind, VersionStatus
from ._open_episodes import OpenEpisodes
from ._policy_change import announce_policy, check_policy_version
from ._redaction import capped_text
from ._repeats import admit, log_failure
from ._review_gate import ReviewGate, ReviewMode
from ._review_mode import raise_review, resolve_review, resolve_share
from ._sandbox import ProcessSandbox, Sandbox
from ._sanitize import safe_str
from ._schema_covers import as_declared
from ._schema_repair import retire_stale
from ._selection import Selector, ThompsonSelector
from ._shadow import SHADOW_BUDGET_S, ShadowCode
from ._store import SkillStore
from ._store_args import seed_arg
from ._stored_repair import StoredRepairs
from ._take_back import TakeBackQueue
from ._transfer import ToolCatalog, sync_transfers
from ._transfer_sources import SourceIndex
from ._triggers import TriggerIndex
from ._unlearned import UNLEARNED_MAX, Unlearned
from ._warmup import preload

if TYPE_CHECKING:
    from ._mining import Miner
    from ._sandbox import Sandbox
    from ._selection import Selector

# `_current`, `_check_reward` and `IsFailure` are imported from here by `skillevo.adapters`.
__all__ = ["EpisodeContext", "Evolver", "GroupContext", "IsFailure", "_check_reward", "_current", "current_episode"]

_logger = logging.getLogger("skillevo")


def _check_args(
    *, seed: object, guidance_budget_tokens: object, cache_ttl_s: object, null_arm: object, is_failure: object,
    sandbox: object, selector: object, lifecycle: object,
) -> int:
    """The Evolver's arguments of the wrong kind, refused at construction: each would otherwise
    fail later (in numpy, in a tool call's hook) with a foreign error, or be taken for something else."""
    checked = seed_arg("seed", seed)
    if checked is None:
        raise ConfigError("seed: expected a non-negative int (got None)")
    budget = guidance_budget_tokens
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise ConfigError(f"guidance_budget_tokens: must be an int >= 0 (got {safe_str(budget)[:40]!r})")
    ttl = cache_ttl_s
    # An infinite TTL is meaningful (never re-read: one process owns the library); NaN is not.
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl >= 0:
        raise ConfigError(f"cache_ttl_s: expected seconds >= 0 (got {safe_str(ttl)[:40]!r})")
    if not isinstance(null_arm, bool):
        raise ConfigError(f"null_arm: must be True or False (got {type(null_arm).__name__})")
    if is_failure is not None and not callable(is_failure):
        raise ConfigError(f"is_failure: must be callable or None (got {type(is_failure).__name__})")
    kinds: tuple[tuple[str, object, type, str], ...] = (
        ("sandbox", None if sandbox == "default" else sandbox, Sandbox, "a skillevo Sandbox, 'default' or None"),
        ("selector", selector, Selector, "a skillevo Selector or None"),
        ("lifecycle", lifecycle, LifecycleConfig, "a LifecycleConfig or None"),
    )
    for name, value, kind, expected in kinds:
        if value is not None and not isinstance(value, kind):
            raise ConfigError(f"{name}: expected {expected} (got {type(value).__name__})")
    return checked


class Evolver:
    """Online skill evolution around any agent loop.

    Args:
        lib: the skill library (any `SkillStore`).
        miner: turns an episode's failures into skill proposals (default `RuleMiner()`); a list
            runs several (``[RuleMiner(), LLMMiner(...)]``, each proposal checked once); ``None``
            disables mining.
        selector: chooses a version (or the null arm) per call site; attached to `lib` so
            posteriors persist and are shared by every process using the library.
        seed: seeds the default selector and the within-group assignment.
        policy_version: the policy (model) version the episodes run under; settable later.
        review: ``"auto"`` tests candidates on live calls and promotes winners;
            ``"required"``: no version a person has not approved changes a call or a prompt, the
            others run in shadow (computed and logged, scored against what really happened);
            ``"canary"``: unapproved versions are live on `canary_share` of the episodes, shadow on
            the rest (see docs/review.md). None (default): the library's own mark (``"auto"`` on a
            library never gated); a mode weaker than the mark is refused (`ConfigError`).
        canary_share: the share of episodes in which ``review="canary"`` lets unapproved versions apply.
            None (default): the library's (0.05 unless set); larger than a canary mark's is refused.
        lifecycle: thresholds of the candidate -> testing -> active | rejected lifecycle.
        guidance_budget_tokens: the most guidance (estimated tokens) added to one model call.
        sandbox: runs code strategies (default `ProcessSandbox()`); ``None`` never runs code.
        is_failure: a predicate on tool results that marks application-level failures.
        cache_ttl_s: how long trigger matches are reused before the library is read again
            (changes made through this Evolver are seen at once).
        null_arm: let "apply nothing" compete at every call site (the default). ``False`` is an
            ablation: a live version is then always applied, and none can be retired for losing
            to the null arm, since the null arm is never played.
        mining: ``"background"`` (the default): ``finish()`` only records, and a worker thread
            mines within `mine_budget_s` seconds per minute (`flush` waits for it);
            ``"inline"``: ``finish()`` mines before it returns (deterministic; scripts and tests).
            See docs/evolver.md.
        mine_budget_s: seconds of background mining per minute.
        shadow_budget_s: seconds of one episode that shadow runs of unapproved code skills may hold
            the agent's failed calls (``review="required"``/``"canary"``); a version whose one run
            takes longer is not run in shadow again by this Evolver (see `_shadow.ShadowCode`).
    """

    def __init__(
        self,
        lib: SkillStore,
        miner: Miner | Sequence[Miner] | Literal["default"] | None = "default",
        selector: Selector | None = None,
        *,
        seed: int = 0,
        policy_version: str | None = None,
        review: ReviewMode | None = None,
        canary_share: float | None = None,
        lifecycle: LifecycleConfig | None = None,
        guidance_budget_tokens: int = 400,
        sandbox: Sandbox | Literal["default"] | None = "default",
        is_failure: IsFailure | None = None,
        cache_ttl_s: float = 2.0,
        null_arm: bool = True,
        mining: MiningMode | None = None,
        mine_budget_s: float = 10.0,
        shadow_budget_s: float = SHADOW_BUDGET_S,
    ) -> None:
        if not isinstance(lib, SkillStore):
            raise ConfigError(
                f"Evolver needs a skill library, not {type(lib).__name__} {str(lib)[:80]!r}: "
                "use Evolver(SkillLibrary(location))"
            )
        # None: the library's own mark; a weaker mode (or a larger canary share) is refused (`_review_mode`).
        review = resolve_review(lib, review, "Evolver: review")
        canary_share = resolve_share(lib, review, canary_share, "Evolver: canary_share")
        seed = _check_args(
            seed=seed, guidance_budget_tokens=guidance_budget_tokens, cache_ttl_s=cache_ttl_s, null_arm=null_arm,
            is_failure=is_failure, sandbox=sandbox, selector=selector, lifecycle=lifecycle,
        )
        shadow_code = ShadowCode(shadow_budget_s)
        self.store = lib
        preload()  # heavy imports at start-up, never inside a tool call
        self.miner: Miner | None = as_miner(miner)
        self._mining = MiningOptions.of(mining, mine_budget_s)
        #: the episodes not finished yet; internal
        self.open_episodes = OpenEpisodes()
        # Closing the library first records them (a paused run's, another thread's): else lost.
        # Registered before the mining flush below, which then mines what they queued.
        lib.before_close(self._stop_open_episodes)
        if self._mining.mode == "background":
            # Closing the library first finishes what this Evolver queued for it (bounded wait).
            lib.before_close(self._flush_before_close)
        if sandbox == "default":
            sandbox = ProcessSandbox()
        self.sandbox: Sandbox | None = sandbox
        self.selector: Selector = selector if selector is not None else ThompsonSelector(seed=seed)
        self.selector.attach(lib)
        # Decides, per episode and version, what may change a call or a prompt and what runs in shadow.
        self.gate = ReviewGate(lib, review, canary_share, seed=seed, ttl_s=cache_ttl_s)
        if self.gate.gated:
            raise_review(lib, review, canary_share)
        #: what shadow runs of unapproved code skills may cost the agent; internal
        self.shadow_code = shadow_code
        self.lifecycle: Lifecycle = Lifecycle(lib, self.selector, lifecycle or LifecycleConfig(), review=review)
        self.guidance_budget_tokens = int(guidance_budget_tokens)
        self.is_failure = is_failure
        self.cache_ttl_s = float(cache_ttl_s)
        self.null_arm = bool(null_arm)
        self._policy_version = check_policy_version(policy_version)
        self._rng = np.random.default_rng(seed)
        self._lock = threading.RLock()
        #: which stored skills a call site can use (cached store matches); internal
        #: refused stored versions to take back, written off the call path; internal
        self.take_back = TakeBackQueue(self._retract)
        lib.before_close(self._close_take_back)
        self.triggers = TriggerIndex(lib, cache_ttl_s, vet=StoredRepairs(self._take_back).vet)
        #: credits arms and runs the lifecycle decisions due; internal
        self.ledger = CreditLedger(self.selector, self.lifecycle, self.invalidate)
        #: the tools this Evolver knows (arguments, declared schemas): where learned repairs transfer
        self.tools = bind_catalog(self.miner, ToolCatalog())
        #: which repairs may throw a value the model chose away before a call (`_discards`); internal
        self.discards = DiscardGuard(lib, self.tools, cache_ttl_s)
        #: the repairs that may transfer, by argument (read here, at start-up: never on a call's path)
        self.transfer_sources = SourceIndex()
        try:
            self.transfer_sources.load(lib.skills())
        except Exception as exc:  # a library away at start: loaded at the first look off the call path
            log_failure(_logger, "skillevo: the repairs to offer to new tools are read later", exc)
        #: episodes whose learning the store refused, learned from when it answers (`_unlearned`)
        self._unlearned = Unlearned()
        self._closing = False  # the library is closing: the episodes it stops are not mined now
        self._not_mined_at_close = 0
        #: versions whose offer to other tools the store refused, offered with the next ones
        self._offer_later: list[str] = []

    # ------------------------------------------------------------------ configuration

    @property
    def review(self) -> ReviewMode:
        """The review mode this process runs: the one it was given or the library's mark, raised when
        another process raises the mark (`ReviewGate`)."""
        return self.gate.mode

    @property
    def canary_share(self) -> float:
        """The canary share this process runs: lowered when another process lowers the library's."""
        return self.gate.canary_share

    @property
    def policy_version(self) -> str | None:
        """The policy version new episodes are recorded under."""
        return self._policy_version

    @policy_version.setter
    def policy_version(self, value: str | None) -> None:
        """Announce a new policy: every posterior is reset at once and a POLICY_CHANGE event is logged,
        once per library (another process that announced this version first has reset it already).
        A version that is not text a store can hold is a `ConfigError`; the Evolver takes the new
        version only once the library has it (a failed announcement leaves the old one in place)."""
        version = check_policy_version(value)
        with self._lock:
            old = self._policy_version
            if version == old:
                return
            announce_policy(self.store, self.selector, old, version)
            self._policy_version = version

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the mining of finished episodes has run and the refused stored versions are
        taken back (False when `timeout` passed first, or the store refused a take-back)."""
        start = time.monotonic()
        mined = self._mining.flush(timeout)
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - start))
        return self.take_back.flush(left) and mined

    def _flush_before_close(self) -> None:
        if not self.flush(self.store.close_time_left()):
            # Past the close's budget: what is still queued would only meet a closed library.
            skipped = self._mining.drop_queued()
            _logger.warning(
                "skillevo: %d mining jobs not run when the library closed (past its %.0f s; their episodes "
                "are stored: `skillevo train` mines them)", skipped, _store.CLOSE_HOOKS_S,
            )

    def _stop_open_episodes(self) -> None:
        # The episodes stopped here are stored, not mined (`learn`): mining each inline made the
        # close take one mining per open episode (a model call each, with an LLM miner). The
        # nightly `skillevo train` mines every stored episode with a failure.
        self._closing = True
        try:
            self.open_episodes.stop_all()
        finally:
            self._closing = False
            skipped, self._not_mined_at_close = self._not_mined_at_close, 0
        if skipped:
            _logger.info("skillevo: %d episodes stopped as the library closed are stored, not mined now "
                         "(`skillevo train` mines them)", skipped)

    def close(self, timeout: float | None = None) -> bool:
        """Run the pending mining, then stop the background miner (the library stays open)."""
        return self._mining.close(timeout)

    def register_tools(self, tools: Mapping[str, Any]) -> None:
        """Declare tools' JSON schemas by name (``{"properties": {...}, "required": [...]}``: a LangChain
        ``args_schema.model_json_schema()``, an MCP tool's ``inputSchema``).

        A repair learned on one tool's argument is then offered, as a candidate tested against doing
        nothing, to every declared tool with an argument of that name and type (see `_transfer`), and
        a call that breaks its tool's schema gets a candidate repair before it fails (`_schema_repair`;
        a tool declaring another schema retires the candidates drawn from its old one).
        """
        retire_stale(self, self.tools.register(tools))
        sync_transfers(self, [], call_path=True)

    def _transfer(self, created: list[str], *, call_path: bool = False) -> list[str]:
        """Transferred candidates of the versions just mined (or of all, after new tools were seen;
        `call_path`: only for the tools new since, from memory: `sync_transfers`). Versions whose
        offer the store refused are offered again with the next ones (before 2026-12-07 they never
        were), and the tools it refused are looked at again (`sync_transfers` keeps them)."""
        with self._lock:
            created, self._offer_later = list(dict.fromkeys(self._offer_later + created)), []
        try:
            return sync_transfers(self, created, call_path=call_path)
        except Exception as exc:  # learning more must never be the reason an episode fails to finish
            if isinstance(exc, LibraryError):
                with self._lock:
                    self._offer_later = list(dict.fromkeys(created + self._offer_later))[-UNLEARNED_MAX:]
            log_failure(_logger, "skillevo: offering learned repairs to other tools failed", exc)
            return []

    def _learn_noted(self) -> tuple[list[str], list[str]]:
        """Learn from the episodes whose learning the store refused earlier (`_unlearned`), read back
        from it: the versions created, and the repairs those episodes used (to offer). Stops at the
        first the store refuses again (it and the rest stay noted); never raises."""
        created: list[str] = []
        offered: list[str] = []
        noted = self._unlearned.take()
        for i, (episode_id, repairs, tries) in enumerate(noted):
            try:
                episode = self.store.episode(episode_id)  # not found: its queued write is not in yet
                events = self.store.events(episode_id=episode_id)
                created += self._mine(episode, events)
            except Exception as exc:
                self._unlearned.note(episode_id, repairs, tries + 1)
                for rest in noted[i + 1 :]:
                    self._unlearned.note(*rest)
                if not isinstance(exc, LibraryError | NotFoundError):  # the store away, or not written yet
                    log_failure(_logger, "skillevo: mining an earlier episode failed (the episode is stored)", exc)
                break
            self._wake_imports(events)
            offered += repairs
        return created, offered

    def _take_back(self, version: SkillVersion, reason: str) -> None:
        """A stored version whose repair the trigger index refused (`skillevo._stored_repair`) is
        taken back where every process and `skillevo ls` sees it: retired when active, else rejected.
        Queued (`TakeBackQueue`): the index refuses it on a call's path, which writes nothing."""
        self.take_back.put(version.id, f"stored repair refused before any call: {reason}")

    def _retract(self, version_id: str, reason: str) -> None:
        self.lifecycle.retract(version_id, reason)

    def _close_take_back(self) -> None:
        self.take_back.close(self.store.close_time_left())

    def invalidate(self) -> None:
        """Forget cached trigger matches (call after editing the library from outside this Evolver)."""
        self.triggers.invalidate()
        self.gate.clear()

    # ------------------------------------------------------------------ episodes

    def episode(
        self, task: str = "", group: str | None = None, *, metadata: dict[str, Any] | None = None
    ) -> EpisodeContext:
        """Start an episode (use as a context manager, or call `EpisodeContext.finish`). A task or
        group that is not a string, or metadata that is not a mapping, is a `ConfigError`."""
        _check_text("episode: task", task)
        if group is not None:
            _check_text("episode: group", group)
        if metadata is not None and not isinstance(metadata, Mapping):
            raise ConfigError(f"episode: metadata must be a mapping (got {type(metadata).__name__})")
        store_abandoned()  # those dropped unfinished since (queued by the collector: `_abandoned`)
        return EpisodeContext(self, task=task, group_id=group, metadata=metadata)

    def group(self, task: str = "", size: int = 8) -> GroupContext:
        """Start a group of `size` rollouts of one task for a within-group comparison."""
        _check_text("group: task", task)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"group size must be an int >= 1 (got {size!r})")
        return GroupContext(self, task=task, size=size, rng=self._rng)

    def feedback(self, episode_id: str, reward: float) -> Episode:
        """A delayed reward for a finished episode: stored, and credited to the guidance it applied.

        `episode_id` is an episode id, or the run id an adapter recorded for the episode (LangChain's
        root ``run_id``, a CrewAI kickoff id: see `EpisodeContext.link_run`). Repairs were credited
        when their calls returned and are not credited again. An episode's reward is credited once:
        a reward for an episode that has one already replaces the stored reward and credits nothing
        (crediting it too counted the episode's choices twice).
        """
        r = _check_reward(reward)
        # A run id linked here or in another process, or the id: one NotFoundError when neither.
        episode_id = self.episode_for(episode_id)
        stored = self.store.episode(episode_id)
        episode = self.store.set_reward(episode_id, r)
        if stored.reward is not None:
            self.store.log_events([Event(kind=EventKind.FEEDBACK, episode_id=episode_id,
                                         data={"reward": r, "credited": 0, "replaced": stored.reward})])
            return episode
        applied = self.ledger.awaiting(episode_id)
        if applied is None:
            applied = episode.applied
        credited = self.ledger.credit_episode(applied, r)
        self.store.log_events(
            [Event(kind=EventKind.FEEDBACK, episode_id=episode_id, data={"reward": r, "credited": credited})]
        )
        self.ledger.evaluate({a.key for a in applied if a.kind == "guidance"})
        return episode

    async def afeedback(self, episode_id: str, reward: float) -> Episode:
        """`feedback` in a worker thread."""
        return await asyncio.to_thread(self.feedback, episode_id, reward)

    def episode_for(self, ref: str) -> str:
        """The episode id for `ref`: an episode id, or a run id recorded with `EpisodeContext.link_run`.

        Run ids linked in this process are looked up in memory; others are found in the stored
        episodes' ``run_id`` metadata (a scan of the library: for many, prefer episode ids). Raises
        `NotFoundError` when `ref` is neither.
        """
        if not isinstance(ref, str) or not ref:
            raise ConfigError(f"feedback: expected an episode id or a run id (got {ref!r})")
        mapped = self.ledger.episode_of_run(ref)
        if mapped is not None:
            return mapped
        try:
            return self.store.episode(ref).id
        except NotFoundError:
            pass
        found = [e.id for e in self.store.episodes() if e.metadata.get("run_id") == ref]
        if not found:
            raise NotFoundError(f"no episode with id or run id {ref!r}")
        return found[-1]

    def learn(self, episode: Episode, events: Sequence[Event], repaired: Sequence[str] = ()) -> list[str]:
        """Mine a finished episode's failures (`events` as stored, with ids) and offer the repairs it
        used (`repaired`: version ids) to other tools; `EpisodeContext.finish` calls this.

        Runs now (``mining="inline"``) or is queued for the background miner; returns the version
        ids created (none yet when queued). An episode the library's close stops is not mined here
        (the close would wait on the miner once per open episode): `skillevo train` mines it.
        """
        if self.defers_mining():
            self._not_mined_at_close += self._closing
            return []
        repairs = list(repaired)

        def learn(episode: Episode, saved: Sequence[Event]) -> list[str]:
            try:
                made = self._mine(episode, saved) if saved else []
            except LibraryError:  # the store is away: learned from when it answers (`_unlearned`)
                if self.store.closed:
                    return self._after_close(episode)
                self._unlearned.note(episode.id, tuple(repairs))
                raise
            if self.store.closed:  # closed while it mined (the process shuts down): nothing more to write
                return made
            self._wake_imports(saved)
            earlier, offered = self._learn_noted()
            made += earlier
            return made + self._transfer(made + repairs + offered)

        return self._mining.run(learn, episode, list(events))

    def defers_mining(self) -> bool:
        """Whether an episode finished now is stored, not mined (`skillevo train` mines it): its library
        closing (`_stop_open_episodes`) or the process ending (`skillevo._abandoned`)."""
        return self._closing or ending()

    @staticmethod
    def _after_close(episode: Episode) -> list[str]:
        # Mining that was running when its library closed: the episode is stored and the nightly
        # `skillevo train` mines it; before 2026-12-07 each such job logged the closed library's error.
        _logger.debug("skillevo: mining of episode %s stopped: its library closed", episode.id)
        return []

    # ------------------------------------------------------------------ learning

    def _credit(self, key: str, arm: str, reward: float) -> None:
        self.ledger.credit(key, arm, reward)

    #: The checks a mined proposal must pass (``[miner]`` of the config: ``cfg.miner.admission()``);
    #: the nightly job admits by the same rule.
    admission: AdmissionPolicy = AdmissionPolicy()

    def _wake_imports(self, events: Sequence[Event]) -> None:
        """An episode that corrected a failed call may be the evidence an imported candidate waits
        for (`skillevo._probation`): the skills of the tools that failed in it with a candidate and no
        test are looked at again (the lifecycle starts the first that may start)."""
        failed = {e.tool for e in events if e.kind == EventKind.TOOL_ERROR and e.tool}
        if not failed:
            return
        try:
            # Looked up by trigger kind and tool (indexed), not read from the whole library: that read
            # took 0.3 s of every such episode on 1,000 skills. Each kind's glob skills (`match` with no
            # tool), then the failed tools' own; the versions read are the candidates and tests only.
            statuses = (VersionStatus.CANDIDATE, VersionStatus.TESTING)
            found = [
                s for kind in TriggerKind for tool in (None, *sorted(failed))
                for s in self.store.match(kind, tool, statuses=statuses)
            ]
            waiting = {
                s.name for s in found
                if (s.trigger.tool in failed or s.trigger.tool_is_glob)
                and any(v.status is VersionStatus.CANDIDATE for v in s.versions)
                and not any(v.status is VersionStatus.TESTING for v in s.versions)
            }
            if waiting:
                self.ledger.evaluate(waiting)
        except Exception as exc:  # never the reason an episode fails: they are looked at after a later one
            if self.store.closed:
                return  # the process shuts down: nothing to look at them with
            # A store outage is said once, with the adapters' count (`_repeats`), not once an episode.
            loud, note = admit(exc)
            _logger.log(logging.WARNING if loud else logging.DEBUG, "skillevo: waiting candidates not looked "
                        "at: %s%s", type(exc).__name__, note)

    def _mine(self, episode: Episode, events: Sequence[Event]) -> list[str]:
        """Mine the episode's failures; store accepted proposals as candidates and start their tests."""
        if self.miner is None:
            return []
        from ._contradiction import charge_contradicted

        if not any(e.kind == EventKind.TOOL_ERROR for e in events):
            # Nothing to mine; the episode's own calls may still say a live constant's value varies.
            charged = charge_contradicted(self, episode.id, events, episode.task)
            if charged:
                self.store.log_events(charged)
                self.invalidate()
            return []
        from ._admission import admit
        from ._enum_synonyms import synonym_proposals
        from ._mining import observed_win

        try:
            proposals = self.miner.mine(events, self.store)
            proposals = [*proposals, *synonym_proposals(self, events)]
        except LibraryError:
            raise  # the store's, not the miner's: the episode is learned from when it answers
        except Exception as exc:  # a miner that fails (on hostile tool text, a model down) loses no episode
            reason = f"miner failed: {type(exc).__name__}: {capped_text(str(exc), 300)}"
            self.store.log_events(
                [Event(kind=EventKind.PROPOSAL_REJECTED, episode_id=episode.id, data={"miner": self.miner.name,
                                                                                      "reason": reason})]
            )
            return []
        proposals = as_declared(self, proposals, events)  # (what the declared schemas leave, as they bound it)
        admission = admit(
            proposals, self.store, miner=self.miner.name, episode_id=episode.id, policy=self.admission
        )
        log = admission.events
        created = [a.version_id for a in admission.admitted]
        # Created versions whose repair this episode already saw beat doing nothing.
        won = {a.version_id for a in admission.admitted if observed_win(a.proposal, events)}
        started = [v for v in created if self.lifecycle.start(v) is not None]
        for version_id in started:
            if version_id in won:
                # The correction it was learned from is one observed comparison at that call site:
                # the failed call is what the null arm did, the success what the repair produces.
                key = self.store.version(version_id).skill
                self._credit(key, version_id, 1.0)
                self._credit(key, NULL_ARM, 0.0)
                log.append(
                    Event(
                        kind=EventKind.CREDIT,
                        episode_id=episode.id,
                        version_id=version_id,
                        data={"key": key, "arm": version_id, "reward": 1.0, "null_reward": 0.0, "source": "evidence"},
                    )
                )
        contradicted = charge_contradicted(self, episode.id, events, episode.task)
        log.extend(contradicted)
        if log:
            self.store.log_events(log)
        if created or admission.known or contradicted:
            # A proposal the library holds already may be one another process stored since this
            # one last read its triggers: read them again now, not up to `cache_ttl_s` later (in
            # the meantime every episode here meets the failure that version repairs).
            self.invalidate()
        return created


def _check_text(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"{what} must be a string (got {type(value).__name__} {safe_str(value)[:80]!r})")
