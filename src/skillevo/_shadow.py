"""Shadow runs of unapproved versions, and the counterfactual evidence they gather for a reviewer.

Under ``review="required"`` (and outside the canary share under ``"canary"``) an unapproved version
changes nothing. Where it would have acted, `ShadowBook` computes what it would have done and logs
a ``shadow`` event (the repaired arguments, redacted like every argument snapshot, or the id of the
guidance text), then scores the prediction against what really happened in the episode:

* **repair** (pre-emptive or after an error): a *win* when the repaired arguments are exactly
  (`same_args`, types included) those of the next successful call of the same tool in the
  episode: the agent's own correction, or whatever really fixed the call. A *loss* when that
  successful call used other arguments (a pre-emptive repair of a call that succeeded as sent is
  one), when its output still has the failing shape its precondition describes, or when it cannot
  apply to the arguments at all. No later success: undecided, not counted.
* **guidance**: how many episodes it would have reached a prompt in, and in how many of those the
  failure it addresses happened anyway (its trigger fired): evidence that it is relevant, not that
  it works, and the report says so.

`shadow_evidence` counts the outcomes per version from the log, and adds a **replay** of stored
failures: the version's repair applied to the failing calls its trigger targets (outside the
episodes it was mined from), a win when it produces the arguments the agent later used
successfully.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._detect import classify_error
from ._errors import ConfigError, SandboxNotRun
from ._models import EventKind, Repair, Retry, Skill, SkillVersion, TriggerKind
from ._repair import apply_repair, precondition_holds, same_args
from ._store import SkillStore

__all__ = [
    "SHADOW_BUDGET_S",
    "ShadowBook",
    "ShadowCode",
    "ShadowEvidence",
    "held_back",
    "replay_failures",
    "replay_wins",
    "shadow_evidence",
    "text_id",
]

#: ``(kind, tool, version_id, private fields (redacted when stored), **data)``: how the book logs.
LogFn = Callable[..., None]
#: Runs a code strategy: ``(code, tool, args, error message) -> repaired args``.
RunCode = Callable[[str, str, dict[str, Any], str], Any]


def text_id(text: str) -> str:
    """A short stable id of a guidance text (logged instead of the text itself)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _edits_only(repair: Repair) -> Repair:
    if not any(isinstance(op, Retry) for op in repair.ops):
        return repair
    return Repair(ops=[op for op in repair.ops if not isinstance(op, Retry)], precondition=repair.precondition)


def predicted_args(
    version: SkillVersion, tool: str, args: dict[str, Any], message: str, run_code: RunCode | None
) -> Any:
    """The arguments `version` would send instead of `args` (raises when its repair cannot apply)."""
    strategy = version.strategy
    if strategy.repair is not None:
        edits = _edits_only(strategy.repair)
        return apply_repair(edits, args) if edits.ops else dict(args)
    if strategy.code and run_code is not None:
        return run_code(strategy.code, tool, dict(args), message)
    return None


#: Seconds of one episode that shadow runs of unapproved code skills may hold the agent's calls.
SHADOW_BUDGET_S = 1.0


class ShadowCode:
    """What shadow runs of unapproved code skills may cost the agent (one per Evolver).

    A shadow run happens on the agent's failed call, which waits for it; a version nobody approved
    may not change a call, its time included. So the code runs of one episode stop once they took
    `budget_s` in all (a honest skill answers in milliseconds, warm), and a version whose one run
    took longer than that (a skill that behaved on its import's smoke run and burns its CPU limit
    on real arguments) is not run in shadow again by this process: it lost, and waits for a person.

    The budget is shared fairly: a version the budget left out in this episode or the last one is
    *owed* a turn, and a version that has had more shadow time in this process than an owed one
    yields to it. Spent first come, first served (skills fire in name order), two imported code
    skills named to come first, each just under the budget, took all of it on every failed call,
    and the code skill beside them never ran in shadow (0 runs in 10 episodes, attack38).

    Raises:
        ConfigError: `budget_s` is not a finite number >= 0.
    """

    def __init__(self, budget_s: float = SHADOW_BUDGET_S) -> None:
        if isinstance(budget_s, bool) or not isinstance(budget_s, int | float) or not 0 <= budget_s < math.inf:
            raise ConfigError(f"shadow_budget_s: must be a number of seconds >= 0 (got {budget_s!r})")
        self.budget_s = float(budget_s)
        self.slow: set[str] = set()  # version ids; a set's add is atomic, episodes share it
        self.used: dict[str, float] = {}  # version id -> its shadow seconds in this process
        self.owed: dict[str, int] = {}  # version id -> the episode (`episodes`) the budget left it out in
        self.episodes = 0  # episodes begun (`ShadowBook`): an owed turn lapses after the next one

    def begin(self) -> int:
        """A new episode's number (owed turns older than the one before it lapse)."""
        self.episodes += 1
        return self.episodes

    def why_not(self, version_id: str, spent_s: float, episode: int = 0) -> str | None:
        """Why `version_id` is not run in shadow now (`spent_s`: episode number `episode`'s shadow time), or None."""
        if version_id in self.slow:
            return "one shadow run of it took longer than the shadow budget: not run again by this process"
        owed = [self.used.get(v, 0.0) for v, at in tuple(self.owed.items()) if v != version_id and at >= episode - 1]
        if owed and self.used.get(version_id, 0.0) > min(owed):
            return "it yields this episode's shadow time to a version that has had less of it"
        if spent_s >= self.budget_s:
            self.owed[version_id] = episode
            return "this episode's shadow time budget is spent"
        return None

    def ran(self, version_id: str, took_s: float) -> None:
        """`version_id` ran in shadow for `took_s` seconds: its turn is no longer owed."""
        self.used[version_id] = self.used.get(version_id, 0.0) + took_s
        self.owed.pop(version_id, None)
        if took_s > self.budget_s:
            self.slow.add(version_id)


