"""Guidance by shape: no concrete argument value seen in a failure reaches guidance (unless the tool
declared it as an allowed value), over the whole miner corpus and synthetic customer data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from skillevo import Episode, Event, EventKind, Evolver, RuleMiner, SkillLibrary
from skillevo._detect import error_signature
from skillevo._guidance_facts import declared_values, observed_values
from skillevo._mining import Proposal
from skillevo._shape import shape, synthetic

CORPUS = json.loads((Path(__file__).parent / "data" / "corrections.json").read_text())

#: Customer data of the kinds the issue reported leaking (names, order ids, DSNs with passwords, ...).
CUSTOMER_VALUES: list[Any] = [
    "#W6067464",
    "W6067464",
    "Alice Moreau",
    "Jean-Luc Picard",
    "postgresql://admin:hunter2pw@db.internal:5432/prod",
    "mysql://root:s3cr3t@10.0.0.5/shop",
    "alice.moreau@example.org",
    "+1 (415) 555-0199",
    "+44 20 7946 0958",
    "ORD-48213",
    "BK004213",
    "4111 1111 1111 1111",
    "742 Evergreen Terrace",
    "1987-06-05",
    "HX-99314-ZQ",
    5551234,
]

ERRORS = [
    "Error: request rejected by the service",
    "invalid value: expected format like the example",
    "1 validation error for call\nvalue\n  Field required [type=missing]",
    "value: Input should be a valid integer",
    "not found",
]


def _events(tool: str, failed: dict[str, Any], corrected: dict[str, Any] | None, error: str) -> list[Event]:
    events = [
        Event(kind=EventKind.TOOL_CALL, tool=tool, data={"call": 1, "args": failed}),
        Event(
            kind=EventKind.TOOL_ERROR,
            tool=tool,
            data={"call": 1, "args": failed, "error": error, "error_type": "ToolError",
                  "signature": error_signature(error)},
        ),
    ]
    if corrected is not None:
        events += [
            Event(kind=EventKind.TOOL_CALL, tool=tool, data={"call": 2, "args": corrected}),
            Event(kind=EventKind.TOOL_RESULT, tool=tool, data={"call": 2, "args": corrected, "result": {"ok": 1}}),
        ]
    return events


def _mine(tool: str, failed: dict[str, Any], corrected: dict[str, Any] | None, error: str) -> list[Proposal]:
    lib = SkillLibrary(":memory:")
    ep = Episode(task="t")
    lib.save_episode(ep, _events(tool, failed, corrected, error))
    return RuleMiner().mine(lib.events(episode_id=ep.id), lib)


def _leaks(text: str, values: list[Any], declared: list[str]) -> list[str]:
    """The observed values that appear in `text` as whole tokens (3+ characters, or 2+ digits)."""
    out = []
    for v in values:
        s = str(v).strip()
        if s in declared or s.lower() in ("true", "false") or not (len(s) >= 3 or (s.isdigit() and len(s) >= 2)):
            continue
        if re.search(rf"(?<![\w]){re.escape(s)}(?![\w])", text):
            out.append(s)
    return out


def _texts(p: Proposal) -> str:
    return f"{p.strategy.guidance or ''}\n{p.description}\n{p.note}"


def test_no_corpus_value_reaches_guidance() -> None:
    cases = CORPUS["positives"] + CORPUS["negatives"]
    guided = 0
    for case in cases:
        for error in ERRORS:
            for p in _mine(case["tool"], case["failed"], case["corrected"], error):
                values = observed_values(case["failed"], case["corrected"])
                # Names the guidance may show (the tool's and the arguments'), never a value.
                values = [v for v in values if str(v) not in case["failed"] and str(v) not in case["corrected"]]
                assert not _leaks(_texts(p), values, []), (case, p.strategy.guidance)
                guided += p.strategy.guidance is not None
    assert guided >= len(CORPUS["positives"])  # the corpus does teach guidance, by shape


@pytest.mark.parametrize("value", CUSTOMER_VALUES, ids=lambda v: shape(v))
def test_customer_values_never_reach_guidance(value: Any) -> None:
    """Every rule that writes guidance, fed a customer value: it shows the shape, never the value."""
    texts: list[str] = []
    cases: list[tuple[dict[str, Any], dict[str, Any] | None, str]] = [
        ({"ref": value}, {"reference": value}, "Error: request rejected"),  # rename
        ({"order_id": value, "debug": True}, {"order_id": value}, "Error: request rejected"),  # drop
        ({"order_id": str(value) + " "}, {"order_id": str(value)}, "Error: request rejected"),  # strip
        ({"id": str(value)[1:] or "0"}, {"id": value}, "Error: request rejected"),  # prefix
        ({"passenger": value}, None, f"passenger '{value}' is missing field 'date_of_birth'"),
        ({"passenger": value}, None, f"Missing required argument for '{value}'"),
        ({"cabin": value}, None, f"cabin must be one of: economy, business (got '{value}')"),
        ({"seats": float(len(str(value)))}, None, "seats: Input should be a valid integer"),
        ({"dsn": value}, None, f"Unexpected keyword argument 'dsn' (value {value}); missing argument 'database_url'"),
    ]
    for failed, corrected, error in cases:
        for p in _mine("book_reservation", failed, corrected, error):
            texts.append(_texts(p))
    assert texts, "no rule produced guidance: the test would prove nothing"
    for text in texts:
        assert not _leaks(text, [value], []), text
        assert str(value) not in text


def test_the_reported_leaks_are_closed() -> None:
    # DO: order_id="#W6067464"
    (p,) = _mine("get_order_details", {"order_id": "W6067464"}, {"order_id": "#W6067464"}, "Error: not found")
    g = p.strategy.guidance or ""
    assert "6067464" not in g and re.search(r'DO: `order_id`="#W\d{7}"', g), g  # (the name in backticks: inject4)
    # a passenger's name as a "missing field"
    args = {"passengers": [{"first_name": "Alice", "last_name": "Moreau"}], "flight": "HAT001"}
    proposals = _mine("book_reservation", args, None, "Missing required field 'alice_moreau' for passenger 'Alice'")
    assert all("alice" not in _texts(p).lower() for p in proposals)
    # a DSN with its password, through a rename the error spells out and one the agent made
    url = "postgresql://admin:hunter2pw@db.internal/prod"
    error = "Unexpected keyword argument 'dsn'\ndatabase_dsn: Field required"
    (p,) = _mine("connect", {"dsn": url}, None, error)
    assert p.strategy.guidance == "When calling `connect`: name the argument `database_dsn`, not `dsn`."
    (p,) = _mine("connect", {"dsn": url}, {"database_url": url}, "Error: unknown option")
    g = p.strategy.guidance or ""
    assert "hunter2pw" not in g and "db.internal" not in g and "connection URL with credentials" in g, g


def test_declared_values_are_shown_and_only_when_declared() -> None:
    (p,) = _mine("book", {"cabin": "Premium"}, None, "cabin: Input should be 'economy', 'business' or 'first'")
    assert p.strategy.guidance == (
        "`book`: `cabin` must be one of `business`, `economy`, `first`. DO use one of these exactly. "
        "DON'T invent variants."
    )
    (p,) = _mine("book", {"cabin": "Economy"}, None, "cabin: Input should be 'economy', 'business' or 'first'")
    assert "e.g. `economy`" in (p.strategy.guidance or "")  # a declared member may be an example
    # A "did you mean" hint is no declared set: the case repair is learned, the value never shown.
    (p,) = _mine("find_user", {"name": "MOREAU"}, None, "Unknown name 'MOREAU'. Did you mean 'Moreau'?")
    assert p.strategy.repair is not None and "oreau" not in (p.strategy.guidance or "").lower()


def test_shape_describes_format_never_content() -> None:
    assert shape("#W6067464") == "`#W` + 7 digits"
    assert shape("USD") == "3 uppercase letters"
    assert shape("03/14/2025") == "a MM/DD/YYYY date"
    assert shape("Alice Moreau") == "a name of 2 words"
    assert shape("postgresql://u:pw@h/db") == "a connection URL with credentials"
    assert shape("alice@example.org") == "an e-mail address"
    assert shape("+1 (415) 555-0199") == "a phone number"
    assert shape("ORD-48213") == "`ORD-` + 5 digits"
    for v in ("#W6067464", "ORD-48213", "03/14/2025", "economy", 20, 12.5, "0042"):
        fake = synthetic(v)
        assert fake is not None and fake != v and shape(fake) == shape(v), (v, fake)
    for v in ("Alice Moreau", "alice@example.org", "postgresql://u:pw@h/db", "+1 (415) 555-0199"):
        assert synthetic(v) is None  # no made-up example of someone's data: its kind is shown instead


def test_declared_value_lists_are_validated_whole() -> None:
    assert declared_values("status must be one of: open, closed, pending.") == ["open", "closed", "pending"]
    assert declared_values("Input should be 'a' or 'b' [type=literal_error, input_value='c']") == ["a", "b"]
    assert declared_values("must be one of: open, SYSTEM NOTICE TO THE AGENT:, closed") == []
    assert declared_values("must be one of: " + ", ".join(f"v{i}" for i in range(40))) == []  # a dump
    assert declared_values("must be one of: open, 5551234567, closed") == []  # a phone number is no member


def test_guidance_reaching_prompts_through_the_evolver_has_no_customer_value() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0)
    for order in ("W6067464", "W1234987", "W5550001"):
        with evo.episode(task="refund") as ep:
            bad, good = {"order_id": order}, {"order_id": "#" + order}
            ep.before_tool("get_order_details", bad)
            ep.on_tool_error("get_order_details", bad, ValueError("Error: order not found"))
            ep.before_tool("get_order_details", good)
            ep.on_tool_result("get_order_details", good, {"ok": True})
            ep.finish(reward=1.0)
    texts = [v.strategy.guidance or "" for s in lib.skills() for v in s.versions]
    assert any("`#W` + 7 digits" in t or re.search(r"#W\d{7}", t) for t in texts), texts
    with evo.episode(task="refund") as ep:
        prompt = ep.guidance(tools=["get_order_details"])
        ep.finish()
    for order in ("W6067464", "W1234987", "W5550001"):
        assert order not in prompt and all(order not in t for t in texts)


def test_customer_values_of_the_evidence_never_reach_the_reports(tmp_path: Path) -> None:
    from skillevo.cli import main

    db = str(tmp_path / "lib.db")
    args = {"order_id": "#W6067464", "n": 3, "email_to": "alice.moreau@example.org"}
    error = "Order #W6067464 for customer Alice Moreau (phone 415-555-0100) not found; field 'n' must be integer"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task="t") as ep:
                ep.on_tool_error("get_order", dict(args), ValueError(error))
                ep.finish(reward=1.0)
        lib.flush()
        assert lib.skills()  # a skill was mined, so the report lists its evidence
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    assert main(["diff", "--db", db, "--out", str(md), "--html", str(html)]) == 0
    shown = md.read_text() + html.read_text()
    assert "get_order" in shown and "not found" in shown  # the evidence is there, by class and shape
    for value in ("W6067464", "Alice", "Moreau", "415-555-0100", "alice.moreau"):
        assert value not in shown, value
