"""A correction that cuts a word is not learned as an affix removal from one instance.

In a held-out world a policy wrote enum synonyms: ``"cooling"`` for ``"cool"``, ``"overnight"`` for
``"night"``. One correction each was learned as ``remove_suffix "ing"`` and ``remove_prefix
"over"`` with no precondition: a rule that turns ``"overcast"`` into ``"cast"`` and ``"string"``
into ``"str"``. A removal that cuts letters from letters (or digits from digits) is one word
replaced by another: it needs two corrections with different values, like a value map (and like
an addition that completes a word, `tests/test_word_completion.py`). A prefix or suffix cut at a
separator, a letter cut from digits, or leading zeros dropped, is a format, learned from one.
"""

from __future__ import annotations

from skillevo._models import Affix
from skillevo._repair import apply_repair, synthesize


def _affixes(pairs: list[tuple[dict[str, str], dict[str, str]]]) -> list[Affix]:
    repair = synthesize(pairs)
    return [] if repair is None else [op for op in repair.ops if isinstance(op, Affix)]


def test_one_word_cut_to_another_is_no_removal_rule() -> None:
    for bad, good in (
        ("cooling", "cool"),
        ("overnight", "night"),
        ("heating", "heat"),
        ("weekends", "weekend"),
        ("1500", "15"),
        ("unable", "able"),
    ):
        assert _affixes([({"v": bad}, {"v": good})]) == [], (bad, good)


def test_a_word_cut_in_elements_of_a_list_is_no_rule_either() -> None:
    assert _affixes([({"v": ["overnight"]}, {"v": ["night"]})]) == []  # type: ignore[list-item]


def test_a_removal_two_corrections_agree_on_is_learned() -> None:
    pairs = [({"v": "cooling"}, {"v": "cool"}), ({"v": "heating"}, {"v": "heat"})]
    (op,) = _affixes(pairs)
    assert (op.op, op.text) == ("remove_suffix", "ing")


def test_format_removals_are_still_learned_from_one_correction() -> None:
    for bad, good, op, text in (
        ("SKU-10042", "10042", "remove_prefix", "SKU-"),
        ("#88231", "88231", "remove_prefix", "#"),
        ("FL-UA123", "UA123", "remove_prefix", "FL-"),
        ("users_tmp", "users", "remove_suffix", "_tmp"),
        ("example.com.", "example.com", "remove_suffix", "."),
        ("BK4821", "4821", "remove_prefix", "BK"),
        ("30s", "30", "remove_suffix", "s"),
    ):
        (found,) = _affixes([({"v": bad}, {"v": good})])
        assert (found.op, found.text) == (op, text), (bad, good)


def test_leading_zeros_dropped_from_one_correction_still_generalise() -> None:
    repair = synthesize([({"v": "0042"}, {"v": "42"})])
    assert repair is not None
    assert apply_repair(repair, {"v": "0017"}) == {"v": "17"}
