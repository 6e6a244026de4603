"""Repair planning: what a learned repair would do to a failed call, computed without doing it.

Pure functions: no store, no selector, no sleep, no sandbox. The episode (`_tool_calls`) decides
which version to try, records and credits; these say which arguments the retried call gets and
how long to wait first.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ._call_key import bounded_name
from ._detect import SCAN_CHARS, detect_failure, retry_after
from ._models import Affix, ArgCondition, Repair, Retry, SkillVersion
from ._redaction import capped_text
from ._repair import apply_repair, precondition_holds, same_args
from ._repair_dates import order_conditions
from ._sanitize import safe_str

__all__ = [
    "RepairPlan",
    "changes",
    "error_parts",
    "fitting",
    "may_repair",
    "plan_error_repair",
    "plan_stored_repair",
    "preemptive_args",
    "retry_delay",
]


class RepairPlan(NamedTuple):
    """What one stored repair does after an error at one call.

    Attributes:
        args: the arguments to retry with; None when this version does nothing here.
        delay_s: the back-off before the retry.
        attempt: the retry attempts used at this call once this plan is taken (record it even when
            `args` is None: an attempt that failed to apply is spent).
        error: why the repair could not apply (to log).
        give_up: the skill has nothing more to offer at this call.
    """

    args: dict[str, Any] | None
    delay_s: float = 0.0
    attempt: int | None = None
    error: str | None = None
    give_up: bool = False


def error_parts(error: BaseException | str | Any) -> tuple[str, str]:
    """(error type, message) of an exception, an error string, or anything failure-shaped; the
    message bounded to its first `SCAN_CHARS` characters (a 10 MB error costs what 8 KB does)."""
    if isinstance(error, BaseException):
        text = safe_str(error, default="")  # an exception whose __str__ fails is still a failure of its type
        name = bounded_name(type(error).__name__)  # (a class made at run time may be named with any text)
        return name, text[:SCAN_CHARS] or name
    if isinstance(error, str):
        head = error[:64].lstrip()[:1]
        if head in ("{", "[", "<") or error[:64].lstrip().startswith("Traceback"):
            # A structured text: its error's message and code fields, what `on_tool_result` recorded
            # (the whole JSON would be classified by its member names and request ids).
            failure = detect_failure(error)
            if failure is not None:
                return failure.error_type or "error", failure.message
        return "error", error[:SCAN_CHARS]
    failure = detect_failure(error)
    if failure is not None:
        return failure.error_type or "error", failure.message
    return "error", safe_str(error)[:SCAN_CHARS]


def _retry_op(repair: Repair) -> Retry | None:
    return next((op for op in repair.ops if isinstance(op, Retry)), None)


def _has_edits(repair: Repair) -> bool:
    return any(not isinstance(op, Retry) for op in repair.ops)


def _edited(repair: Repair, args: dict[str, Any]) -> dict[str, Any]:
    """`args` after the repair's edits (its `Retry` op left out); a copy when it has none."""
    if not _has_edits(repair):
        return dict(args)
    if _retry_op(repair) is not None:
        repair = Repair(ops=[op for op in repair.ops if not isinstance(op, Retry)], precondition=repair.precondition)
    return apply_repair(repair, args)


def _shape_conditions(repair: Repair, op: Any) -> list[ArgCondition]:
    """The precondition's conditions on `op`'s argument's shape (present or absent, JSON type), without
    the text it matched: after an error the error is the evidence for the value, not the regex. An
    added prefix or suffix keeps the regex: it reads nothing of the value it glues onto, so a value
    written another way (``cus-00412345`` beside a code learned on bare digits) would get the code on
    top of its own (``CUS-cus-00412345``, a failed call of skillevo's making)."""
    arg = op.arg
    if isinstance(op, Affix) and op.op in ("add_prefix", "add_suffix"):
        return [c for c in repair.precondition or [] if c.arg == arg]
    return [
        ArgCondition(arg=c.arg, present=c.present, type=c.type)
        for c in repair.precondition or []
        if c.arg == arg and (c.present is not None or c.type is not None)
    ]


