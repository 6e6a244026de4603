"""A minus sign cut from (or added to) a number is no format: one correction teaches no rule.

``"-500"`` -> ``"500"`` is another number, not the same one in another form. Before this, one
correction of that shape (a tool saying "amount must be positive", the model complying once) was a
learned ``remove_prefix "-"``: every later negative amount (a refund, a debit) sent as its opposite.
A sign's edit now needs two corrections with different values, like the edit of a word
(`skillevo._affix`); a prefix that ends in a hyphen is still a format (``"ORD-48213"`` -> ``"48213"``).
"""

from __future__ import annotations

import pytest

from skillevo._models import Affix
from skillevo._repair import synthesize


@pytest.mark.parametrize(
    ("bad", "good"),
    [("-500", "500"), ("500", "-500"), ("-3.5", "3.5"), ("\u2212120", "120"), ("-.5", ".5")],
)
def test_one_correction_of_a_sign_teaches_no_rule(bad: str, good: str) -> None:
    assert synthesize([({"amount": bad, "to": "acct-1"}, {"amount": good, "to": "acct-1"})]) is None


def test_control_a_prefix_ending_in_a_hyphen_is_still_a_format() -> None:
    repair = synthesize([({"id": "ORD-48213"}, {"id": "48213"})])
    assert repair is not None and repair.ops == [Affix(arg="id", op="remove_prefix", text="ORD-")]
