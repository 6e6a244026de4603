"""Constants that the agent's own later corrections contradict.

A `set` of an argument the caller left out is mined only when corrections of two episodes added
it with one value; two tasks may agree by chance (a free-text reason, a category). So is a `set`
replacing a value the caller sent, when no other edit relates the failed values to the corrected one
(two refused lists both corrected to one word). Applied, such a
constant makes its calls succeed and its episodes fail. A correction of a later episode that adds
the argument with another value, or replaces the value sent with another one than the constant's
(or, for a learned prefix or suffix, adds another literal to the value: a time zone, a currency, a
unit) is a call the constant would have got wrong: it is charged to every
live version writing that constant (a call-level 0, logged as a ``contradicted`` credit), and a
version contradicted in `RETRACT_EPISODES` episodes is retired (rejected while under test): the
stored corrections show the value varies by task.

Only a call the version would have acted on contradicts it: its precondition holds on the failed
call's arguments (it writes the constant before the call), or its trigger fires on that call's error
and the episode's task. A version a person approved (its last status decision a review) is charged
like any other but not retired by this count: a few episodes whose corrections disagree (which a
tool's error text can steer an agent into) do not undo a person's decision; the ledger's evidence
rule still retires it when it stops beating doing nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._arg_paths import MISSING, get_path, has_star
from ._detect import classify_error
from ._mining import correction_pairs
from ._models import Affix, Event, EventKind, SetArg, Skill, SkillVersion, TriggerKind, VersionStatus
from ._repair import precondition_holds, same_args
from ._review_gate import decisions

if TYPE_CHECKING:
    from ._evolver import Evolver

__all__ = ["RETRACT_EPISODES", "charge_contradicted", "left_out_constant_called"]

_logger = logging.getLogger("skillevo")

#: Episodes whose corrections contradict a constant before it is retired.
RETRACT_EPISODES = 2
_LIVE = (VersionStatus.CANDIDATE, VersionStatus.TESTING, VersionStatus.ACTIVE)


def _contradicts(version: SkillVersion, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    repair = version.strategy.repair
    return repair is not None and any(_other_value(op, bad, good) or _other_literal(op, bad, good) for op in repair.ops)


def _other_value(op: Any, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    """Whether the correction sent `op`'s argument with another value than the constant `op` writes,
    where the failed call left it out or sent something else: the constant would have sent the wrong
    one. (A constant replacing what the caller sent is mined as one where every failed value differs,
    lists the tool refused, say; the agent's next corrections choosing other values contradict it
    the same way. A correction that kept the argument as sent was about another one.)"""
    if not isinstance(op, SetArg) or has_star(op.arg):
        return False
    before, after = get_path(bad, op.arg), get_path(good, op.arg)
    if after is MISSING or same_args(after, op.value):
        return False
    return before is MISSING or not same_args(before, after)


def _other_literal(op: Any, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    """Whether the correction added another literal than the one `op` adds: ``2026-12-07T09:30``
    corrected with ``+01:00`` contradicts a learned suffix ``Z`` (a time zone, a currency, a unit
    that is the task's data, not a format)."""
    if not isinstance(op, Affix) or op.op not in ("add_prefix", "add_suffix"):
        return False
    before, after = get_path(bad, op.arg), get_path(good, op.arg)
    if not isinstance(before, str) or not isinstance(after, str) or before == after:
        return False
    # The agent kept its value and added something else to the same end (a value it rewrote is
    # about something else).
    if op.op == "add_prefix":
        return not before.startswith(op.text) and after.endswith(before) and after != op.text + before
    return not before.endswith(op.text) and after.startswith(before) and after != before + op.text


def _would_act(skill: Skill, version: SkillVersion, bad: Event, args: dict[str, Any], task: str | None) -> bool:
    """Whether `version` would have acted on the failed call `bad`: before it, or after its error."""
    repair = version.strategy.repair
    if repair is not None and precondition_holds(repair, args) and skill.trigger.task_matches(task):
        return True
    text, error_type = bad.data.get("error"), bad.data.get("error_type")
    text = text if isinstance(text, str) else ""
    error_type = error_type if isinstance(error_type, str) else ""
    return any(
        skill.trigger.matches(tool=bad.tool, error_type=t, text=text, task=task)
        for t in (error_type, classify_error(text, error_type, args))
    )


def _approved_by_a_person(evo: Evolver, version: SkillVersion) -> bool:
    """Whether `version` is active by a person's decision (its last status decision a review)."""
    if version.status is not VersionStatus.ACTIVE:
        return False
    made = decisions(evo.store, version)
    if not made:
        return False
    last = made[-1]
    return last.kind is EventKind.REVIEW and last.data.get("to") == VersionStatus.ACTIVE.value


def _contradicted(
    evo: Evolver, events: Sequence[Event], task: str | None
) -> Iterable[tuple[str, SkillVersion]]:
    for bad, good in correction_pairs(events):
        args, fixed = bad.data.get("args"), good.data.get("args")
        if not bad.tool or not isinstance(args, dict) or not isinstance(fixed, dict):
            continue
        # Every skill of the tool's errors, not only the pre-emptive ones: a constant applied after
        # the error (no precondition) writes its value over the failed call just the same.
        for skill in evo.triggers.match(TriggerKind.TOOL_ERROR, bad.tool):
            for version in skill.versions:
                if (
                    version.status in _LIVE
                    and _contradicts(version, args, fixed)
                    and _would_act(skill, version, bad, args, task)
                ):
                    yield skill.name, version


def _sent_otherwise(evo: Evolver, events: Sequence[Event], task: str | None) -> Iterable[tuple[str, SkillVersion]]:
    """The live constants for a left-out argument that a successful call of this episode sent, with
    another value, itself: the value varies by task. (Applied before the call, such a constant meets
    no correction of the calls it fills in; the calls that send the argument are its evidence left.)"""
    for event in events:
        args = event.data.get("args")
        if event.kind is not EventKind.TOOL_RESULT or not event.tool or not isinstance(args, dict):
            continue
        for kind, skill in evo.triggers.preemptive(event.tool):
            if kind is not TriggerKind.TOOL_ERROR:
                continue
            for version in skill.versions:
                repair = version.strategy.repair
                if version.status in _LIVE and repair is not None and skill.trigger.task_matches(task) and any(
                    isinstance(op, SetArg) and _fills_left_out(repair, op.arg)
                    and op.arg in args and not same_args(args[op.arg], op.value)
                    # only a call it would have filled in, had the agent left the argument out
                    and precondition_holds(repair, {k: v for k, v in args.items() if k != op.arg})
                    for op in repair.ops
                ):
                    yield skill.name, version


def left_out_constant_called(evo: Evolver, tools: Iterable[str | None]) -> bool:
    """Whether a live constant for a left-out argument is about one of `tools` (an episode that met
    no error is read for `_sent_otherwise` only then: most are never built on the agent's path)."""
    if evo.miner is None:
        return False
    try:
        return any(
            version.status in _LIVE and (repair := version.strategy.repair) is not None
            and any(isinstance(op, SetArg) and _fills_left_out(repair, op.arg) for op in repair.ops)
            for tool in tools if tool
            for kind, skill in evo.triggers.preemptive(tool) if kind is TriggerKind.TOOL_ERROR
            for version in skill.versions
        )
    except Exception:  # learning more must never be the reason an episode's end fails
        _logger.exception("skillevo: reading the live constants failed")
        return False


def _fills_left_out(repair: Any, arg: str) -> bool:
    """Whether the repair's precondition says it acts only where `arg` was left out."""
    return any(c.arg == arg and c.present is False for c in repair.precondition or [])


def charge_contradicted(
    evo: Evolver, episode_id: str, events: Sequence[Event], task: str | None = None
) -> list[Event]:
    """Charge (and, when contradicted often enough, retire) the constants this episode's corrections
    contradict (`task`: the episode's); returns the credit events to log."""
    log: list[Event] = []
    seen: set[str] = set()
    for key, version in (*_contradicted(evo, events, task), *_sent_otherwise(evo, events, task)):
        if version.id in seen:
            continue
        seen.add(version.id)
        evo.ledger.credit(key, version.id, 0.0)
        log.append(Event(kind=EventKind.CREDIT, episode_id=episode_id, version_id=version.id,
                         data={"key": key, "arm": version.id, "reward": 0.0, "source": "contradicted"}))
        if _approved_by_a_person(evo, version):
            evo.ledger.evaluate({key})
            continue
        earlier = {
            e.episode_id
            for e in evo.store.events(kind=EventKind.CREDIT, version_id=version.id)
            if e.data.get("source") == "contradicted" and e.episode_id != episode_id
        }
        if len(earlier) + 1 >= RETRACT_EPISODES:
            evo.lifecycle.retract(version.id, f"contradicted by the corrections of {len(earlier) + 1} episodes: "
                                              "the argument's value varies by task")
        else:
            evo.ledger.evaluate({key})
    return log
