"""A scale repair proven by corrections reaches the values the schema's declared bounds rule out: a
fraction declared ``maximum: 1`` whose percents were corrected (85 -> 0.85, 70 -> 0.7) learned only
the decades of those values, so the next ``5`` (5 %: 0.05, a decade lower) or ``150`` went to the
tool as sent and failed. A number above the declared maximum cannot be meant as sent; rescaled by the
proven power of ten into the declared range it is read the one way the corrections showed. A value
the schema takes is left as it is, and so is one the rescale would not bring into range."""

from __future__ import annotations

from skillevo._mining import Proposal
from skillevo._models import ArgCondition, CoerceArg, Repair, Strategy, Trigger, TriggerKind
from skillevo._repair import apply_repair
from skillevo._scale_bounds import within_declared

_LEARNED = Repair(ops=[CoerceArg(arg="share", to="float", scale=-2, within=(0.1, 1.0))],
                  precondition=[ArgCondition(arg="share", type="int")])


def _proposal(repair: Repair = _LEARNED) -> Proposal:
    return Proposal(name="split-share", trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="split_bill"),
                    strategy=Strategy(repair=repair))


def _schema(**share: object) -> dict[str, object]:
    return {"properties": {"share": {"type": "number", **share}, "who": {"type": "string"}}}


def test_a_percent_scale_reaches_every_value_above_the_declared_maximum() -> None:
    widened = within_declared(_proposal(), _schema(minimum=0, maximum=1))
    repair = widened.strategy.repair
    assert repair is not None
    assert apply_repair(_LEARNED, {"share": 5}) == {"share": 5}  # (the learned decades alone)
    assert apply_repair(repair, {"share": 5}) == {"share": 0.05}
    assert apply_repair(repair, {"share": 85}) == {"share": 0.85}
    assert apply_repair(repair, {"share": 100}) == {"share": 1.0}
    assert apply_repair(repair, {"share": 1}) == {"share": 1}  # the schema takes it
    assert apply_repair(repair, {"share": 250}) == {"share": 250}  # out of range either way


def test_no_declared_bound_or_another_scale_is_left_as_learned() -> None:
    assert within_declared(_proposal(), _schema()) == _proposal()
    assert within_declared(_proposal(), None) == _proposal()
    cents = Repair(ops=[CoerceArg(arg="share", to="int", scale=2, within=(100.0, 10000.0))],
                   precondition=[ArgCondition(arg="share", type="float")])
    assert within_declared(_proposal(cents), _schema(maximum=100000)) == _proposal(cents)


def _split(**args: object) -> object:
    """A bill splitter: `share` is the fraction of the bill one person pays."""
    share = args.get("share")
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        return {"error": f"invalid share {share}: expected a fraction between 0 and 1"}
    return {"ok": True}


def _call(ep: object, args: dict[str, object]) -> bool:
    sent = ep.before_tool("split_bill", args)  # type: ignore[attr-defined]
    result = _split(**sent)
    if not ep.on_tool_result("split_bill", sent, result):  # type: ignore[attr-defined]
        return True
    retry = ep.on_tool_error("split_bill", sent, result)  # type: ignore[attr-defined]
    if retry is not None:
        ep.on_tool_result("split_bill", retry, _split(**retry))  # type: ignore[attr-defined]
    return False


def test_a_mined_percent_repair_reaches_a_percent_of_another_decade() -> None:
    from skillevo import Evolver, SkillLibrary

    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), null_arm=False, mining="inline")
        evo.register_tools({"split_bill": _schema(minimum=0, maximum=1)})
        for i, pct in enumerate((85, 70, 60, 45, 30, 75)):
            with evo.episode(task=f"split {i}") as ep:
                if not _call(ep, {"share": pct, "who": "ana"}):
                    _call(ep, {"share": pct / 100, "who": "ana"})
                ep.finish(reward=1.0)
        with evo.episode(task="small share") as ep:
            sent = ep.before_tool("split_bill", {"share": 5, "who": "ana"})
        assert sent["share"] == 0.05