def fitting(repair: Repair, args: dict[str, Any]) -> Repair | None:
    """`repair` without the edits whose argument, at this call, has another shape than the one its
    precondition was learned from.

    A trigger names a tool's errors, not one argument's: an edit learned where the agent left an
    argument out (a constant added) would otherwise overwrite the value the agent sent when the
    same tool fails on something else, a call that then succeeds with a meaning nobody chose.
    None when no edit is left (a `Retry` op is kept: it edits nothing).
    """
    if not repair.precondition:
        return repair
    kept = []
    for op in repair.ops:
        arg = getattr(op, "arg", None)
        conds = (
            _shape_conditions(repair, op) + order_conditions(repair.precondition or [], op)
            if isinstance(arg, str)
            else []
        )
        if conds and not precondition_holds(Repair(ops=[op], precondition=conds), args):
            continue
        kept.append(op)
    if len(kept) == len(repair.ops):
        return repair
    return Repair(ops=kept, precondition=repair.precondition) if kept else None


def changes(repaired: Any, args: dict[str, Any]) -> bool:
    """Whether `repaired` is a call that differs from `args`."""
    return isinstance(repaired, dict) and not same_args(repaired, args)


def retry_delay(retry: Retry, attempt: int, message: str) -> float:
    """The wait before retry number `attempt` (from 0): the error's Retry-After when the op honours
    it, else exponential back-off; capped at the op's `max_wait_s`."""
    after = retry_after(message) if retry.honour_retry_after else None
    delay = after if after is not None else retry.backoff_s * retry.factor**attempt
    return min(delay, retry.max_wait_s)


def may_repair(version: SkillVersion, args: dict[str, Any]) -> bool:
    """Whether `version` would do something after an error with these arguments (retry, edit or code)."""
    repair = version.strategy.repair
    if repair is None:
        return bool(version.strategy.code)
    if _retry_op(repair) is not None:
        return True
    fit = fitting(repair, args)
    if fit is None:
        return False
    try:
        return not same_args(apply_repair(fit, args), args)
    except Exception:
        return False


def preemptive_args(repair: Repair, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments a repair whose precondition holds sends instead of `args` (its edits only:
    nothing has failed yet, so a `Retry` op does nothing). Raises what applying raises."""
    return _edited(repair, args) if _has_edits(repair) else args


def plan_stored_repair(
    repair: Repair, args: dict[str, Any], message: str, *, attempts: int, tried: bool
) -> RepairPlan:
    """What a stored declarative repair does after an error.

    Args:
        repair: the version's repair.
        args: the failed call's arguments.
        message: the error text (read for a Retry-After).
        attempts: the retries this skill already made at this call.
        tried: whether the skill already repaired this call (an edit is tried once per call).
    """
    retry = _retry_op(repair)
    delay = 0.0
    attempt: int | None = None
    if retry is not None:
        if attempts >= retry.max_attempts:
            return RepairPlan(None)
        attempt = attempts + 1
        delay = retry_delay(retry, attempts, message)
    elif tried:
        return RepairPlan(None)
    fit = fitting(repair, args)
    if fit is None:
        return RepairPlan(None, attempt=attempt, give_up=True)
    try:
        repaired = _edited(fit, args)
    except Exception as exc:  # a repair that cannot apply to these args is skipped, not fatal
        return RepairPlan(None, attempt=attempt, error=capped_text(str(exc), 300), give_up=True)
    if retry is None and same_args(repaired, args):
        return RepairPlan(None, give_up=True)
    return RepairPlan(repaired, delay, attempt)


def plan_error_repair(repair: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The retried call for a repair an error message spells out (a miner's `repair_now`), or None
    when it is not a `Repair`, would only wait (a retry), or changes nothing. Raises what applying
    raises."""
    if not isinstance(repair, Repair) or _retry_op(repair) is not None:
        return None
    repaired = apply_repair(repair, args)
    return repaired if changes(repaired, args) else None