@dataclass
class _Prediction:
    version_id: str
    skill: str
    before: dict[str, Any]
    after: dict[str, Any]
    when: str


@dataclass
class ShadowBook:
    """One episode's shadow predictions, scored as the episode goes on (not thread-safe: the episode's
    lock is held by every caller)."""

    log: LogFn
    snapshot: Callable[[Any], Any]
    waiting: dict[str, list[_Prediction]] = field(default_factory=dict)
    guided: dict[str, str] = field(default_factory=dict)
    fired_skills: set[str] = field(default_factory=set)
    seen: set[tuple[str, str]] = field(default_factory=set)
    code: ShadowCode = field(default_factory=ShadowCode)
    code_spent_s: float = 0.0
    skipped: set[str] = field(default_factory=set)
    episode: int = 0  # this episode's number for `code` (`ShadowCode.begin`)

    def __post_init__(self) -> None:
        self.episode = self.code.begin()

    # ------------------------------------------------------------------ guidance

    def guidance(self, skill: Skill, version: SkillVersion) -> None:
        """`version`'s guidance would have been added to this episode's prompt (logged once)."""
        text = version.strategy.guidance or ""
        if version.id in self.guided or not text:
            return
        self.guided[version.id] = skill.name
        self.log(
            EventKind.SHADOW, None, version.id, {},
            what="guidance", skill=skill.name, text_id=text_id(text), chars=len(text),
        )

    def fired(self, skill_name: str) -> None:
        """The trigger of `skill_name` fired on a failure (shadow guidance for it was relevant)."""
        self.fired_skills.add(skill_name)

    # ------------------------------------------------------------------ repairs

    def repair(
        self,
        skill: Skill,
        version: SkillVersion,
        tool: str,
        args: dict[str, Any],
        *,
        when: str,
        message: str = "",
        run_code: RunCode | None = None,
    ) -> None:
        """What `version` would have sent instead of `args` (logged, then scored by later calls)."""
        try:
            key = json.dumps(args, sort_keys=True, default=str)
        except (TypeError, ValueError):
            key = repr(args)
        # One counterfactual per call: a pre-emptive prediction and the after-error one for the same
        # arguments are the same claim.
        mark = (version.id, key)
        if mark in self.seen:
            return
        self.seen.add(mark)
        runs_code = version.strategy.repair is None and bool(version.strategy.code) and run_code is not None
        if runs_code and (why := self.code.why_not(version.id, self.code_spent_s, self.episode)) is not None:
            if version.id not in self.skipped:  # once an episode: the reviewer sees why evidence stops
                self.skipped.add(version.id)
                self.log(EventKind.SHADOW, tool, version.id, {}, what="repair", skill=skill.name, when=when,
                         skipped=why)
            return
        started = time.monotonic()
        host_failed = False
        try:
            after = predicted_args(version, tool, args, message, run_code)
        except SandboxNotRun as exc:  # nothing ran (no engine here, ...): no evidence either way
            host_failed = True
            if version.id not in self.skipped:
                self.skipped.add(version.id)
                self.log(EventKind.SHADOW, tool, version.id, {}, what="repair", skill=skill.name, when=when,
                         skipped=str(exc))
            return
        except Exception as exc:  # an unapproved repair that cannot apply: a loss, never an error in the run
            self.log(EventKind.SHADOW, tool, version.id, {}, what="repair", skill=skill.name, when=when,
                     error=type(exc).__name__)
            self._outcome(tool, version.id, skill.name, False, "its repair cannot apply to these arguments")
            return
        finally:
            if runs_code and not host_failed:  # the engine's time (a failed build) is not the skill's
                took = time.monotonic() - started
                self.code_spent_s += took
                self.code.ran(version.id, took)
        if not isinstance(after, dict):
            return
        retry = version.strategy.repair is not None and any(isinstance(op, Retry) for op in version.strategy.repair.ops)
        if same_args(after, args) and not retry:
            return  # it would have changed nothing
        self.log(
            EventKind.SHADOW, tool, version.id,
            {"before": self.snapshot(args), "after": self.snapshot(after)},
            what="repair", skill=skill.name, when=when,
        )
        repair = version.strategy.repair
        if repair is not None and repair.precondition and not retry and precondition_holds(repair, after):
            self._outcome(tool, version.id, skill.name, False, "its output still has the failing shape")
            return
        self.waiting.setdefault(tool, []).append(_Prediction(version.id, skill.name, dict(args), after, when))

    def success(self, tool: str, args: dict[str, Any]) -> None:
        """A call of `tool` succeeded with `args`: score the predictions waiting on that tool."""
        waiting = self.waiting.pop(tool, None)
        if not waiting:
            return
        for p in waiting:
            if same_args(p.after, args):
                self._outcome(tool, p.version_id, p.skill, True, "matched the arguments that succeeded")
            elif p.when == "before" and same_args(p.before, args):
                self._outcome(tool, p.version_id, p.skill, False, "the call succeeded as sent")
            else:
                self._outcome(tool, p.version_id, p.skill, False, "the arguments that succeeded differ")

    def _outcome(self, tool: str | None, version_id: str, skill: str, win: bool, reason: str) -> None:
        self.log(EventKind.SHADOW, tool, version_id, {}, what="outcome", strategy="repair", skill=skill,
                 outcome="win" if win else "loss", reason=reason)

    # ------------------------------------------------------------------ end

    def finish(self) -> None:
        """Settle guidance evidence; repairs still waiting for a success stay undecided."""
        for version_id, skill in self.guided.items():
            self.log(EventKind.SHADOW, None, version_id, {}, what="outcome", strategy="guidance", skill=skill,
                     needed=skill in self.fired_skills)
        self.guided.clear()
        self.waiting.clear()


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class ShadowEvidence:
    """What a version did in shadow, for the reviewer.

    Attributes:
        wins, trials: live counterfactual repairs scored (a win matched the arguments that succeeded).
        prompts, needed: episodes its guidance would have reached, and those where its failure followed.
        replay_wins, replay_trials: stored failures its repair was replayed on, and the wins there.
    """

    version_id: str
    wins: int = 0
    trials: int = 0
    prompts: int = 0
    needed: int = 0
    replay_wins: int = 0
    replay_trials: int = 0

    @property
    def empty(self) -> bool:
        """Whether there is no shadow evidence at all."""
        return not (self.trials or self.prompts or self.replay_trials)

    def summary(self) -> str:
        """One line, e.g. ``shadow: 7/9 repairs matched the agent's fix; replay: 3/3 stored failures``."""
        parts = []
        if self.trials:
            parts.append(f"shadow: {self.wins}/{self.trials} repairs matched the arguments that succeeded")
        if self.prompts:
            parts.append(f"guidance would have reached {self.prompts} episodes; its failure followed in {self.needed}")
        if self.replay_trials:
            parts.append(f"replay: {self.replay_wins}/{self.replay_trials} stored failures fixed")
        return "; ".join(parts) or "no shadow evidence yet"

    def short(self) -> str:
        """A table cell, e.g. ``live 7/9, replay 3/3, guidance 12 (needed 9)``."""
        parts = []
        if self.trials:
            parts.append(f"live {self.wins}/{self.trials}")
        if self.replay_trials:
            parts.append(f"replay {self.replay_wins}/{self.replay_trials}")
        if self.prompts:
            parts.append(f"guidance {self.prompts} (needed {self.needed})")
        return ", ".join(parts) or "none yet"


