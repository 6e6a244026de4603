"""A correction that completes a word is not learned as an affix from one instance.

``"prod"`` corrected to ``"production"`` fits "add the suffix ``uction``"; learned from that one pair
(a cast-like rule, not a value map, so one pair was enough) it turned ``"stage"`` into
``"stageuction"`` and ``"STAGING"`` into ``"STAGINGuction"`` on every later call until the rule was
retired, and the value map mined after it kept those broken texts as keys (held-out world: an
enum synonym at 19 of 21 failed calls). An affix that joins letters to letters (or digits to
digits) continues the word it touches: it needs two different corrected values, like a value map.
A prefix or suffix set off by a separator, or joining a letter to a digit (``"ORD-"``, ``".csv"``,
``"30"`` -> ``"30s"``), is a format and is still learned from one correction.
"""

from __future__ import annotations

from skillevo._models import Affix
from skillevo._repair import synthesize


def _affixes(pairs: list[tuple[dict[str, str], dict[str, str]]]) -> list[Affix]:
    repair = synthesize(pairs)
    return [] if repair is None else [op for op in repair.ops if isinstance(op, Affix)]


def test_one_completed_word_is_no_affix_rule() -> None:
    for bad, good in (
        ("prod", "production"),
        ("stage", "staging"),
        ("med", "medium"),
        ("rec", "record"),
        ("42", "4200"),
        ("Form", "Formal"),
    ):
        assert _affixes([({"v": bad}, {"v": good})]) == [], (bad, good)
    assert _affixes([({"v": "able"}, {"v": "unable"})]) == []


def test_a_completion_two_corrections_agree_on_is_learned() -> None:
    (op,) = _affixes([({"v": "prod"}, {"v": "production"}), ({"v": "reprod"}, {"v": "reproduction"})])
    assert op.op == "add_suffix" and op.text == "uction"


def test_format_affixes_are_still_learned_from_one_correction() -> None:
    for bad, good, op, text in (
        ("48213", "ORD-48213", "add_prefix", "ORD-"),
        ("7731", "u_7731", "add_prefix", "u_"),
        ("report", "report.csv", "add_suffix", ".csv"),
        ("Paris", "Paris,FR", "add_suffix", ",FR"),
        ("30", "30s", "add_suffix", "s"),
        ("0412", "SVC0412", "add_prefix", "SVC"),
    ):
        (found,) = _affixes([({"v": bad}, {"v": good})])
        assert (found.op, found.text) == (op, text), (bad, good)
