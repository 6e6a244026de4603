"""The online engine: intercept -> select -> apply -> credit -> mine -> lifecycle, framework-free.

Adapters translate framework events into the episode API of `EpisodeContext`; everything that
learns lives here. Per episode, events are buffered in memory and written with the episode in one
transaction at `finish`; the selector (attached to the store) persists posteriors on each credit.

What may block: `finish`, `Evolver.feedback`, the `policy_version` setter and `GroupContext`'s exit
write to the store (and `finish` mines); `on_tool_error` and `on_tool_result` may write a posterior
(immediate repair credit) and `on_tool_error` sleeps for a learned retry's back-off. `guidance` and
`before_tool` only read the in-memory trigger cache (refreshed from the store at most every
`cache_ttl_s`). Async code should use the ``a``-prefixed variants, which run the blocking parts in a
worker thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import decimal
import json
import logging
import math
import numbers
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._detect import SCAN_CHARS, classify_error, detect_failure, error_signature
from ._errors import ConfigError, NotFoundError, SkillevoError
from ._guidance import compose_guidance
from ._mining_mode import MiningMode, MiningOptions
from ._models import (
    NULL_ARM,
    Applied,
    Episode,
    Event,
    EventKind,
    Origin,
    Repair,
    Retry,
    Skill,
    SkillVersion,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from ._redaction import capped_text, redact
from ._regex import Pattern
from ._regex import usable as usable_pattern
from ._repair import apply_repair, precondition_holds, same_args
from ._review_gate import ReviewGate, ReviewMode
from ._sanitize import json_text
from ._shadow import ShadowBook
from ._store import SkillStore
from ._store_common import mark_scrubbed

if TYPE_CHECKING:
    from ._lifecycle import Lifecycle, LifecycleConfig
    from ._mining import Miner
    from ._sandbox import Sandbox
    from ._selection import Selector

__all__ = ["EpisodeContext", "Evolver", "GroupContext", "current_episode"]

_RESULT_MAX_CHARS = 2000
_CLOSE_FLUSH_S = 10.0  # the most a library's close waits for an Evolver's queued mining
_ERROR_MAX_CHARS = 2000  # with the ellipsis a cut adds
_RETRY_AFTER = re.compile(r"retry[- ]after\D{0,20}?(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?)?", re.I)

_current: contextvars.ContextVar[EpisodeContext | None] = contextvars.ContextVar("skillevo_episode", default=None)

IsFailure = Callable[[Any], bool]

#: the events an episode's `listener` is told about as they happen
_TRACED = frozenset({EventKind.SELECTION, EventKind.REPAIR, EventKind.GUIDANCE})
_logger = logging.getLogger("skillevo")


def current_episode() -> EpisodeContext | None:
    """The episode entered (``with evo.episode(...)``) in the current thread / asyncio task, if any."""
    return _current.get()


_SCALARS = (bool, int, float)


def _jsonable(value: Any, max_chars: int) -> Any:
    """A JSON-safe, size-capped copy of `value` (strings are cut, other objects become their repr).

    What is cut is redacted first (a cut can split a secret so that no rule sees it); what is kept
    whole is redacted when the event is built."""
    # Fast paths for the common small shapes: no JSON round trip on the per-call path.
    if isinstance(value, str):
        return value if len(value) <= max_chars else capped_text(value, max_chars)
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict) and len(value) <= 32:
        for k, v in value.items():
            if not isinstance(k, str) or not (
                v is None or isinstance(v, _SCALARS) or (isinstance(v, str) and len(v) <= 256)
            ):
                break
        else:
            return dict(value)
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # circular or 3,000 deep: bounded, mended
        text = json_text(value)
    if len(text) <= max_chars:
        return json.loads(text)
    return capped_text(json.dumps(redact(json.loads(text)), ensure_ascii=False), max_chars)


def _args_key(tool: str, args: Any) -> str:
    try:
        return tool + "\x00" + json.dumps(args, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return tool + "\x00" + json_text(args)


def _error_parts(error: BaseException | str | Any) -> tuple[str, str]:
    """(error type, message) of an exception, an error string, or anything failure-shaped; the
    message bounded to its first `SCAN_CHARS` characters (a 10 MB error costs what 8 KB does)."""
    if isinstance(error, BaseException):
        return type(error).__name__, str(error)[:SCAN_CHARS] or type(error).__name__
    if isinstance(error, str):
        return "error", error[:SCAN_CHARS]
    failure = detect_failure(error)
    if failure is not None:
        return failure.error_type or "error", failure.message
    return "error", str(error)[:SCAN_CHARS]


def _retry_after(message: str) -> float | None:
    m = _RETRY_AFTER.search(message)
    if m is None:
        return None
    value = float(m.group(1))
    unit = (m.group(2) or "s").lower()
    return value / 1000.0 if unit.startswith("m") else value


@dataclass
class _Pending:
    """A call whose outcome will credit a repair (or its null arm) at one call site."""

    key: str
    arm: str
    kind: Literal["repair", "code"]
    trigger: Trigger | None = None  # the site's trigger: which failures are its business (`_attribution`)
    sent: str | None = None  # a pre-emptive repair: the call as the caller sent it (`_args_key`)


@dataclass
class _Cached:
    skills: list[Skill]
    at: float


@dataclass
class _Choice:
    arm: str
    version: SkillVersion | None


@dataclass
class _GroupSlot:
    """Within-group assignment state for one skill in one group."""

    arms: dict[int, str] = field(default_factory=dict)


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
        review: ``"auto"`` (default) tests candidates on live calls and promotes winners;
            ``"required"``: no version a person has not approved changes a call or a prompt, the
            others run in shadow (computed and logged, scored against what really happened);
            ``"canary"``: unapproved versions are live on `canary_share` of the episodes, shadow on
            the rest (see docs/review.md).
        canary_share: the share of episodes in which ``review="canary"`` lets unapproved versions apply.
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
    """

    def __init__(
        self,
        lib: SkillStore,
        miner: Miner | Sequence[Miner] | Literal["default"] | None = "default",
        selector: Selector | None = None,
        *,
        seed: int = 0,
        policy_version: str | None = None,
        review: ReviewMode = "auto",
        canary_share: float = 0.05,
        lifecycle: LifecycleConfig | None = None,
        guidance_budget_tokens: int = 400,
        sandbox: Sandbox | Literal["default"] | None = "default",
        is_failure: IsFailure | None = None,
        cache_ttl_s: float = 2.0,
        null_arm: bool = True,
        mining: MiningMode | None = None,
        mine_budget_s: float = 10.0,
    ) -> None:
        from ._lifecycle import Lifecycle, LifecycleConfig
        from ._review_gate import check_review
        from ._selection import ThompsonSelector
        from ._warmup import preload

        if not isinstance(lib, SkillStore):
            raise ConfigError(
                f"Evolver needs a skill library, not {type(lib).__name__} {str(lib)[:80]!r}: "
                "use Evolver(SkillLibrary(location))"
            )
        review, canary_share = check_review(review, canary_share)
        if guidance_budget_tokens < 0:
            raise ConfigError(f"guidance_budget_tokens: must be >= 0 (got {guidance_budget_tokens!r})")
        self.store = lib
        preload()  # heavy imports at start-up, never inside a tool call
        from ._miners import as_miner

        self.miner: Miner | None = as_miner(miner)
        self._mining = MiningOptions.of(mining, mine_budget_s)
        if self._mining.mode == "background":
            # Closing the library first finishes what this Evolver queued for it (bounded wait).
            lib.before_close(self._flush_before_close)
        if sandbox == "default":
            from ._sandbox import ProcessSandbox

            sandbox = ProcessSandbox()
        self.sandbox: Sandbox | None = sandbox
        self.selector: Selector = selector if selector is not None else ThompsonSelector(seed=seed)
        self.selector.attach(lib)
        self.review = review
        self.canary_share = canary_share
        # Decides, per episode and version, what may change a call or a prompt and what runs in shadow.
        self.gate = ReviewGate(lib, review, canary_share, seed=seed, ttl_s=cache_ttl_s)
        self.lifecycle: Lifecycle = Lifecycle(lib, self.selector, lifecycle or LifecycleConfig(), review=review)
        self.guidance_budget_tokens = int(guidance_budget_tokens)
        self.is_failure = is_failure
        self.cache_ttl_s = float(cache_ttl_s)
        self.null_arm = bool(null_arm)
        self._policy_version = policy_version
        self._rng = np.random.default_rng(seed)
        self._lock = threading.RLock()
        self._cache: dict[tuple[TriggerKind, str | None], _Cached] = {}
        self._generation = 0
        self._derived_cache: dict[tuple[str, Any], tuple[float, int, Any]] = {}
        # Episodes finished without a reward, kept so a later `feedback` can credit their guidance
        # without re-reading the store; bounded, the store is the fallback.
        self._awaiting: dict[str, list[Applied]] = {}
        # Run ids (a framework's id for one invocation) -> episode ids, for `feedback` by run id;
        # bounded, the episodes' ``run_id`` metadata in the store is the fallback.
        self._runs: dict[str, str] = {}
        from ._transfer import ToolCatalog

        #: the tools this Evolver knows (arguments, declared schemas): where learned repairs transfer
        self.tools = ToolCatalog()

    # ------------------------------------------------------------------ configuration

    @property
    def policy_version(self) -> str | None:
        """The policy version new episodes are recorded under."""
        return self._policy_version

    @policy_version.setter
    def policy_version(self, value: str | None) -> None:
        """Announce a new policy: every posterior is reset at once and a POLICY_CHANGE event is logged."""
        with self._lock:
            old = self._policy_version
            if value == old:
                return
            self._policy_version = value
            self.selector.notify_change()
            self.store.log_events([Event(kind=EventKind.POLICY_CHANGE, data={"from": old, "to": value})])

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the mining of finished episodes has run (False when `timeout` passed first)."""
        return self._mining.flush(timeout)

    def _flush_before_close(self) -> None:
        if not self.flush(_CLOSE_FLUSH_S):
            _logger.warning("skillevo: mining still queued after %.0f s when the library closed", _CLOSE_FLUSH_S)

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
        from ._schema_repair import retire_stale
        from ._transfer import sync_transfers

        retire_stale(self, self.tools.register(tools))
        sync_transfers(self, [])

    def _transfer(self, created: list[str]) -> list[str]:
        """Transferred candidates of the versions just mined (or of all, after new tools were seen)."""
        from ._transfer import sync_transfers

        try:
            return sync_transfers(self, created)
        except Exception:  # learning more must never be the reason an episode fails to finish
            _logger.exception("skillevo: offering learned repairs to other tools failed")
            return []

    def _from_schema(self, tool: str, args: Any) -> None:
        """Candidates for the ways a call breaks its tool's declared schema (see `_schema_repair`)."""
        from ._schema_repair import propose

        try:
            propose(self, tool, args)
        except Exception:  # learning more must never be the reason a call fails
            _logger.exception("skillevo: proposing repairs from %s's schema failed", tool)

    def invalidate(self) -> None:
        """Forget cached trigger matches (call after editing the library from outside this Evolver)."""
        with self._lock:
            self._cache.clear()
            self._derived_cache.clear()
            self._generation += 1
        self.gate.clear()

    # ------------------------------------------------------------------ episodes

    def episode(
        self, task: str = "", group: str | None = None, *, metadata: dict[str, Any] | None = None
    ) -> EpisodeContext:
        """Start an episode (use as a context manager, or call `EpisodeContext.finish`)."""
        return EpisodeContext(self, task=task, group_id=group, metadata=metadata)

    def group(self, task: str = "", size: int = 8) -> GroupContext:
        """Start a group of `size` rollouts of one task for a within-group comparison."""
        if size < 1:
            raise ConfigError(f"group size must be >= 1 (got {size!r})")
        return GroupContext(self, task=task, size=size)

    def feedback(self, episode_id: str, reward: float) -> Episode:
        """A delayed reward for a finished episode: stored, and credited to the guidance it applied.

        `episode_id` is an episode id, or the run id an adapter recorded for the episode (LangChain's
        root ``run_id``, a CrewAI kickoff id: see `EpisodeContext.link_run`). Repairs were credited
        when their calls returned and are not credited again.
        """
        r = _check_reward(reward)
        if not isinstance(episode_id, str) or not episode_id:
            raise ConfigError(f"feedback: expected an episode id or a run id (got {episode_id!r})")
        with self._lock:
            episode_id = self._runs.get(episode_id, episode_id)
        try:
            episode = self.store.set_reward(episode_id, r)
        except NotFoundError:  # a run id linked in another process
            episode_id = self.episode_for(episode_id)
            episode = self.store.set_reward(episode_id, r)
        with self._lock:
            applied = self._awaiting.pop(episode_id, None)
        if applied is None:
            applied = episode.applied
        credited = self._credit_episode(episode_id, applied, r, source="feedback")
        self.store.log_events(
            [Event(kind=EventKind.FEEDBACK, episode_id=episode_id, data={"reward": r, "credited": credited})]
        )
        self._evaluate({a.key for a in applied if a.kind == "guidance"})
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
        with self._lock:
            mapped = self._runs.get(ref)
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

    def _link_run(self, run_id: str, episode_id: str) -> None:
        with self._lock:
            self._runs.pop(run_id, None)
            self._runs[run_id] = episode_id
            while len(self._runs) > 10_000:
                self._runs.pop(next(iter(self._runs)))

    # ------------------------------------------------------------------ internals used by contexts

    def _match(self, kind: TriggerKind, tool: str | None) -> list[Skill]:
        now = time.monotonic()
        cache_key = (kind, tool)
        with self._lock:
            hit = self._cache.get(cache_key)
            if hit is not None and now - hit.at < self.cache_ttl_s:
                return hit.skills
        skills = self.store.match(kind, tool)
        with self._lock:
            self._cache[cache_key] = _Cached(skills, now)
        return skills

    def _fresh(self, name: str, key: Any) -> Any:
        """The cached derived value `name` for `key` while it is fresh, else None (the per-call fast path)."""
        # A dict read is atomic: no lock needed; `invalidate` bumps the generation after clearing.
        hit = self._derived_cache.get((name, key))
        if hit is not None and time.monotonic() - hit[0] < self.cache_ttl_s and hit[1] == self._generation:
            return hit[2]
        return None

    def _derived(self, name: str, key: Any, build: Callable[[], Any]) -> Any:
        """A value computed from trigger matches, cached as long as the matches are."""
        now = time.monotonic()
        hit = self._fresh(name, key)
        if hit is not None:
            return hit
        generation = self._generation
        value = build()
        with self._lock:
            self._derived_cache[(name, key)] = (now, generation, value)
        return value

    def _preemptive(self, tool: str) -> list[tuple[TriggerKind, Skill]]:
        """Skills on `tool` with a live repair version that has a precondition (pre-emptive candidates)."""
        hit: list[tuple[TriggerKind, Skill]] | None = self._fresh("preemptive", tool)
        if hit is not None:
            return hit

        def build() -> list[tuple[TriggerKind, Skill]]:
            return [
                (kind, skill)
                for kind in (TriggerKind.BEFORE_TOOL, TriggerKind.TOOL_ERROR)
                for skill in self._match(kind, tool)
                if any(
                    v.strategy.repair is not None and v.strategy.repair.precondition is not None for v in skill.versions
                )
            ]

        result: list[tuple[TriggerKind, Skill]] = self._derived("preemptive", tool, build)
        return result

    def _observers(self, tool: str) -> list[tuple[Skill, Pattern | None]]:
        """Skills with an observation trigger on `tool`, each with its result pattern compiled (RE2)."""
        hit: list[tuple[Skill, Pattern | None]] | None = self._fresh("observation", tool)
        if hit is not None:
            return hit

        def build() -> list[tuple[Skill, Pattern | None]]:
            return [
                (skill, None if skill.trigger.pattern is None else usable_pattern(skill.trigger.pattern, True))
                for skill in self._match(TriggerKind.OBSERVATION, tool)
            ]

        result: list[tuple[Skill, Pattern | None]] = self._derived("observation", tool, build)
        return result

    def _guidance_candidates(self, tools: tuple[str, ...]) -> tuple[list[Skill], list[Skill]]:
        """(skills for every call, task-start skills) that carry guidance, for this tool set."""
        hit: tuple[list[Skill], list[Skill]] | None = self._fresh("guidance", tools)
        if hit is not None:
            return hit

        def build() -> tuple[list[Skill], list[Skill]]:
            every: dict[str, Skill] = {}
            for skill in self._match(TriggerKind.ALWAYS, None):
                every.setdefault(skill.name, skill)
            for tool in tools:
                for kind in (TriggerKind.BEFORE_TOOL, TriggerKind.TOOL_ERROR):
                    for skill in self._match(kind, tool):
                        every.setdefault(skill.name, skill)
            start = list(self._match(TriggerKind.TASK_START, None))

            def has(sk: Skill) -> bool:
                return any(v.strategy.guidance for v in sk.versions)

            return [sk for sk in every.values() if has(sk)], [sk for sk in start if has(sk)]

        result: tuple[list[Skill], list[Skill]] = self._derived("guidance", tools, build)
        return result

    def _choose(self, skill: Skill, arms_versions: Sequence[SkillVersion]) -> tuple[_Choice, float]:
        arms = [v.id for v in arms_versions]
        if self.null_arm or not arms:
            arms.append(NULL_ARM)
        arm = self.selector.choose(skill.name, arms)
        propensity = self.selector.propensity(skill.name, arms, arm)
        version = next((v for v in arms_versions if v.id == arm), None)
        return _Choice(arm, version), propensity

    def _credit(self, key: str, arm: str, reward: float) -> None:
        self.selector.update(key, arm, reward)

    def _credit_episode(self, episode_id: str, applied: Sequence[Applied], reward: float, source: str) -> int:
        from ._attribution import credit_episode

        credit_episode(self, applied, reward)  # the episode-reward check of repair promotions
        n = 0
        for a in applied:
            if a.kind == "guidance" and not a.credited:
                self._credit(a.key, a.arm, reward)
                n += 1
        return n

    def _evaluate(self, keys: set[str]) -> None:
        changed = False
        for key in sorted(keys):
            try:
                transitions = self.lifecycle.evaluate(key)
            except NotFoundError:
                continue
            changed = changed or bool(transitions)
        if changed:
            self.invalidate()

    def _mine(self, episode: Episode, events: Sequence[Event]) -> list[str]:
        """Mine the episode's failures; store accepted proposals as candidates and start their tests."""
        if self.miner is None or not any(e.kind == EventKind.TOOL_ERROR for e in events):
            return []
        from ._mining import check_proposal, observed_win

        try:
            proposals = self.miner.mine(events, self.store)
        except Exception as exc:  # a miner that fails (on hostile tool text, a model down) loses no episode
            reason = f"miner failed: {type(exc).__name__}: {capped_text(str(exc), 300)}"
            self.store.log_events(
                [Event(kind=EventKind.PROPOSAL_REJECTED, episode_id=episode.id, data={"miner": self.miner.name,
                                                                                      "reason": reason})]
            )
            return []
        created: list[str] = []
        won: set[str] = set()  # created versions whose repair this episode already saw beat doing nothing
        log: list[Event] = []
        for proposal in proposals:
            verdict = check_proposal(proposal, self.store)
            ok, reason = _verdict(verdict)
            if not ok:
                log.append(
                    Event(
                        kind=EventKind.PROPOSAL_REJECTED,
                        episode_id=episode.id,
                        data={"name": proposal.name, "reason": reason, "miner": self.miner.name},
                    )
                )
                continue
            origin = Origin(
                miner=self.miner.name,
                evidence=list(proposal.evidence),
                episodes=list(proposal.episodes) or [episode.id],
                note=proposal.note,
            )
            try:
                try:
                    existing = self.store.skill(proposal.name)
                except NotFoundError:
                    existing = None
                if existing is None:
                    version = self.store.add_skill(
                        proposal.name,
                        proposal.trigger,
                        proposal.strategy,
                        description=proposal.description,
                        origin=origin,
                    )
                else:
                    parent = existing.active() or (existing.versions[-1] if existing.versions else None)
                    version = self.store.add_version(
                        proposal.name, proposal.strategy, parent=parent.id if parent else None, origin=origin
                    )
            except SkillevoError as exc:
                # Another process stored the same proposal first: not an error, nothing lost.
                log.append(
                    Event(
                        kind=EventKind.PROPOSAL_REJECTED,
                        episode_id=episode.id,
                        data={"name": proposal.name, "reason": str(exc), "miner": self.miner.name},
                    )
                )
                continue
            if version.origin != origin:  # the library had this content already: one version per content
                reason = f"duplicate of {version.id} (proposed concurrently)"
                log.append(Event(kind=EventKind.PROPOSAL_REJECTED, episode_id=episode.id,
                                 data={"name": proposal.name, "reason": reason, "miner": self.miner.name}))
                continue
            log.append(
                Event(
                    kind=EventKind.PROPOSAL,
                    episode_id=episode.id,
                    version_id=version.id,
                    data={"name": proposal.name, "miner": self.miner.name, "kind": proposal.strategy.kind},
                )
            )
            created.append(version.id)
            if observed_win(proposal, events):
                won.add(version.id)
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
        if log:
            self.store.log_events(log)
        if created:
            self.invalidate()
        return created


