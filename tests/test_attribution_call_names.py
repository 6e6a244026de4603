"""A failure's class is read with the call's argument names wherever a waiting arm is judged.

`ToolCalls.after_error` classifies an error with the failed call's arguments (`classify_error`'s
third argument): ``timeout must be a positive number`` from a call with a ``timeout`` argument is a
validation error, not a timeout. The arms that waited on that call were judged (`sort_failure`,
`_attribution.attributable` and `about_arguments`) on the message alone, where the same error read
as a transient one: a pre-emptive repair at the ``timeout`` site was set aside as "not its business"
(parked to ride the retry) instead of charged with the failure its own argument got.
"""

from __future__ import annotations

from skillevo._call_key import CallKey
from skillevo._call_sites import Pending
from skillevo._classify import classify_error
from skillevo._failure_sort import FailureSort, sort_failure
from skillevo._models import Trigger, TriggerKind

_MESSAGE = "timeout must be a positive number"


def _arm() -> Pending:
    trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="fetch_report", error_type="validation")
    return Pending(
        key="fetch_report-validation-timeout",
        arm="v1",
        kind="repair",
        trigger=trigger,
        sent=CallKey.of("fetch_report", {"timeout": 30}),
        site=frozenset({"timeout"}),
    )


def _sort(args: dict[str, object]) -> tuple[Pending, FailureSort]:
    arm = _arm()
    return arm, sort_failure(
        [arm], ("", _MESSAGE), _MESSAGE, "fetch_report", args, "", lambda tool, name: name == "timeout", None
    )


def test_the_class_at_the_call_is_validation() -> None:
    # (the premise: with the call's names the message rejects the argument `timeout`)
    assert classify_error(_MESSAGE, "", {"timeout": -1}) == "validation"


def test_an_edit_of_the_rejected_argument_is_charged_not_set_aside() -> None:
    arm, sort = _sort({"timeout": -1})
    assert arm not in sort.parked


def test_control_an_error_naming_another_argument_is_set_aside() -> None:
    message = "region must be one of eu, us"
    arm = _arm()
    sort = sort_failure(
        [arm], ("", message), message, "fetch_report", {"timeout": 30, "region": "mars"}, "",
        lambda tool, name: name in ("timeout", "region"), None,
    )
    assert arm in sort.parked
