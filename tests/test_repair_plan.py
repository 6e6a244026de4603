"""Repair planning is pure: what a learned repair does to a failed call, with no store and no sleep."""

from __future__ import annotations

import pytest

from skillevo._models import Repair, Retry, SetArg
from skillevo._repair_plan import (
    RepairPlan,
    changes,
    error_parts,
    plan_error_repair,
    plan_stored_repair,
    retry_delay,
)

_EDIT = Repair(ops=[SetArg(arg="units", value="C")])
_RETRY = Repair(ops=[Retry(max_attempts=2, backoff_s=0.5, factor=2.0, max_wait_s=3.0)])


def test_an_edit_is_planned_once_per_call() -> None:
    plan = plan_stored_repair(_EDIT, {"city": "Oslo"}, "missing units", attempts=0, tried=False)
    assert plan == RepairPlan({"city": "Oslo", "units": "C"})
    assert plan_stored_repair(_EDIT, {"city": "Oslo"}, "missing units", attempts=0, tried=True).args is None


def test_an_edit_that_changes_nothing_gives_up() -> None:
    plan = plan_stored_repair(_EDIT, {"city": "Oslo", "units": "C"}, "bad", attempts=0, tried=False)
    assert plan.args is None and plan.give_up


def test_a_retry_backs_off_and_stops_after_its_attempts() -> None:
    first = plan_stored_repair(_RETRY, {"q": 1}, "503 unavailable", attempts=0, tried=False)
    second = plan_stored_repair(_RETRY, {"q": 1}, "503 unavailable", attempts=1, tried=True)
    assert (first.args, first.delay_s, first.attempt) == ({"q": 1}, 0.5, 1)
    assert (second.delay_s, second.attempt) == (1.0, 2)
    assert plan_stored_repair(_RETRY, {"q": 1}, "503 unavailable", attempts=2, tried=True) == RepairPlan(None)


@pytest.mark.parametrize(
    ("message", "wait"),
    [("429; Retry-After: 2", 2.0), ("retry after 500 ms", 0.5), ("retry_after=1.5", 1.5), ("slow down", 0.5)],
)
def test_retry_after_in_the_error_sets_the_wait_capped(message: str, wait: float) -> None:
    retry = _RETRY.ops[0]
    assert isinstance(retry, Retry)
    assert retry_delay(retry, 0, message) == wait
    assert retry_delay(retry, 0, "Retry-After: 60") == 3.0


def test_error_repair_needs_a_repair_that_changes_the_call() -> None:
    assert plan_error_repair(_EDIT, {"city": "Oslo"}) == {"city": "Oslo", "units": "C"}
    assert plan_error_repair(_RETRY, {"q": 1}) is None
    assert plan_error_repair("not a repair", {"q": 1}) is None
    assert not changes({"q": 1}, {"q": 1}) and not changes(None, {"q": 1})


def test_error_parts_of_exceptions_strings_and_results() -> None:
    assert error_parts(ValueError("bad date")) == ("ValueError", "bad date")
    assert error_parts("timeout") == ("error", "timeout")
    assert error_parts(ValueError()) == ("ValueError", "ValueError")