def _verdict(verdict: Any) -> tuple[bool, str]:
    """Read `check_proposal`'s answer: a bool, ``(ok, reason)``, or an object with ``ok``/``reason``."""
    if isinstance(verdict, bool):
        return verdict, "" if verdict else "rejected"
    if isinstance(verdict, tuple):
        return bool(verdict[0]), str(verdict[1]) if len(verdict) > 1 else ""
    return bool(getattr(verdict, "ok", False)), str(getattr(verdict, "reason", ""))


def _check_reward(reward: float) -> float:
    # A real number: "0.7" (a string) or True (a bool) is a mistake in the caller's reward, not a score.
    # Decimal is a real number too (it does not register as numbers.Real).
    if isinstance(reward, bool) or not isinstance(reward, numbers.Real | decimal.Decimal):
        raise ConfigError(f"reward must be a number in [0, 1] (got {type(reward).__name__} {str(reward)[:40]!r})")
    try:
        r = float(reward)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"reward must be a number in [0, 1] (got {reward!r})") from None
    if math.isnan(r) or not 0.0 <= r <= 1.0:
        raise ConfigError(f"reward must be in [0, 1] (got {reward!r})")
    return r


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
        self.episode = Episode(
            task=task,
            group_id=group_id,
            policy_version=evo.policy_version,
            metadata=_jsonable(metadata or {}, 10_000) if metadata else {},
        )
        self._group = group
        self._index = index
        # Review gating: a canary episode lets unapproved versions apply; elsewhere they run in shadow.
        self._canary = evo.gate.draw_canary()
        if self._canary:
            self.episode.metadata["review_canary"] = True
        self._lock = threading.RLock()
        self._events: list[Event] = []
        # Events logged but not yet built: redaction and `Event` validation run in one batch when the
        # events are read (`events`, `finish`), in the order they were logged, not on every call.
        self._unbuilt: list[tuple[EventKind, str | None, str | None, float, dict[str, Any], dict[str, Any] | None]] = []
        # Values this episode passed under secret keys, hidden where they are echoed later (a
        # result, an error); this episode's only, dropped at finish.
        self._secrets: set[str] = set()
        self._choices: dict[str, _Choice] = {}
        # For guidance about one tool's failures, credited by that tool's calls (see `finish`): the
        # tool's calls so far when the episode chose at the skill's site, and the sites whose
        # trigger fired on a failure after that choice.
        self._tool_calls: dict[str, int] = {}
        self._chosen_at: dict[str, tuple[str, int]] = {}
        self._failed_after: set[str] = set()
        self._fired: dict[str, Skill] = {}
        self._guided: set[str] = set()
        self._pending: dict[str, list[_Pending]] = {}
        self._parked: dict[str, list[_Pending]] = {}
        # (skill, call as sent) whose pre-emptive repair made that call fail: the same call sent
        # again in this episode is not repaired that way again.
        self._backfired: set[tuple[str, str]] = set()
        self._attempts: dict[str, int] = {}
        self._tried: dict[str, set[str]] = {}
        self._model_calls = 0
        self._calls = 0
        self._error_logged: str | None = None
        self._finished = False
        self._entered = 0
        self._token: contextvars.Token[EpisodeContext | None] | None = None
        self._shadow = ShadowBook(self._log_private, lambda value: _jsonable(value, _RESULT_MAX_CHARS))
        #: called with each selection, repair and guidance event as it happens (redacted), for an
        #: adapter to put in the framework's trace; an error in it is logged, never raised
        self.listener: Callable[[Event], None] | None = None

    # ------------------------------------------------------------------ identity & context manager

    def link_run(self, run_id: str | None) -> None:
        """Record the framework's id of this run (metadata ``run_id``): `Evolver.feedback` accepts it."""
        if not run_id:
            return
        self.episode.metadata["run_id"] = str(run_id)
        self.evo._link_run(str(run_id), self.id)

    @property
    def id(self) -> str:
        """The episode id (use it with `Evolver.feedback`)."""
        return self.episode.id

    @property
    def finished(self) -> bool:
        """Whether `finish` ran."""
        return self._finished

    @property
    def events(self) -> list[Event]:
        """The events recorded so far (a copy; ids are set once the episode is saved)."""
        with self._lock:
            return list(self._built())

    def __enter__(self) -> EpisodeContext:
        with self._lock:
            self._entered += 1
            if self._entered == 1:
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
        if token is not None:
            try:
                _current.reset(token)
            except ValueError:  # exited in another context (e.g. a different asyncio task)
                _current.set(None)
        if not self._finished:
            if exc is not None and not isinstance(exc, GeneratorExit):
                self.episode.metadata["exception"] = type(exc).__name__
                self.finish(reward=0.0)
            else:
                self.finish()

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
                self.episode.metadata["exception"] = type(exc).__name__
            await asyncio.to_thread(self.finish, reward)
        self.__exit__(exc_type, exc, tb)

    # ------------------------------------------------------------------ recording

    def _log(self, kind: EventKind, tool: str | None = None, version_id: str | None = None, **data: Any) -> None:
        self._unbuilt.append((kind, tool, version_id, time.time(), data, None))
        if self.listener is not None and kind in _TRACED:
            self._tell(kind, tool, version_id, redact(data, known=self._secrets))

    def _log_private(
        self, kind: EventKind, tool: str | None, version_id: str | None, private: dict[str, Any], **data: Any
    ) -> None:
        """Log an event whose `private` fields (snapshots of arguments, results, error texts, taken
        now with `_jsonable`) are added to its data when the event is built (and redacted with it)."""
        if self.listener is not None and kind in _TRACED:
            # Redacted now, once: the listener and the stored event see the same values.
            data.update(private)
            data = redact(data, known=self._secrets)
            self._unbuilt.append((kind, tool, version_id, time.time(), data, None))
            self._tell(kind, tool, version_id, data)
            return
        self._unbuilt.append((kind, tool, version_id, time.time(), data, private))

    def _tell(self, kind: EventKind, tool: str | None, version_id: str | None, data: dict[str, Any]) -> None:
        listener = self.listener
        if listener is None:
            return
        try:
            listener(
                Event.model_validate(
                    {"kind": kind, "episode_id": self.id, "tool": tool, "version_id": version_id, "data": dict(data)}
                )
            )
        except Exception:  # tracing is an observer: it never breaks the run
            _logger.exception("skillevo: the episode's trace listener failed")

    def _built(self) -> list[Event]:
        """The events logged so far, as `Event`s (call with the lock held)."""
        if self._unbuilt:
            for kind, tool, version_id, ts, data, private in self._unbuilt:
                if private:
                    data.update(private)
                # All of it, not only the private snapshots: an error text may echo a secret
                # argument without its name (known from this episode's earlier events).
                data = redact(data, known=self._secrets)
                self._events.append(
                    mark_scrubbed(
                        Event.model_validate(
                            {"kind": kind, "tool": tool, "version_id": version_id, "ts": ts, "data": data}
                        )
                    )
                )
            self._unbuilt.clear()
        return self._events

    def _select(
        self, skill: Skill, versions: Sequence[SkillVersion], kind: Literal["guidance", "repair", "code"]
    ) -> _Choice:
        """The episode's choice at call site `skill.name` (made once per episode, then reused)."""
        choice = self._choices.get(skill.name)
        if choice is not None:
            return choice
        candidate = False
        # A within-group comparison tests a version on live calls: not where review holds it back.
        may_test = self._canary or not self.evo.gate.gated
        assigned = self._group.assigned(skill, self._index) if self._group is not None and may_test else None
        if assigned is not None:
            arm, propensity = assigned
            version = next((v for v in versions if v.id == arm), None)
            choice = _Choice(arm, version)
            candidate = version is not None and version.status is VersionStatus.TESTING
        else:
            choice, propensity = self.evo._choose(skill, versions)
        self._choices[skill.name] = choice
        trigger = skill.trigger
        if trigger.kind is TriggerKind.TOOL_ERROR and trigger.tool and not trigger.tool_is_glob:
            self._chosen_at[skill.name] = (trigger.tool, self._tool_calls.get(trigger.tool, 0))
        applied = Applied(key=skill.name, arm=choice.arm, propensity=propensity, kind=kind, candidate=candidate)
        self.episode.applied.append(applied)
        self._log(
            EventKind.SELECTION,
            version_id=choice.version.id if choice.version else None,
            key=skill.name,
            arm=choice.arm,
            propensity=propensity,
            strategy=kind,
            candidate=candidate,
        )
        return choice

    # ------------------------------------------------------------------ model calls

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
            first = self._model_calls == 1
            every, at_start = evo._guidance_candidates(tuple(tools or ()))
            if not every and not self._fired and not (at_start and (first or self._choices)):
                return ""
            candidates: dict[str, Skill] = {sk.name: sk for sk in every}
            for skill in at_start:
                if first or skill.name in self._choices:
                    candidates.setdefault(skill.name, skill)
            for name, skill in self._fired.items():
                candidates.setdefault(name, skill)
            scored: list[tuple[float, str, str]] = []
            for skill in candidates.values():
                if skill.trigger.task_pattern is not None and not skill.trigger.matches(
                    tool=None if skill.trigger.tool == "*" else skill.trigger.tool, task=self.episode.task
                ):
                    continue
                versions, shadow = evo.gate.split([v for v in skill.versions if v.strategy.guidance], self._canary)
                for held in shadow:
                    self._shadow.guidance(skill, held)
                if not versions:
                    continue
                choice = self._select(skill, versions, "guidance")
                if choice.version is None or not choice.version.strategy.guidance:
                    continue
                scored.append((-choice.version.mean, skill.name, choice.version.strategy.guidance))
                if skill.name not in self._guided:
                    self._guided.add(skill.name)
                    self._log(EventKind.GUIDANCE, version_id=choice.version.id, skill=skill.name)
            scored.sort()
            text, _ = compose_guidance([t for _, _, t in scored], evo.guidance_budget_tokens)
            return text

    # ------------------------------------------------------------------ tool calls

    def _repair_versions(self, skill: Skill) -> list[SkillVersion]:
        return [v for v in skill.versions if v.strategy.repair is not None or (v.strategy.code and self.evo.sandbox)]

    def before_tool(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Record a tool call and return its arguments, repaired pre-emptively when a learned repair's
        precondition holds (its outcome is credited when the call returns)."""
        evo = self.evo
        with self._lock:
            self._calls += 1
            self._tool_calls[name] = self._tool_calls.get(name, 0) + 1
            self._error_logged = None
            evo.tools.observe(name, args)
            if evo.tools.schema(name) is not None:
                evo._from_schema(name, args)
            new_args = args
            # Every repair of this call (and every null arm drawn) waits on the call's *final*
            # arguments: keyed on an intermediate one, an earlier repair was never credited when a
            # later one changed the call again.
            waiting: list[_Pending] = []
            # Preconditions are read on the arguments the caller sent, edits applied in turn: one
            # repair's output never triggers another (a repair undoing an earlier one's edit would
            # otherwise share the credit for a call whose arguments nothing changed).
            for kind, skill in evo._preemptive(name):
                if not skill.trigger.matches(tool=name, task=self.episode.task) and (
                    kind is TriggerKind.BEFORE_TOOL or skill.trigger.task_pattern is not None
                ):
                    continue
                versions = [
                    v
                    for v in self._repair_versions(skill)
                    if v.strategy.repair is not None
                    and v.strategy.repair.precondition is not None
                    and precondition_holds(v.strategy.repair, args)
                    and (skill.name, _args_key(name, args)) not in self._backfired
                ]
                versions, shadow = evo.gate.split(versions, self._canary)
                for held in shadow:
                    self._shadow.repair(skill, held, name, args, when="before")
                if not versions:
                    continue
                choice = self._select(skill, versions, "repair")
                if choice.version is not None and choice.version not in versions:
                    continue  # chosen earlier at another site of this skill; its precondition does not hold here
                if choice.version is None:
                    waiting.append(_Pending(skill.name, NULL_ARM, "repair", skill.trigger))
                    continue
                repair = choice.version.strategy.repair
                assert repair is not None
                try:
                    repaired = apply_repair(_without_retry(repair), new_args) if _has_edits(repair) else new_args
                except Exception as exc:  # a repair that cannot apply to these args is skipped, not fatal
                    self._log(
                        EventKind.REPAIR,
                        name,
                        choice.version.id,
                        skill=skill.name,
                        when="before",
                        applied=False,
                        error=capped_text(str(exc), 300),
                    )
                    continue
                if same_args(repaired, new_args):
                    continue
                self._log_private(
                    EventKind.REPAIR,
                    name,
                    choice.version.id,
                    {"before": _jsonable(new_args, _RESULT_MAX_CHARS), "after": _jsonable(repaired, _RESULT_MAX_CHARS)},
                    skill=skill.name,
                    when="before",
                    applied=True,
                )
                new_args = repaired
                waiting.append(_Pending(skill.name, choice.version.id, "repair", skill.trigger, _args_key(name, args)))
            for pending in waiting:
                self._expect(name, new_args, pending)
            private = {"args": _jsonable(new_args, _RESULT_MAX_CHARS)}
            if new_args is not args:
                private["original_args"] = _jsonable(args, _RESULT_MAX_CHARS)
            self._log_private(EventKind.TOOL_CALL, name, None, private, call=self._calls)
            return new_args

    def _expect(self, tool: str, args: Any, pending: _Pending) -> None:
        self._pending.setdefault(_args_key(tool, args), []).append(pending)

    def _resolve(self, tool: str, args: Any, success: bool, error: tuple[str, str] | None = None) -> None:
        """Credit the repairs (and null arms) waiting on this call's outcome; a failure (`error`: type,
        message) only those whose site it concerns, the others wait on the call's retry (`_attribution`)."""
        if not self._pending:
            return
        waiting = self._pending.pop(_args_key(tool, args), None)
        if waiting is None:
            # Adapters that report the original rather than the repaired args: match by tool alone.
            keys = [k for k in self._pending if k.split("\x00", 1)[0] == tool]
            if len(keys) != 1:
                return
            waiting = self._pending.pop(keys[0])
        if error is not None:
            from ._attribution import attributable

            parked = [p for p in waiting if not attributable(p.trigger, tool, *error, self.episode.task)]
            self._backfired.update((p.key, p.sent) for p in waiting if p.sent is not None and p not in parked)
            if parked:
                self._parked[_args_key(tool, args)] = parked
                waiting = [p for p in waiting if p not in parked]
        reward = 1.0 if success else 0.0
        touched: set[str] = set()
        for p in waiting:
            self.evo._credit(p.key, p.arm, reward)
            touched.add(p.key)
            self._log(
                EventKind.CREDIT,
                tool,
                None if p.arm == NULL_ARM else p.arm,
                key=p.key,
                arm=p.arm,
                reward=reward,
                source="call",
                strategy=p.kind,
            )
        self.evo._evaluate(touched)

    def on_tool_result(self, name: str, args: dict[str, Any], result: Any) -> bool:
        """Record a tool's result. Failure-shaped results (error strings, ``{"error": ...}``,
        ``status="error"`` objects, or the `is_failure` predicate) are recorded as errors.

        Returns:
            True when the result was judged a failure (the caller may then call `on_tool_error`).
        """
        failure = detect_failure(result, is_failure=self.evo.is_failure)
        with self._lock:
            if failure is not None:
                self._record_error(name, args, failure.error_type or "error", failure.message)
                self._resolve(name, args, success=False, error=(failure.error_type or "error", failure.message))
                self._error_logged = _args_key(name, args)
                return True
            self._error_logged = None
            self._log_private(
                EventKind.TOOL_RESULT,
                name,
                None,
                {"args": _jsonable(args, _RESULT_MAX_CHARS), "result": _jsonable(result, _RESULT_MAX_CHARS)},
                call=self._calls,
            )
            self._resolve(name, args, success=True)
            self.evo.tools.observe(name, args, success=True)
            self._shadow.success(name, args)
            observers = self.evo._observers(name)
            if observers:
                text = result if isinstance(result, str) else json.dumps(_jsonable(result, _RESULT_MAX_CHARS))
                for skill, pattern in observers:
                    # The compiled pattern rejects most results cheaply; `matches` decides the rest.
                    if pattern is not None and pattern.search(text) is None:
                        continue
                    if skill.trigger.matches(tool=name, text=text, task=self.episode.task):
                        self._fired.setdefault(skill.name, skill)
            return False

    def _record_error(self, name: str, args: Any, error_type: str, message: str) -> None:
        self._log_private(
            EventKind.TOOL_ERROR,
            name,
            None,
            {"args": _jsonable(args, _RESULT_MAX_CHARS), "error": capped_text(message, _ERROR_MAX_CHARS - 1)},
            call=self._calls,
            error_type=error_type,
            signature=error_signature(message),
        )

    def _repair_after_error(self, name: str, args: dict[str, Any], error: Any) -> tuple[dict[str, Any] | None, float]:
        evo = self.evo
        error_type, message = _error_parts(error)
        # Triggers name an exception class or an error category (e.g. "rate_limit"): accept either.
        category = classify_error(message, error_type)
        call_key = _args_key(name, args)
        with self._lock:
            if self._error_logged != call_key:
                self._record_error(name, args, error_type, message)
                self._resolve(name, args, success=False, error=(error_type, message))
            self._error_logged = None
            tried = self._tried.setdefault(call_key, set())
            for skill in evo._match(TriggerKind.TOOL_ERROR, name):
                if not any(
                    skill.trigger.matches(tool=name, error_type=t, text=message, task=self.episode.task)
                    for t in (error_type, category)
                ):
                    continue
                if skill.name in self._choices:
                    self._failed_after.add(skill.name)
                self._fired.setdefault(skill.name, skill)
                self._shadow.fired(skill.name)
                versions, shadow = evo.gate.split(self._repair_versions(skill), self._canary)
                for held in shadow:
                    run_code = evo.sandbox.run_repair if evo.sandbox is not None else None
                    self._shadow.repair(skill, held, name, args, when="after_error", message=message, run_code=run_code)
                if not versions:
                    continue
                choice = self._select(skill, versions, "code" if versions[0].strategy.repair is None else "repair")
                version = choice.version
                if version is None:
                    # The episode chose "apply nothing" here, but this call has already failed: the
                    # null arm's outcome at this site is known (0). A version whose repair applies to
                    # these arguments is tried anyway (Thompson among those), and credited with the
                    # retried call's outcome like any chosen repair. None applies: no comparison, no credit.
                    usable = [v for v in versions if _may_repair(v, args)]
                    if not usable:
                        continue
                    if skill.name + "\x00null" not in tried:
                        tried.add(skill.name + "\x00null")
                        evo._credit(skill.name, NULL_ARM, 0.0)
                        self._log(
                            EventKind.CREDIT,
                            name,
                            None,
                            key=skill.name,
                            arm=NULL_ARM,
                            reward=0.0,
                            source="call",
                            strategy="repair",
                        )
                        evo._evaluate({skill.name})
                    rescue = evo.selector.choose(skill.name, [v.id for v in usable])
                    version = next(v for v in usable if v.id == rescue)
                if version not in versions:
                    continue
                strategy = version.strategy
                delay = 0.0
                repaired: dict[str, Any] | None = None
                kind: Literal["repair", "code"] = "repair"
                if strategy.repair is not None:
                    retry = next((op for op in strategy.repair.ops if isinstance(op, Retry)), None)
                    if retry is not None:
                        attempt = self._attempts.get(call_key + "\x00" + skill.name, 0)
                        if attempt >= retry.max_attempts:
                            continue
                        self._attempts[call_key + "\x00" + skill.name] = attempt + 1
                        after = _retry_after(message) if retry.honour_retry_after else None
                        delay = after if after is not None else retry.backoff_s * retry.factor**attempt
                        delay = min(delay, retry.max_wait_s)
                    elif skill.name in tried:
                        continue
                    try:
                        repaired = (
                            apply_repair(_without_retry(strategy.repair), args)
                            if _has_edits(strategy.repair)
                            else dict(args)
                        )
                    except Exception as exc:
                        self._log(
                            EventKind.REPAIR,
                            name,
                            version.id,
                            skill=skill.name,
                            when="after_error",
                            applied=False,
                            error=capped_text(str(exc), 300),
                        )
                        tried.add(skill.name)
                        continue
                    if retry is None and same_args(repaired, args):
                        tried.add(skill.name)
                        continue
                elif strategy.code and evo.sandbox is not None:
                    if skill.name in tried:
                        continue
                    kind = "code"
                    try:
                        repaired = evo.sandbox.run_repair(strategy.code, name, dict(args), message)
                    except SkillevoError as exc:
                        repaired = None
                        self._log(
                            EventKind.REPAIR,
                            name,
                            version.id,
                            skill=skill.name,
                            when="after_error",
                            applied=False,
                            error=capped_text(str(exc), 300),
                            strategy="code",
                        )
                    if not isinstance(repaired, dict) or same_args(repaired, args):
                        tried.add(skill.name)
                        evo._credit(skill.name, version.id, 0.0)
                        evo._evaluate({skill.name})
                        continue
                if repaired is None:
                    continue
                tried.add(skill.name)
                self._expect(name, repaired, _Pending(skill.name, version.id, kind, skill.trigger))
                for parked in self._parked.pop(call_key, []):  # earlier edits ride along in the retry
                    self._expect(name, repaired, parked)
                self._log_retry(name, version.id, args, repaired, skill=skill.name, strategy=kind, delay_s=delay)
                return repaired, delay
            return self._repair_now(name, args, error_type, message, tried), 0.0

    def _repair_now(
        self, name: str, args: dict[str, Any], error_type: str, message: str, tried: set[str]
    ) -> dict[str, Any] | None:
        """No stored skill repairs this call: retry it with the repair the error itself spells out, if any.

        Not a skill version (nothing is credited); the failed call and its retry are logged, so the
        episode's mining learns the skill from them and tests it like any candidate.
        """
        miner = self.evo.miner
        if miner is None or "\x00now" in tried:
            return None
        tried.add("\x00now")
        try:
            repair = miner.repair_now(name, dict(args), error_type, message)
            if not isinstance(repair, Repair) or any(isinstance(op, Retry) for op in repair.ops):
                return None
            repaired = apply_repair(repair, args)
        except Exception as exc:  # a miner that raises or returns garbage changes nothing
            error = capped_text(str(exc), 300)
            self._log(EventKind.REPAIR, name, None, when="after_error", applied=False, source="error", error=error)
            return None
        if not isinstance(repaired, dict) or same_args(repaired, args):
            return None
        if self.evo.gate.gated and not self._canary:
            # Nobody approved it: logged for the audit, the agent handles the error itself.
            self._log_private(
                EventKind.SHADOW,
                name,
                None,
                {"before": _jsonable(args, _RESULT_MAX_CHARS), "after": _jsonable(repaired, _RESULT_MAX_CHARS)},
                what="repair",
                when="after_error",
                source="error",
            )
            return None
        self._log_retry(name, None, args, repaired, strategy="repair", source="error", delay_s=0.0)
        return repaired

    def _log_retry(
        self, name: str, version_id: str | None, args: dict[str, Any], repaired: dict[str, Any], **data: Any
    ) -> None:
        """Log a repair after an error and the retried call it makes."""
        self._log_private(
            EventKind.REPAIR,
            name,
            version_id,
            {"before": _jsonable(args, _RESULT_MAX_CHARS), "after": _jsonable(repaired, _RESULT_MAX_CHARS)},
            when="after_error",
            applied=True,
            **data,
        )
        self._calls += 1
        self._log_private(
            EventKind.TOOL_CALL,
            name,
            None,
            {"args": _jsonable(repaired, _RESULT_MAX_CHARS)},
            call=self._calls,
            retry=True,
        )

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

    async def aon_tool_result(self, name: str, args: dict[str, Any], result: Any) -> bool:
        """`on_tool_result` with its (possible) credit write in a worker thread."""
        with self._lock:
            waiting = bool(self._pending)
        if not waiting:
            return self.on_tool_result(name, args, result)
        return await asyncio.to_thread(self.on_tool_result, name, args, result)

    # ------------------------------------------------------------------ end

    def finish(self, reward: float | None = None) -> Episode:
        """End the episode: credit guidance with `reward` (if given), save the episode and its events
        in one transaction, mine its failures, and run the lifecycle of the skills it touched."""
        evo = self.evo
        r = None if reward is None else _check_reward(reward)
        with self._lock:
            if self._finished:
                if r is not None and self.episode.reward is None:
                    self.episode.reward = r
                    evo.feedback(self.id, r)
                return self.episode
            self._finished = True
            # Calls that never reported an outcome: their repairs are not credited.
            self._pending.clear()
            self._parked.clear()
            ep = self.episode
            ep.finished_at = time.time()
            ep.reward = r
            self._shadow.finish()
            events = list(self._built())
            self._secrets.clear()
        self._credit_tool_guidance(events)
        if r is not None:
            n = evo._credit_episode(ep.id, ep.applied, r, source="episode")
            if n:
                events.append(Event(kind=EventKind.CREDIT, data={"reward": r, "source": "episode", "credited": n}))
        else:
            with evo._lock:
                if any(a.kind == "guidance" and not a.credited for a in ep.applied):
                    if len(evo._awaiting) > 10_000:
                        evo._awaiting.pop(next(iter(evo._awaiting)))
                    evo._awaiting[ep.id] = list(ep.applied)
        if evo.miner is not None and any(e.kind == EventKind.TOOL_ERROR for e in events):
            # Mining cites its evidence by event id: written now.
            ids = evo.store.save_episode(ep, events)
            stored = [e.model_copy(update={"id": i, "episode_id": ep.id}) for e, i in zip(events, ids, strict=True)]
        else:
            # Nothing waits on this write: queued, written off the agent's thread (the store's next
            # read in this process sees it).
            evo.store.record_episode(ep, events)
            stored = []
        with self._lock:
            self._events = stored or events
        if self._group is not None:
            self._group._finished(self)
        evo._evaluate({a.key for a in ep.applied})
        repairs = [a.arm for a in ep.applied if a.kind == "repair" and a.arm != NULL_ARM]

        def learn(episode: Episode, saved: Sequence[Event]) -> list[str]:
            made = evo._mine(episode, saved) if saved else []
            return made + evo._transfer(made + repairs)

        created = evo._mining.run(learn, ep, stored or []) if stored or repairs else []
        if created:
            ep.metadata["mined"] = list(created)
        return ep

    def _credit_tool_guidance(self, events: list[Event]) -> None:
        """Credit guidance about one tool's failures by that tool's calls, and mark it `credited`.

        A tool-error skill asserts "when T fails with E, do S"; its guidance is tested by the calls
        to T after the episode chose at its site: 0 when the skill's trigger fired on a failure of
        one of them, 1 when T was called and none did (the same for the null arm, so the two are
        compared on the same outcome). Nothing is credited when T was not called after the choice.
        The episode reward would also count every other step of the episode, and could credit
        guidance that causes the failure when something else repairs it.
        """
        applied = self.episode.applied
        for i, a in enumerate(applied):
            chosen = self._chosen_at.get(a.key) if a.kind == "guidance" else None
            if chosen is None:
                continue
            tool, calls_then = chosen
            reward: float | None
            if a.key in self._failed_after:
                reward = 0.0
            elif self._tool_calls.get(tool, 0) > calls_then:
                reward = 1.0
            else:
                reward = None
            applied[i] = a.model_copy(update={"credited": True})  # a later `feedback` must not credit it
            if reward is None:
                continue
            self.evo._credit(a.key, a.arm, reward)
            events.append(
                Event(
                    kind=EventKind.CREDIT,
                    tool=tool,
                    version_id=None if a.arm == NULL_ARM else a.arm,
                    data={"key": a.key, "arm": a.arm, "reward": reward, "source": "tool_calls", "strategy": "guidance"},
                )
            )

    async def afinish(self, reward: float | None = None) -> Episode:
        """`finish` in a worker thread (it writes to the store and mines)."""
        return await asyncio.to_thread(self.finish, reward)


