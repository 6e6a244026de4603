"""A customer's values in the spellings an agent's tools really use never reach disk (attack40).

privacy8 masked a value under a person's key and its echoes in the episode's other texts; these
attacks send the values the ways real tools do and grep every byte skillevo wrote (the library with
its sidecar files, while open). Before 2026-12-08 each of these reached the library as sent:
a name in a script without letter case (``李小龙``) or typed in lower case (``jane roe``) was not
looked for where an error quoted it (``Roe, Jane``); a tool's argument holding a JSON document as a
string (``payload='{"customer_name": ...}'``) kept the person's fields; an address given as a record
(``shipping_address={"line1": ..., "zip": ...}``) kept its lines; a birth date was hidden only in the
spelling it was sent in (``1984-02-29``, not an error's ``29.02.1984``); and an e-mail address with
letters beyond ASCII (``jürgen@bücher.de``) was not read as one; a user's id or username spelling the
name (``user_id="jdoe_1984"``) was no person's (``user_name`` was).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from skillevo import Evolver, SkillLibrary

CASES: dict[str, tuple[dict[str, Any], str, tuple[str, ...]]] = {
    "caseless-script name": ({"customer_name": "李小龙"}, "no account for 李小龙", ("李小龙",)),
    "caseless name with a space": ({"customer_name": "山田 太郎"}, "no account for 山田太郎 (太郎)", ("山田", "太郎")),
    "lower-case name reversed": ({"customer_name": "jane roe"}, "no account for Roe, Jane", ("roe, jane",)),
    "lower-case single name": ({"last_name": "quist"}, "surname QUIST not on file", ("quist",)),
    "json document in a string": (
        {"payload": json.dumps({"customer_name": "Zed Quist", "billing": {"iban": "DE89370400440532013000"}})},
        "rejected",
        ("zed quist", "de89370400440532013000"),
    ),
    "address as a record": (
        {"shipping_address": {"line1": "221B Baker Street", "postcode": "NW1 6XE", "city": "London"}},
        "cannot deliver to 221B Baker Street, NW1 6XE",
        ("221b baker", "nw1 6xe"),
    ),
    "birth date re-spelled": (
        {"date_of_birth": "1984-02-29"},
        "date 29.02.1984 does not match 02/29/1984",
        ("29.02.1984", "02/29/1984", "1984-02-29"),
    ),
    "user id spelling the name": (
        {"user_id": "jdoe_1984", "username": "jane.roe"},
        "user JDOE_1984 (jane.roe) is suspended",
        ("jdoe_1984", "jane.roe"),
    ),
    "non-ascii e-mail": (
        {"note": "write to jürgen@bücher.de"}, "unknown mailbox jürgen@bücher.de", ("jürgen@", "bücher.de")
    ),
}


def _bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_customer_value_in_its_real_spellings_never_reaches_disk(tmp_path: Path, case: str) -> None:
    args, error, needles = CASES[case]
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, sandbox=None, seed=0, mining="inline")
        with evo.episode(task="update the customer's record") as ep:
            sent = ep.before_tool("update_record", args)
            ep.on_tool_error("update_record", sent, ValueError(error))
            ep.finish(reward=0.0)
        lib.flush()
        written = _bytes_under(tmp_path)
        calls = [e for e in lib.events() if e.kind == "tool_call"]
    assert calls, "no tool call recorded"
    leaks = [n for n in needles if n.encode() in written.lower() or n.encode() in written]
    assert not leaks, leaks


def test_values_that_name_no_one_are_kept_as_recorded(tmp_path: Path) -> None:
    # The same paths leave a record's kind and a tool's plain arguments alone (learning reads them).
    args = {
        "payload": json.dumps({"order_id": "#W6067464", "status": "pending"}),
        "query": "blue kettle", "ship_date": "2025-03-14", "notes": "[not json",
    }  # fmt: skip
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, sandbox=None, seed=0, mining="inline")
        with evo.episode(task="update the order") as ep:
            ep.on_tool_error("update_order", ep.before_tool("update_order", args), ValueError("order is pending"))
            ep.finish(reward=0.0)
        lib.flush()
        call = next(e for e in lib.events() if e.kind == "tool_call")
    assert call.data["args"] == args


class _Address(BaseModel):
    street: str
    postcode: str


class _Customer(BaseModel):
    customer_name: str
    address: _Address


def test_a_pydantic_argument_or_result_keeps_no_customer_field(tmp_path: Path) -> None:
    # A tool taking and returning models: they were recorded as their repr, text whose fields no
    # key judged (the street and postcode were kept; the name only as an echo of another call).
    record = _Customer(customer_name="Olu Adeyemi", address=_Address(street="12 Awolowo Road", postcode="106104"))
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, sandbox=None, seed=0, mining="inline")
        with evo.episode(task="register the customer") as ep:
            args = ep.before_tool("register", {"record": record})
            ep.on_tool_result("register", args, record)
            ep.finish(reward=1.0)
        lib.flush()
        written = _bytes_under(tmp_path).lower()
        call = next(e for e in lib.events() if e.kind == "tool_call")
    leaks = [n for n in ("adeyemi", "awolowo", "106104") if n.encode() in written]
    assert not leaks, leaks
    assert isinstance(call.data["args"]["record"], str)  # still the argument's text, as before
