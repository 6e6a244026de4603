"""attack39: an id code learned on one tool never goes where the ids carry another code.

A learned ``add_prefix "ACC-"`` (ids sent as bare digits) transferred by name (``account_id`` on
another tool) or as a kin (``to_account_id``) to an argument whose declaration or successful calls
show ids of another code (``ADM-00412345``, ``^EXT-\\d{8}$``) rewrote the model's bare number into
``ACC-00412345``: another system's record, a wrong value skillevo wrote (before the fix, every call).
And a kin offered at its tool's first sight kept rewriting a payee's bare bank number after the tool
had accepted it as sent (2 of 4 later calls went to ``ACC-...``): the offer's check on successes
now holds after the offer too (`skillevo._sent_successes`). After an error naming the payer's
account, the kin's code was retried onto the payee's bare number at every call (4 of 4): a transferred
affix now waits for an error about its own argument (`skillevo._discards.about_another`).
"""

from __future__ import annotations

import random
from typing import Any

from skillevo import Evolver
from skillevo._transfer_ids import _codes_in
from skillevo.testing import memory_library


class _NotFound(Exception):
    pass


def _episode(
    evo: Evolver, tool: str, sent: dict[str, Any], good: dict[str, Any], code: str, codes: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One call of `tool` (its id arguments need `code`, or their own in `codes`); what each try sent."""
    tried: list[dict[str, Any]] = []
    with evo.episode(task="look the account up") as ep:
        args = ep.before_tool(tool, dict(sent))
        for _ in range(3):
            tried.append(dict(args))
            bad = [v for k, v in args.items()
                   if k.endswith("account_id") and not str(v).startswith((codes or {}).get(k, code))]
            if not bad:
                ep.on_tool_result(tool, args, "ok")
                break
            retry = ep.on_tool_error(tool, args, _NotFound(f"account {bad[0]} not found"))
            args = retry if retry is not None else dict(good)
        ep.finish(reward=1.0)
    return tried


def _trained(schemas: dict[str, Any]) -> Evolver:
    rng = random.Random(3)
    evo = Evolver(memory_library(), seed=0, mining="inline")
    evo.register_tools({"get_account": {"properties": {"account_id": {"type": "string"}}}, **schemas})
    for _ in range(25):
        good = f"ACC-{rng.randrange(10**8):08d}"
        _episode(evo, "get_account", {"account_id": good[4:]}, {"account_id": good}, "ACC-")
    return evo


def _written(tried: list[list[dict[str, Any]]], arg: str) -> set[str]:
    return {str(call[arg])[:4] for calls in tried for call in calls}


def test_a_code_never_goes_to_the_same_name_declared_with_another_code() -> None:
    evo = _trained({"get_admin": {"properties": {"account_id": {
        "type": "string", "description": "the admin account's id, like ADM-00412345"}}}})
    tried = [_episode(evo, "get_admin", {"account_id": "00412345"}, {"account_id": "ADM-00412345"}, "ADM-")
             for _ in range(4)]
    assert "ACC-" not in _written(tried, "account_id"), tried


def test_a_code_never_goes_to_a_kin_whose_pattern_has_another_code() -> None:
    evo = _trained({"pay_out": {"properties": {
        "from_account_id": {"type": "string"},
        "to_account_id": {"type": "string", "pattern": "^EXT-\\d{8}$"}}}})
    tried = [_episode(evo, "pay_out", {"from_account_id": "ACC-00000007", "to_account_id": "00998877"},
                      {"from_account_id": "ACC-00000007", "to_account_id": "EXT-00998877"}, "ACC-",
                      {"to_account_id": "EXT-"})
             for _ in range(4)]
    assert "ACC-" not in _written(tried, "to_account_id"), tried


def test_a_code_never_goes_where_successes_wrote_another_code() -> None:
    rng = random.Random(8)
    evo = Evolver(memory_library(), seed=0, mining="inline")
    evo.register_tools({"get_account": {"properties": {"account_id": {"type": "string"}}},
                        "get_admin": {"properties": {"account_id": {"type": "string"}}}})
    for _ in range(3):  # the admin tool's ids, seen succeeding before anything was learned
        good = f"ADM-{rng.randrange(10**8):08d}"
        _episode(evo, "get_admin", {"account_id": good}, {"account_id": good}, "ADM-")
    for _ in range(25):
        good = f"ACC-{rng.randrange(10**8):08d}"
        _episode(evo, "get_account", {"account_id": good[4:]}, {"account_id": good}, "ACC-")
    tried = [_episode(evo, "get_admin", {"account_id": "00412345"}, {"account_id": "ADM-00412345"}, "ADM-")
             for _ in range(4)]
    assert "ACC-" not in _written(tried, "account_id"), tried


def test_a_declaration_without_another_code_still_takes_the_transfer() -> None:
    evo = _trained({"close_account": {"properties": {"account_id": {
        "type": "string", "description": "the account, e.g. ACC-00412345; pattern [A-Z]{3}-\\d{8}"}}}})
    tried = [_episode(evo, "close_account", {"account_id": f"0041234{i}"}, {"account_id": f"ACC-0041234{i}"}, "ACC-")
             for i in range(4)]
    assert tried[-1] == [{"account_id": "ACC-00412343"}], tried


def test_codes_read_from_declarations() -> None:
    assert _codes_in(["like ADM-00412345", "^EXT-\\d{8}$", "ZZ[0-9]{4}", "00412345-GB"], "prefix") == {
        "ADM", "EXT", "ZZ"}
    assert _codes_in(["[A-Z]{3}-\\d{8}", "HTTP 404", "ISO 8601", "an id (8 digits)"], "prefix") == set()
    assert _codes_in(["00412345-GB", "ACC-1"], "suffix") == {"GB"}


def test_a_kin_that_succeeded_bare_is_not_rewritten_again() -> None:
    # pay_out's payee is an external bank's number: bare digits are its right form, ACC- another record
    # (the tool accepts any to_account_id: ACC-00998877 would be paid too, to the wrong account).
    evo = _trained({"pay_out": {"properties": {"from_account_id": {"type": "string"},
                                               "to_account_id": {"type": "string"}}}})
    tried = [_episode(evo, "pay_out", {"from_account_id": "ACC-00000007", "to_account_id": "00998877"},
                      {"from_account_id": "ACC-00000007", "to_account_id": "00998877"}, "ACC-",
                      {"to_account_id": "0"}) for _ in range(5)]
    rewritten = sum(call["to_account_id"].startswith("ACC-") for calls in tried[1:] for call in calls)
    assert rewritten == 0, tried


def test_a_kin_code_is_not_retried_onto_an_argument_the_error_is_not_about() -> None:
    # The payer's account is unknown: the error names it. The payee's bare bank number is right.
    evo = _trained({"pay_out": {"properties": {"from_account_id": {"type": "string"},
                                               "to_account_id": {"type": "string"}}}})
    tried = [_episode(evo, "pay_out", {"from_account_id": "ACC-00000001", "to_account_id": "00998877"},
                      {"from_account_id": "ACC-00000002", "to_account_id": "00998877"}, "ACC-",
                      {"from_account_id": "ACC-00000002", "to_account_id": "0"}) for _ in range(4)]
    assert all(call["to_account_id"] == "00998877" for calls in tried[1:] for call in calls), tried
