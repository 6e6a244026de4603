"""An episode's tool calls: pre-emptive repairs, outcomes, repairs after an error, and their credit.

`ToolCalls` is the tool-call half of `EpisodeContext` (which holds the lock around every method
here). A repair (or a null arm drawn) waits on the call it produced, keyed by `CallKey`; the
call's reported outcome credits it through the ledger. What a repair does is planned by
`_repair_plan` (pure); running a code strategy in the sandbox and the retry's back-off are the
only effects besides recording and credit.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import TYPE_CHECKING, Any, Literal

from ._attribution import names_elsewhere, site_args
from ._call_key import MAX_TOOL_NAME, CallKey, noted, tool_name, without
from ._call_sites import Attempt, Pending, Tried
from ._call_waits import expect, take
from ._code_fit import run_checked
from ._detect import FAILURE_FIRST, SCAN_CHARS, IsFailure, classify_error, detect_failure, error_signature
from ._errors import SandboxNotRun, SkillevoError
from ._failure_sort import sort_failure
from ._models import NULL_ARM, EventKind, MapValue, SetArg, Skill, SkillVersion, TriggerKind
from ._own_edits import OwnEdits
from ._recording import ERROR_MAX_CHARS, RESULT_MAX_CHARS, snapshot
from ._redaction import capped_text
from ._repair import precondition_holds, same_args
from ._repair_plan import changes, error_parts, may_repair, plan_error_repair, plan_stored_repair, preemptive_args
from ._schema_repair import propose_safely

if TYPE_CHECKING:
    from ._choices import SiteChoices
    from ._evolver import Evolver
    from ._recording import EventRecorder
    from ._shadow import ShadowBook

__all__ = ["CallKey", "ToolCalls", "tool_name"]


# An enum member read from its class costs a slow attribute look-up (about 150 ns: `EnumType` has a
# `__getattr__`); the events every call records name their kind from here.
_TOOL_CALL, _TOOL_RESULT = EventKind.TOOL_CALL, EventKind.TOOL_RESULT


class ToolCalls:
    """The tool calls of one episode (thread-safe).

    Args:
        lock: the episode's lock (held while this records, chooses and credits).
        evo: the Evolver (its trigger index, ledger, review gate, tool catalogue, sandbox, miner).
        task: the episode's task (triggers may match on it).
        canary: unapproved versions apply in this episode.
        choices: the episode's choice per call site.
        recorder: the episode's events.
        shadow: the episode's shadow predictions.
    """

    def __init__(
        self,
        lock: threading.RLock,
        evo: Evolver,
        task: str,
        canary: bool,
        choices: SiteChoices,
        recorder: EventRecorder,
        shadow: ShadowBook,
    ) -> None:
        self._lock = lock
        self.evo = evo
        self.task = task
        self.canary = canary
        self.choices = choices
        self.recorder = recorder
        self.shadow = shadow
        #: this episode's failure predicate, over the Evolver's (see `EpisodeContext.is_failure`)
        self.is_failure: IsFailure | None = None
        self.calls = 0
        #: skills whose tool-error / observation trigger fired (their guidance joins the prompt)
        self.fired: dict[str, Skill] = {}
        #: the tool each of them fired on (where the trigger view is asked for it again)
        self.fired_on: dict[str, str] = {}
        self.pending: dict[CallKey, list[Pending]] = {}
        # Arms whose call failed on an error that is not their site's business: they wait on the
        # call's retry (`_attribution`).
        self.parked: dict[CallKey, list[Pending]] = {}
        # the model's arguments of the calls pre-emptive repairs changed, and the edits that backfired
        self.edits = OwnEdits()
        self._attempts: dict[Attempt, int] = {}
        self._not_run: set[str] = set()  # code versions whose "not run" this episode has logged
        self._tried: dict[CallKey, Tried] = {}
        # Calls whose failure `result` recorded and credited, one entry a call: `after_error` of each
        # (identical calls too, run concurrently) does not record and resolve it a second time. An
        # entry goes with its own call's error report, a new attempt of that call or its next result;
        # other calls leave it (parallel tool calls: before 2026-12-07 another call's start or result
        # between the two reports emptied it, and the failure was recorded and credited twice).
        self._error_logged: tuple[CallKey, ...] = ()

    def _repair_versions(self, skill: Skill) -> list[SkillVersion]:
        return [v for v in skill.versions if v.strategy.repair is not None or (v.strategy.code and self.evo.sandbox)]

    def before(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Record a call; its arguments after the pre-emptive repairs whose preconditions hold."""
        # Every call's path: a call of a tool with nothing to do counts it, reads the catalog and the
        # tool's plan, and records one event (no more frames than that).
        if type(name) is not str or len(name) > MAX_TOOL_NAME or not name.isascii() or "\x00" in name:
            name = tool_name(name)  # (a plain ASCII name without NUL is its own `tool_name`)
        lock = self._lock
        lock.acquire()  # (not `with`: it builds two bound methods per call)
        try:
            evo = self.evo
            self.calls += 1
            counts = self.choices.tool_calls  # `SiteChoices.count_call`, without its frame
            counts[name] = counts.get(name, 0) + 1
            if self._error_logged:  # a new attempt of a call: its last one's report is over
                self._error_logged = without(self._error_logged, CallKey.of(name, args))
            new_tool = not evo.tools.knows(name)
            schema = evo.tools.seen(name, args)
            if new_tool and evo.tools.changed:
                # A tool first seen now (not declared): the repairs learned on other tools' arguments
                # of the same name are offered to it before this call, not after its first failure.
                evo._transfer([], call_path=True)
            if schema is not None:
                broken = propose_safely(evo, name, args, schema)
                if broken:
                    for key in self.choices.conformance:
                        if key in broken and self.choices.chosen_at[key].tool == name:
                            self.choices.failed(key, name)
            preemptive = evo.triggers.plan(name).preemptive
            new_args = args
            if preemptive:
                new_args, arms = self._preempt(name, args, preemptive)
                self._expect(name, new_args, *arms)
            data = {"call": self.calls, "args": snapshot(new_args)}
            if new_args is not args:
                data["original_args"] = snapshot(args)
                self.edits.changed(CallKey.of(name, new_args), args)
            self.recorder.log_call(_TOOL_CALL, name, data)
            return new_args
        finally:
            lock.release()

    def _preempt(
        self, name: str, args: dict[str, Any], candidates: list[tuple[TriggerKind, Skill]]
    ) -> tuple[dict[str, Any], list[Pending]]:
        """`args` after the pre-emptive repairs of `candidates` whose preconditions hold, and the arms
        (repairs and null arms drawn) to wait on the outcome of the call made with them."""
        evo, log = self.evo, self.recorder
        new_args = args
        sent: CallKey | None = None  # the call as sent: serialised only when a repair needs it
        # Every repair of this call (and every null arm drawn) waits on the call's *final*
        # arguments: keyed on an intermediate one, an earlier repair was never credited when a
        # later one changed the call again.
        waiting: list[Pending] = []
        # Preconditions are read on the arguments the caller sent, edits applied in turn: one
        # repair's output never triggers another (a repair undoing an earlier one's edit would
        # otherwise share the credit for a call whose arguments nothing changed).
        for kind, skill in candidates:
            # A before-call trigger is decided here in full; an error trigger's error has not
            # happened (its repair is tried pre-emptively), so only its task scope is checked.
            if not (
                skill.trigger.matches(tool=name, task=self.task)
                if kind is TriggerKind.BEFORE_TOOL
                else skill.trigger.task_matches(self.task)
            ):
                continue
            if self.edits.withholds and sent is None:
                sent = CallKey.of(name, args)
            versions = [
                v
                for v in self._repair_versions(skill)
                if v.strategy.repair is not None
                and v.strategy.repair.precondition is not None
                and precondition_holds(v.strategy.repair, args)
                and not self.edits.withheld(skill.name, sent)
                and evo.discards.preempts(name, skill.trigger, v, args)  # (a chosen value thrown away: proven)
            ]
            versions, shadow = evo.gate.split(versions, self.canary)
            for held in shadow:
                self.shadow.repair(skill, held, name, args, when="before")
            if not versions:
                continue
            choice = self.choices.select(skill, versions, "repair")
            site = site_args(v.strategy.repair for v in versions)  # every arm here: the same site
            # By id: the version chosen earlier may be another read of it (its counters moved since).
            if choice.version is not None and all(v.id != choice.version.id for v in versions):
                continue  # chosen earlier at another site of this skill; its precondition does not hold here
            if choice.version is None:
                waiting.append(Pending(skill.name, NULL_ARM, "repair", skill.trigger, site=site))
                continue
            repair = choice.version.strategy.repair
            assert repair is not None
            try:
                repaired = preemptive_args(repair, new_args)
            except Exception as exc:  # a repair that cannot apply to these args is skipped, not fatal
                log.log(
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
            log.log_private(
                EventKind.REPAIR,
                name,
                choice.version.id,
                {"before": snapshot(new_args), "after": snapshot(repaired)},
                skill=skill.name,
                when="before",
                applied=True,
            )
            new_args = repaired
            sent = sent or CallKey.of(name, args)
            repair = choice.version.strategy.repair
            writes = repair is not None and any(isinstance(op, SetArg | MapValue) for op in repair.ops)
            waiting.append(Pending(skill.name, choice.version.id, "repair", skill.trigger, sent, writes, site))
        return new_args, waiting

    def _expect(self, tool: str, args: Any, *arms: Pending) -> None:
        """One call's arms wait on its outcome (apart from an identical call's: `_call_waits`)."""
        call = self.choices.tool_calls.get(tool, 0)  # (a retry's: the call it repeats, its tool's latest)
        for p in arms:
            p.call = p.call or call  # (an arm set aside at a failure keeps its call)
        expect(self.pending, CallKey.of(tool, args), arms)
        self.choices.acted.update(p.key for p in arms)

    def paused(self, name: str, args: dict[str, Any], sent: dict[str, Any]) -> None:
        """A call the framework paused while it ran as `sent` (a graph interrupt: `args` is how it
        came): it runs again from `args` when the run resumes. Nothing waits on this attempt's
        outcome, and its repairs may apply again to the call run anew."""
        name = tool_name(name)
        original, attempted = CallKey.of(name, args), CallKey.of(name, sent)
        with self._lock:
            take(self.pending, attempted)  # this attempt's arms only: an identical call's still wait
            if take(self.parked, attempted) is None:  # (one call's: an identical call's still wait)
                take(self.parked, original)
            self._tried.pop(original, None)
            for attempt in [a for a in self._attempts if a.call == original]:
                del self._attempts[attempt]
            if self._error_logged:
                self._error_logged = without(without(self._error_logged, original), attempted)

    def forget(self) -> None:
        """Drop the arms still waiting: calls that never reported an outcome credit nothing."""
        self.pending.clear()
        self.parked.clear()

    def _resolve(
        self, tool: str, args: Any, success: bool, error: tuple[str, str] | None = None, text: str | None = None
    ) -> None:
        """Credit the repairs (and null arms) waiting on this call's outcome; a failure (`error`: type,
        message) only those whose site it concerns, the others wait on the call's retry (`_attribution`).
        `text`: the error as the tool wrote it, where the arguments it names are read (the message
        is on one line, and pydantic's argument lines with it)."""
        if not self.pending:
            return
        key = CallKey.of(tool, args)  # (read once: it encodes the arguments)
        waiting = take(self.pending, key)
        if waiting is None:
            # Adapters that report the original rather than the repaired args: match by tool alone.
            keys = [k for k in self.pending if k.tool == tool]
            waiting = take(self.pending, keys[0]) if len(keys) == 1 else None
            if waiting is None:
                return
        if error is not None:
            named = error[1] if text is None else text
            schema = self.evo.tools.schema(tool)
            sort = sort_failure(
                waiting, error, named, tool, args, self.task, self.evo.tools.has_arg, self.edits.original(key),
                schema.get("properties") if schema is not None else None,
            )
            if sort.undo:
                self.edits.backfired(key)
            self.edits.withhold(sort.backfired)
            if sort.parked:
                # Appended, one batch per call: an identical call's failure sets its own arms aside
                # beside these, and each retry takes one call's (`_call_waits.take`).
                expect(self.parked, key, sort.parked)
                parked = {id(p) for p in sort.parked}
                waiting = [p for p in waiting if id(p) not in parked]
        reward = 1.0 if success else 0.0
        touched: set[str] = set()
        if error is not None and any(p.arm == NULL_ARM for p in waiting):
            # The null arm's outcome at this call is known now: the rescue after this error
            # (`_version_after_error`) must not credit it a second 0 for the same call.
            nulls = self._tried.setdefault(key, Tried()).null_credited
            nulls.update(p.key for p in waiting if p.arm == NULL_ARM)
        for p in waiting:
            self.evo.ledger.credit(p.key, p.arm, reward)
            touched.add(p.key)
            self._log_credit(tool, p.key, p.arm, reward, p.kind, p.call)
        self.evo.ledger.evaluate(touched)

    def _log_credit(self, tool: str, key: str, arm: str, reward: float, strategy: str, call: int | None = None) -> None:
        """Log the credit of site `key`'s arm by a call of `tool` (its number; else the latest), which
        judged the arm: its guidance is not judged by that call again (`SiteChoices.judged`)."""
        self.choices.judged(key, tool, call)
        self.recorder.log(EventKind.CREDIT, tool, None if arm == NULL_ARM else arm, key=key, arm=arm, reward=reward,
                          source="call", strategy=strategy)

    def result(self, name: str, args: dict[str, Any], result: Any) -> bool:
        """Record a call's result; True when it was judged a failure."""
        if type(name) is not str or len(name) > MAX_TOOL_NAME or not name.isascii() or "\x00" in name:
            name = tool_name(name)
        evo = self.evo
        is_failure = self.is_failure or evo.is_failure
        text: Any = result if type(result) is str else None
        head = text[:1] if text is not None and is_failure is None else ""
        # Most results: a text `detect_failure` cannot read as an error, told by its first character.
        failure = None if head and head not in FAILURE_FIRST and not head.isspace() else detect_failure(
            result, is_failure=is_failure
        )
        lock = self._lock
        lock.acquire()
        try:
            if failure is not None:
                error = (failure.error_type or "error", failure.message)
                self._record_error(name, args, *error)
                self._resolve(name, args, success=False, error=error, text=None if text is None else text[:SCAN_CHARS])
                self._error_logged = noted(self._error_logged, CallKey.of(name, args))
                return True
            if self._error_logged:  # this call's next outcome: its earlier failure's report is over
                self._error_logged = without(self._error_logged, CallKey.of(name, args))
            kept = text if text is not None and len(text) <= RESULT_MAX_CHARS else snapshot(result)
            self.recorder.log_call(_TOOL_RESULT, name, {"call": self.calls, "args": snapshot(args), "result": kept})
            if self.pending:  # (`_resolve` credits nothing else)
                self._resolve(name, args, success=True)
            if evo.tools.observe(name, args, success=True):  # an argument now known to hold dates
                evo._transfer([], call_path=True)
            if self.shadow.waiting:  # (`ShadowBook.success` scores nothing else)
                self.shadow.success(name, args)
            plan = evo.triggers.plan(name)
            if not plan.observers:
                return False
            # The observation triggers this result fires.
            if text is None:
                text = result if isinstance(result, str) else json.dumps(snapshot(result))
            observers = plan.observers
            if plan.gate_found is not None and not plan.gate_found(text):  # one search for every pattern
                observers = plan.without_pattern  # the rest cannot fire
            for skill, pattern in observers:
                # The compiled pattern rejects most results cheaply; `matches` decides the rest.
                if pattern is not None and pattern.search(text) is None:
                    continue
                if skill.trigger.matches(tool=name, text=text, task=self.task):
                    self.fired.setdefault(skill.name, skill)
                    self.fired_on.setdefault(skill.name, name)
            return False
        finally:
            lock.release()

    def _record_error(self, name: str, args: Any, error_type: str, message: str) -> None:
        self.evo.discards.noted_error(name)
        self.recorder.log_private(
            EventKind.TOOL_ERROR,
            name,
            None,
            {"args": snapshot(args), "error": capped_text(message, ERROR_MAX_CHARS - 1)},
            call=self.calls,
            error_type=error_type,
            signature=error_signature(message),
        )

    def after_error(self, name: str, args: dict[str, Any], error: Any) -> tuple[dict[str, Any] | None, float]:
        """Record a failed call; the arguments to retry it with (or None) and the wait before."""
        name = tool_name(name)
        error_type, message = error_parts(error)
        # Triggers name an exception class or an error category (e.g. "rate_limit"): accept either.
        category = classify_error(message, error_type, args)
        call_key = CallKey.of(name, args)
        with self._lock:
            return self._after_error(name, args, error_type, category, message, call_key)

    def _after_error(
        self, name: str, args: dict[str, Any], error_type: str, category: str, message: str, call_key: CallKey
    ) -> tuple[dict[str, Any] | None, float]:
        evo = self.evo
        logged = self._error_logged
        if call_key in logged:
            at = logged.index(call_key)
            self._error_logged = logged[:at] + logged[at + 1 :]
        else:
            self._record_error(name, args, error_type, message)
            self._resolve(name, args, success=False, error=(error_type, message))
        original = self.edits.undo(call_key)
        if original is not None:  # an edit of ours caused this error: the call as the model wrote it
            take(self.parked, call_key)  # the other edits are applied (and wait) anew
            preemptive = evo.triggers.plan(name).preemptive
            undone, arms = self._preempt(name, original, preemptive) if preemptive else (original, [])
            if changes(undone, args):  # (else no retry: its arms wait on nothing)
                self._expect(name, undone, *arms)
                if undone is not original:  # an edit re-applied here may backfire in turn
                    self.edits.changed(CallKey.of(name, undone), original)
                self._log_retry(name, None, args, undone, strategy="repair", source="undo", delay_s=0.0)
                return undone, 0.0
        tried = self._tried.setdefault(call_key, Tried())
        for skill in evo.triggers.match(TriggerKind.TOOL_ERROR, name):
            if not any(
                skill.trigger.matches(tool=name, error_type=t, text=message, task=self.task)
                for t in (error_type, category)
            ):
                continue
            if skill.name in self.choices.chosen and skill.name not in self.choices.conformance:
                self.choices.failed(skill.name, name)
            self.fired.setdefault(skill.name, skill)
            self.fired_on.setdefault(skill.name, name)
            self.shadow.fired(skill.name)
            versions, shadow = evo.gate.split(self._repair_versions(skill), self.canary)
            sandbox = evo.sandbox
            run_code = (
                functools.partial(run_checked, sandbox.run_repair, evo.tools.schema(name))
                if shadow and sandbox is not None
                else None
            )
            for held in shadow:
                self.shadow.repair(skill, held, name, args, when="after_error", message=message, run_code=run_code)
            if not versions:
                continue
            site = site_args(v.strategy.repair for v in versions)
            version = self._version_after_error(skill, versions, name, args, tried, site, message)
            if version is None or all(v.id != version.id for v in versions):
                continue
            repaired, delay, kind = self._repaired(skill, version, name, args, message, call_key, tried)
            if repaired is None:
                continue
            tried.skills.add(skill.name)
            # Earlier edits (parked) ride along in the retry.
            self._expect(name, repaired, Pending(skill.name, version.id, kind, skill.trigger, site=site),
                         *(take(self.parked, call_key) or []))
            self._log_retry(name, version.id, args, repaired, skill=skill.name, strategy=kind, delay_s=delay)
            return repaired, delay
        return self._repair_now(name, args, error_type, message, tried), 0.0

    def _version_after_error(
        self,
        skill: Skill,
        versions: list[SkillVersion],
        name: str,
        args: dict[str, Any],
        tried: Tried,
        site: frozenset[str] | None,
        message: str,
    ) -> SkillVersion | None:
        """The version to try at this site: the episode's choice, or a rescue where it chose nothing."""
        choice = self.choices.select(skill, versions, "code" if versions[0].strategy.repair is None else "repair")
        if choice.version is not None:
            return choice.version
        # The episode chose "apply nothing" here, but this call has already failed: the null arm's
        # outcome at this site is known (0). A version whose repair applies to these arguments is
        # tried anyway (Thompson among those), and credited with the retried call's outcome like any
        # chosen repair. None applies, or the error names only arguments outside the site (the
        # pre-emptive path sets such a failure aside: `_resolve`): no comparison, no credit.
        usable = [v for v in versions if may_repair(v, args)]
        if not usable or names_elsewhere(site, message, name, args, self.evo.tools.has_arg):
            return None
        if skill.name not in tried.null_credited:
            tried.null_credited.add(skill.name)
            self.choices.acted.add(skill.name)
            self.evo.ledger.credit(skill.name, NULL_ARM, 0.0)
            self._log_credit(name, skill.name, NULL_ARM, 0.0, "repair")
            self.evo.ledger.evaluate({skill.name})
        rescue = self.evo.selector.choose(skill.name, [v.id for v in usable])
        return next(v for v in usable if v.id == rescue)

    def _repaired(
        self,
        skill: Skill,
        version: SkillVersion,
        name: str,
        args: dict[str, Any],
        message: str,
        call_key: CallKey,
        tried: Tried,
    ) -> tuple[dict[str, Any] | None, float, Literal["repair", "code"]]:
        """The retried call `version` makes (None: nothing), its back-off, and the strategy kind."""
        strategy = version.strategy
        if strategy.repair is not None:
            attempt = Attempt(call_key, skill.name)
            done = self._attempts.get(attempt, 0)
            # An edit throwing a chosen value away, unproven, acts only after an error naming its argument.
            repair = self.evo.discards.after_error(name, skill.trigger, version, args, message)
            if repair is None:
                tried.skills.add(skill.name)
                return None, 0.0, "repair"
            plan = plan_stored_repair(repair, args, message, attempts=done, tried=skill.name in tried.skills)
            if plan.attempt is not None:
                self._attempts[attempt] = plan.attempt
            if plan.error is not None:
                self.recorder.log(
                    EventKind.REPAIR, name, version.id, skill=skill.name, when="after_error", applied=False,
                    error=plan.error,
                )
            if plan.give_up:
                tried.skills.add(skill.name)
            return plan.args, plan.delay_s, "repair"
        sandbox = self.evo.sandbox
        if not strategy.code or sandbox is None or skill.name in tried.skills:
            return None, 0.0, "code"
        try:
            schema = self.evo.tools.schema(name)
            repaired = run_checked(sandbox.run_repair, schema, strategy.code, name, dict(args), message)
        except SandboxNotRun as exc:  # nothing ran (no engine here, arguments JSON cannot carry, all busy):
            tried.skills.add(skill.name)  # as with no sandbox, nothing is credited against the skill
            if version.id not in self._not_run:  # once an episode: why the skill did not run, never a flood
                self._not_run.add(version.id)
                self.recorder.log(
                    EventKind.REPAIR, name, version.id, skill=skill.name, when="after_error", applied=False,
                    strategy="code", skipped=capped_text(str(exc), 300),
                )  # fmt: skip
            return None, 0.0, "code"
        except SkillevoError as exc:
            repaired = None
            self.recorder.log(
                EventKind.REPAIR,
                name,
                version.id,
                skill=skill.name,
                when="after_error",
                applied=False,
                error=capped_text(str(exc), 300),
                strategy="code",
            )
        if not changes(repaired, args):
            tried.skills.add(skill.name)
            self.choices.acted.add(skill.name)
            self.choices.judged(skill.name, name)
            self.evo.ledger.credit(skill.name, version.id, 0.0)
            self.evo.ledger.evaluate({skill.name})
            return None, 0.0, "code"
        return repaired, 0.0, "code"

    def _repair_now(
        self, name: str, args: dict[str, Any], error_type: str, message: str, tried: Tried
    ) -> dict[str, Any] | None:
        """No stored skill repairs this call: retry it with the repair the error itself spells out, if any.

        Not a skill version (nothing is credited); the failed call and its retry are logged, so the
        episode's mining learns the skill from them and tests it like any candidate.
        """
        miner = self.evo.miner
        if miner is None or tried.error_repair:
            return None
        tried.error_repair = True
        try:
            repaired = plan_error_repair(miner.repair_now(name, dict(args), error_type, message), args)
        except Exception as exc:  # a miner that raises or returns garbage changes nothing
            error = capped_text(str(exc), 300)
            self.recorder.log(
                EventKind.REPAIR, name, None, when="after_error", applied=False, source="error", error=error
            )
            return None
        if repaired is None:
            return None
        if self.evo.gate.gated and not self.canary:
            # Nobody approved it: logged for the audit, the agent handles the error itself.
            self.recorder.log_private(
                EventKind.SHADOW,
                name,
                None,
                {"before": snapshot(args), "after": snapshot(repaired)},
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
        self.recorder.log_private(
            EventKind.REPAIR,
            name,
            version_id,
            {"before": snapshot(args), "after": snapshot(repaired)},
            when="after_error",
            applied=True,
            **data,
        )
        self.calls += 1
        self.recorder.log_private(
            EventKind.TOOL_CALL,
            name,
            None,
            {"args": snapshot(repaired)},
            call=self.calls,
            retry=True,
        )
