"""The trigger-rate check of a proposed skill: on what share of the stored failures it targets would it fire.

A rule that fires on few of its tool's failures of a class is narrow (one instance memorised, not
a mistake learned); `check_proposal` and the admission of stored candidates refuse it below a
minimum rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._detect import classify_error
from ._errors import NotFoundError
from ._models import Event, EventKind, Strategy, Trigger, TriggerKind
from ._repair import precondition_holds
from ._store import SkillStore

__all__ = ["ANY_POLICY", "error_category", "evidence_policy", "trigger_rate"]


def _args(event: Event) -> dict[str, Any]:
    args = event.data.get("args")
    return dict(args) if isinstance(args, dict) else {}


def error_category(event: Event) -> str:
    """The error class of a stored tool-error event (`classify_error` on its text, type and argument names,
    as at the call)."""
    return classify_error(str(event.data.get("error", "")), str(event.data.get("error_type", "")), _args(event))


class _AnyPolicy:
    """`trigger_rate`'s default: failures under every policy version count."""


ANY_POLICY = _AnyPolicy()


def evidence_policy(episodes: Sequence[str], store: SkillStore) -> str | _AnyPolicy | None:
    """The policy version the episodes a proposal was mined from ran under (`ANY_POLICY` when unknown)."""
    for episode_id in episodes:
        try:
            return store.episode(episode_id).policy_version
        except NotFoundError:
            continue
    return ANY_POLICY


def trigger_rate(
    trigger: Trigger,
    strategy: Strategy,
    store: SkillStore,
    *,
    lookback: int = 200,
    policy_version: str | _AnyPolicy | None = ANY_POLICY,
) -> tuple[float, int] | None:
    """The share of the stored failures a skill targets on which it would fire, and how many it targets.

    Targets: the last `lookback` tool errors of the trigger's tool with its error class, only those
    from episodes run under `policy_version` when one is given: after an announced policy change
    the old policy's failures say nothing about which mistakes the new one makes, and a rule for a
    new mistake would otherwise be measured against failures it was never meant to fix. It fires on
    one when its repair's precondition holds for the failed call's arguments (or, without a
    precondition, when its trigger matches the error). None when the skill targets no stored
    failure, or is no tool-error skill on one named tool (the rate is then undefined).
    """
    if trigger.kind is not TriggerKind.TOOL_ERROR or not trigger.tool or trigger.tool_is_glob:
        return None
    targets = [
        e
        for e in store.newest_events(kind=EventKind.TOOL_ERROR, tool=trigger.tool, limit=lookback)
        if trigger.error_type is None
        or error_category(e) == trigger.error_type
        or str(e.data.get("error_type", "")).lower() == trigger.error_type.lower()
    ]
    if not isinstance(policy_version, _AnyPolicy):
        policies: dict[str, str | None] = {}

        def policy_of(episode_id: str | None) -> str | _AnyPolicy | None:
            if not episode_id:
                return ANY_POLICY
            if episode_id not in policies:
                try:
                    policies[episode_id] = store.episode(episode_id).policy_version
                except NotFoundError:
                    return ANY_POLICY
            return policies[episode_id]

        targets = [e for e in targets if policy_of(e.episode_id) == policy_version]
    if not targets:
        return None
    repair = strategy.repair
    if repair is not None and repair.precondition:
        fired = sum(1 for e in targets if precondition_holds(repair, _args(e)))
    else:
        fired = sum(
            1
            for e in targets
            if trigger.matches(tool=e.tool, error_type=trigger.error_type, text=str(e.data.get("error", "")))
        )
    return fired / len(targets), len(targets)
