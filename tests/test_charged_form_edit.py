"""A value-keeping edit charged an error it cannot have caused is re-applied to the model's repeat.

A pre-emptive repair charged a failure of a call is withheld from that call as the caller wrote it
for the rest of the episode (`skillevo._own_edits`), so a model re-sending it gets it through as it
meant it. That is right for an edit that may have caused the failure: one the error names, one whose
written value it quotes, a constant. A conversion that keeps the value (``"12.50"`` -> ``12.5``)
charged with an error about the call's content ("refund of 12.50 exceeds the refundable balance")
names nothing it did; withheld, the model's repeat went out unconverted and failed the validation
the repair had learned to pass (the demo's refund over the balance): the model then read a format
error for a call whose format it never had to mind. Now only an edit the error can be the doing of
is withheld; the repeat is converted again.
"""

from __future__ import annotations

from skillevo import Evolver, Repair, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus


def _repeat(error: str) -> dict[str, object]:
    lib = SkillLibrary(":memory:")
    repair = Repair.model_validate(
        {"ops": [{"op": "coerce", "arg": "amount", "to": "float"}], "precondition": [{"arg": "amount", "type": "str"}]}
    )
    trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="refund_order")
    lib.add_skill("coerce-amount", trigger, Strategy(repair=repair), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, seed=3, null_arm=False)
    call = {"order_id": "o-1", "amount": "12.50", "currency": "EUR"}
    with evo.episode(task="refund") as ep:
        sent = ep.before_tool("refund_order", dict(call))
        assert sent["amount"] == 12.5
        ep.on_tool_error("refund_order", sent, ValueError(error))
        again = ep.before_tool("refund_order", dict(call))
        ep.on_tool_result("refund_order", again, "ok")
        ep.finish(reward=1.0)
    evo.flush()
    return again


def test_a_conversion_charged_an_error_about_the_content_is_applied_to_the_repeat() -> None:
    again = _repeat("refund of 12.50 exceeds the refundable balance 10.00 EUR")
    assert again["amount"] == 12.5


def test_control_a_conversion_the_error_names_is_withheld_from_the_repeat() -> None:
    again = _repeat("invalid 'amount': 12.5 is not accepted for this order")
    assert again["amount"] == "12.50"