def shadow_evidence(
    store: SkillStore,
    version: SkillVersion,
    *,
    skill: Skill | None = None,
    replay: bool = True,
    replay_limit: int = 200,
) -> ShadowEvidence:
    """Count `version`'s shadow outcomes from the log (and replay stored failures when `replay`)."""
    wins = trials = prompts = needed = 0
    for e in store.events(kind=EventKind.SHADOW, version_id=version.id):
        if e.data.get("what") != "outcome":
            continue
        if e.data.get("strategy") == "guidance":
            prompts += 1
            needed += bool(e.data.get("needed"))
        else:
            trials += 1
            wins += e.data.get("outcome") == "win"
    r_wins = r_trials = 0
    if replay:
        if skill is None:
            skill = store.skill(version.skill)
        r_wins, r_trials = replay_failures(store, version, skill, limit=replay_limit)
    return ShadowEvidence(version.id, wins, trials, prompts, needed, r_wins, r_trials)


def replay_failures(store: SkillStore, version: SkillVersion, skill: Skill, *, limit: int = 200) -> tuple[int, int]:
    """(wins, trials) of `version`'s repair replayed on stored failures its trigger targets (`replay_wins`)."""
    won, trials = replay_wins(store, version, skill, limit=limit)
    return len(won), trials


def replay_wins(
    store: SkillStore, version: SkillVersion, skill: Skill, *, limit: int = 200, read: int | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """((episode, failed arguments) of each call it won on, trials) of `version`'s repair replayed on
    stored failures its trigger targets.

    The last `limit` failed calls of the trigger's tool that the trigger matches (or, for a
    pre-emptive repair, whose arguments have its failing shape) and that the agent later corrected
    in the same episode, outside the episodes the version was mined from (those would prove
    nothing). A win: the repair turns the failed arguments into exactly the corrected ones. Only
    declarative edits are replayed (code runs only live, in the sandbox). `read`: only the tool's
    newest `read` errors are read (None: all), for a caller on an agent's path.
    """
    from ._mining import correction_pairs

    repair = version.strategy.repair
    trigger = skill.trigger
    if repair is None or not any(not isinstance(op, Retry) for op in repair.ops):
        return [], 0
    tool = None if trigger.tool_is_glob else trigger.tool
    own = set(version.origin.episodes)
    errors = (
        store.events(kind=EventKind.TOOL_ERROR, tool=tool)
        if read is None
        else store.newest_events(kind=EventKind.TOOL_ERROR, tool=tool, limit=read)
    )
    failures = [e for e in errors if e.episode_id not in own]

    def targeted(e: Any) -> bool:
        args = e.data.get("args")
        if not isinstance(args, dict):
            return False
        if trigger.kind is not TriggerKind.TOOL_ERROR:
            return precondition_holds(repair, args)
        message = str(e.data.get("error", ""))
        error_type = str(e.data.get("error_type", ""))
        return any(
            trigger.matches(tool=e.tool, error_type=t, text=message)
            for t in (error_type, classify_error(message, error_type, args))
        )

    failures = [e for e in failures if targeted(e)][-limit:]
    ids = {e.id for e in failures}
    won: list[tuple[str, dict[str, Any]]] = []
    trials = 0
    edits = _edits_only(repair)
    for episode_id in dict.fromkeys(e.episode_id for e in failures if e.episode_id):
        for bad, good in correction_pairs(store.events(episode_id=episode_id)):
            if bad.id not in ids:
                continue
            trials += 1
            before = dict(bad.data.get("args") or {})  # type: ignore[arg-type]
            try:
                after = apply_repair(edits, before)
            except Exception:  # cannot apply: a loss
                continue
            if same_args(after, good.data.get("args")):
                won.append((episode_id, before))
    return won, trials


def held_back(
    store: SkillStore, testing: Sequence[str], active: Sequence[str], mode: str = "auto"
) -> dict[str, str]:
    """Versions a reviewer should see because review holds them back, each with why.

    `testing`: ids of versions under test; under `mode` ``"required"`` or ``"canary"`` (the library's
    mark) every one is listed, as `skillevo review list` lists them, otherwise those that ran in
    shadow. `active`: ids of active versions; once review has been gated on the library, those
    nobody approved are listed.
    """
    from ._review_gate import gated_since, is_approved

    out: dict[str, str] = {}
    for vid in testing:
        if mode == "canary":
            # (before 2026-12-07 one that had not run in shadow yet was left out of the report)
            out[vid] = "under test in canary episodes only, shadow elsewhere: waits for a person or its test"
        elif mode == "required" or store.events(kind=EventKind.SHADOW, version_id=vid, limit=1):
            out[vid] = "runs in shadow: nothing it does reaches a call or a prompt until a person approves it"
    since = gated_since(store)
    if since is not None:
        for vid in active:
            if not is_approved(store, store.version(vid), since):
                out[vid] = "active, but nobody approved it: held back (shadow) under review"
    return out