def _may_repair(version: SkillVersion, args: dict[str, Any]) -> bool:
    """Whether `version` would do something after an error with these arguments (retry, edit or code)."""
    repair = version.strategy.repair
    if repair is None:
        return bool(version.strategy.code)
    if any(isinstance(op, Retry) for op in repair.ops):
        return True
    try:
        return not same_args(apply_repair(repair, args), args)
    except Exception:
        return False


def _has_edits(repair: Repair) -> bool:
    return any(not isinstance(op, Retry) for op in repair.ops)


def _without_retry(repair: Repair) -> Repair:
    if not any(isinstance(op, Retry) for op in repair.ops):
        return repair
    return Repair(ops=[op for op in repair.ops if not isinstance(op, Retry)], precondition=repair.precondition)


class GroupContext:
    """G rollouts of one task, compared within the group.

    Each rollout that reaches a skill under test gets the candidate version or the incumbent as
    `Lifecycle.assign` decides (probability P(candidate > incumbent), clamped); when the group is
    left, group-relative advantages are stored on each episode (``metadata["advantage"]``).
    """

    def __init__(self, evo: Evolver, *, task: str, size: int) -> None:
        from ._models import new_id

        self.evo = evo
        self.task = task
        self.size = size
        self.id = new_id()
        self._lock = threading.RLock()
        self._episodes: list[EpisodeContext] = []
        self._slots: dict[str, _GroupSlot] = {}
        self._done: list[EpisodeContext] = []
        self._closed = False

    def episode(self, task: str | None = None, *, metadata: dict[str, Any] | None = None) -> EpisodeContext:
        """The next rollout of the group."""
        with self._lock:
            if len(self._episodes) >= self.size:
                raise ConfigError(f"group {self.id}: all {self.size} rollouts were already started")
            ep = EpisodeContext(
                self.evo,
                task=self.task if task is None else task,
                group_id=self.id,
                metadata=metadata,
                group=self,
                index=len(self._episodes),
            )
            self._episodes.append(ep)
            return ep

    @property
    def episodes(self) -> list[EpisodeContext]:
        """The rollouts started so far."""
        with self._lock:
            return list(self._episodes)

    def assigned(self, skill: Skill, index: int) -> tuple[str, float] | None:
        """The arm rollout `index` uses for `skill`, when the skill has a version under test."""
        testing = [v for v in skill.versions if v.status is VersionStatus.TESTING]
        if not testing:
            return None
        with self._lock:
            slot = self._slots.setdefault(skill.name, _GroupSlot())
            if index not in slot.arms:
                slot.arms[index] = self.evo.lifecycle.assign(skill, self.evo._rng)
            arm = slot.arms[index]
        incumbent = skill.active()
        incumbent_arm = incumbent.id if incumbent is not None else NULL_ARM
        p = self.evo.lifecycle.assign_probability(skill)
        return arm, (p if arm != incumbent_arm else 1.0 - p)

    def _finished(self, ep: EpisodeContext) -> None:
        with self._lock:
            self._done.append(ep)

    def __enter__(self) -> GroupContext:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Finish unfinished rollouts (no reward) and store the group-relative advantages."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            episodes = list(self._episodes)
        for ep in episodes:
            if not ep.finished:
                ep.finish()
        rewarded = [ep for ep in episodes if ep.episode.reward is not None]
        if len(rewarded) < 2:
            return
        advantages = self.evo.lifecycle.group_advantages([float(ep.episode.reward or 0.0) for ep in rewarded])
        with self.evo.store.transaction():
            for ep, adv in zip(rewarded, advantages, strict=True):
                ep.episode.metadata["advantage"] = float(adv)
                self.evo.store.save_episode(ep.episode)

    def rewards(self) -> list[float | None]:
        """The rewards of the rollouts so far."""
        return [ep.episode.reward for ep in self.episodes]
