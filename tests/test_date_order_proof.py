"""A day-first date re-format learned from unambiguous dates does not decide the order of an ambiguous one.

A correction of ``19/07/2026`` to ``2026-07-19`` shows nothing about the agent's order: that text
reads one way only. A re-format mined from such corrections alone and applied to every
``NN/NN/NNNN`` turned a later ``06/11/2026`` (June 11, the same agent writing from a US record) into
``2026-11-06``, a date the tool accepts. Only a corrected date that reads two ways (``06/11/2026``
corrected to ``2026-11-06``) proves the order for the dates that do.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from skillevo import Evolver, SkillLibrary

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _record(args: dict[str, Any]) -> dict[str, Any]:
    if not _ISO.match(str(args.get("taken_on"))):
        raise ValueError(f"taken_on: invalid date {args.get('taken_on')!r}, expected YYYY-MM-DD")
    return {"ok": True}


def _send(ep: Any, args: dict[str, Any], meant: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The arguments the tool accepted (the model corrects its own date after an error it was shown),
    and whether the call was repaired before it failed."""
    sent = ep.before_tool("record", args)
    first = sent != args and _ISO.match(str(sent.get("taken_on"))) is not None
    for _ in range(3):
        try:
            result = _record(sent)
        except ValueError as exc:
            retry = ep.on_tool_error("record", sent, exc)
            sent = retry if retry is not None else meant
            continue
        ep.on_tool_result("record", sent, result)
        return sent, first
    return None, False


def _run(written: list[tuple[dt.date, str]]) -> tuple[int, int]:
    """(calls accepted with another date than meant, calls repaired to the meant date before they failed
    among the last 30)."""
    evo = Evolver(SkillLibrary(":memory:"), seed=0)
    evo.register_tools({"record": {"properties": {"taken_on": {"type": "string"}}, "required": ["taken_on"]}})
    wrong = repaired = 0
    for i, (day, fmt) in enumerate(written):
        meant = {"taken_on": day.isoformat()}
        with evo.episode(task=f"reading {i}") as ep:
            got, before = _send(ep, {"taken_on": day.strftime(fmt)}, meant)
            wrong += got is not None and got != meant
            ep.finish(reward=1.0 if got == meant else 0.0)
        evo.flush()
        if i >= len(written) - 30:
            repaired += before and got == meant
    return wrong, repaired


def test_unambiguous_corrections_do_not_decide_an_ambiguous_dates_order() -> None:
    day_first = [(dt.date(2026, 1 + i % 12, 13 + i % 15), "%d/%m/%Y") for i in range(40)]
    month_first = [(dt.date(2026, 1 + i % 12, 1 + (i + 3) % 12), "%m/%d/%Y") for i in range(30)]
    wrong, _ = _run(day_first + month_first)
    assert wrong == 0


def test_an_ambiguous_correction_proves_the_order_for_ambiguous_dates() -> None:
    # the control: corrections of dates that read two ways, day first, keep repairing such dates
    day_first = [(dt.date(2026, 1 + i % 12, 1 + (i * 5) % 28), "%d/%m/%Y") for i in range(70)]
    wrong, repaired = _run(day_first)
    assert wrong == 0
    assert repaired >= 20


def test_a_dotted_day_first_date_is_no_guess() -> None:
    # no common format writes a dotted date month first: 05.03.2026 reads one way, as parse_date reads it
    day_first = [(dt.date(2026, 1 + i % 12, 13 + i % 15), "%d.%m.%Y") for i in range(40)]
    ambiguous = [(dt.date(2026, 1 + i % 12, 1 + (i + 3) % 12), "%d.%m.%Y") for i in range(30)]
    wrong, repaired = _run(day_first + ambiguous)
    assert wrong == 0
    assert repaired >= 20
