"""A customer's values never reach disk: not the library file (nor its WAL), not an export, not a report.

An agent's tool calls carry a person's e-mail address, phone number, name and birth date, and the
tool's errors and results quote them. Every byte skillevo wrote under the test's folder (the library
with its sidecar files, the `skillevo export` and GRPO outputs, the review reports, the CLI's output) is
searched for them, in any case. Before 2026-12-08 the library kept them as recorded (privacy8): the
redaction engine hid secrets only, and contact details only where text was quoted into a prompt or a
report. What is kept is a pseudonym with the value's shape, so learning what the tool wanted of such a
value (its case, its separators) still works, and values that name no one (an order id, an amount, a
shipment's date) are kept as they were.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._models import Origin
from skillevo.cli import main

EMAIL = "Jane.Roe@Example.org"
PHONE = "+1 415 555 0199"
NAME = "Jane Roe"
BIRTH = "1984-02-29"
#: what may not appear anywhere, in any case (lower-cased bytes are searched)
NEEDLES = ("jane.roe", "jane roe", "example.org", "415 555 0199", "4155550199", "555 0199", "1984-02-29", "02/29/1984")


def _args(email: str) -> dict[str, Any]:
    return {
        "customer_name": NAME, "email": email, "phone": PHONE, "date_of_birth": BIRTH,
        "order_id": "#W6067464", "amount": 42, "ship_date": "2025-03-14",
    }  # fmt: skip


def _episode(evo: Evolver) -> None:
    with evo.episode(task=f"update the contact of {NAME} ({EMAIL}, born {BIRTH}, call {PHONE})") as ep:
        args = ep.before_tool("update_contact", _args(EMAIL))
        if args["email"] != args["email"].lower():
            error = ValueError(
                f"invalid email '{args['email']}': must be lower case (customer {NAME}, date of birth {BIRTH}, "
                f"phone {PHONE})"
            )
            ep.on_tool_error("update_contact", args, error)
            args = ep.before_tool("update_contact", {**args, "email": args["email"].lower()})
        ep.on_tool_result("update_contact", args, f"updated {NAME} <{args['email']}>, reachable at {PHONE}")
        ep.finish(reward=1.0)


def _bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _outputs(tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]) -> bytes:
    with SkillLibrary(db) as lib:
        names = [s.name for s in lib.skills()]
    for argv in (["ls"], ["stats"], *(["show", n] for n in names)):
        main([*argv, "--db", db])
    assert main(["diff", "--db", db, "--out", str(tmp_path / "r.md"), "--html", str(tmp_path / "r.html")]) == 0
    assert main(["export", "skills", str(tmp_path / "skills"), "--db", db]) == 0
    assert main(["export", "grpo", str(tmp_path / "grpo"), "--db", db]) == 0
    out = capsys.readouterr()
    return (out.out + out.err).encode()


def test_no_customer_value_reaches_disk_or_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    db = str(folder / "lib.db")
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, sandbox=None, seed=0, mining="inline")
        for _ in range(4):
            _episode(evo)
        lib.flush()
        open_bytes = _bytes_under(folder)  # the file, its WAL and index, while the library is open
        calls = [e for e in lib.events() if e.kind == "tool_call"]
        skills = lib.skills()
    written = (open_bytes + _outputs(tmp_path, db, capsys) + _bytes_under(tmp_path)).lower()
    leaks = [needle for needle in NEEDLES if needle.encode() in written]
    assert not leaks, leaks
    # The values went through the event log (the attack did reach skillevo), kept as pseudonyms of
    # their shape; values that name no one are kept as recorded.
    assert calls, "no tool call recorded"
    args = calls[0].data["args"]
    assert args["order_id"] == "#W6067464" and args["amount"] == 42 and args["ship_date"] == "2025-03-14"
    assert len(args["email"]) == len(EMAIL) and "@" in args["email"] and args["email"] != EMAIL
    assert args["phone"].startswith("+") and args["phone"].count(" ") == PHONE.count(" ")
    # Learning still sees the case the tool wanted: the lower-case repair is mined from the pseudonyms.
    assert any(
        "lower" in json.dumps(v.strategy.model_dump(mode="json")) for s in skills for v in s.versions
    ), [s.name for s in skills]



def test_a_skill_quoting_a_customer_keeps_only_pseudonyms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A miner (a model) copying a failure's contact details into a skill's texts: the store masks them.
    folder = tmp_path / "lib"
    folder.mkdir()
    db = str(folder / "lib.db")
    with SkillLibrary(db) as lib:
        lib.add_skill(
            "contact-fix",
            Trigger(tool="update_contact"),
            Strategy(guidance=f"Write e-mail addresses in lower case, as in {EMAIL.lower()}; call {PHONE} if unsure."),
            description=f"mined from the failure of {EMAIL} (phone {PHONE})",
            origin=Origin(note=f"seen: {EMAIL}, born {BIRTH}"),
            status=VersionStatus.ACTIVE,
        )
        _episode(Evolver(lib, miner=None, sandbox=None, seed=0))
        lib.flush()
        stored = lib.skill("contact-fix")
    written = (_bytes_under(folder) + _outputs(tmp_path, db, capsys) + _bytes_under(tmp_path)).lower()
    leaks = [needle for needle in NEEDLES if needle.encode() in written]
    assert not leaks, leaks
    assert "xxxx.xxx@xxxxxxx.xxx" in (stored.versions[0].strategy.guidance or "")  # the text's shape is kept


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("ACC-00412341", "ACC-00999999"),  # an identifier's format code is the same for every customer
        ("00412341-GB", "00999999-GB"),
        ("PKG_40321", "PKG_90999"),
        ("Jane Roe", "Xxxx Xxx"),  # a name: no code
        ("jdoe_1984", "xxxx_9999"),
        ("+1 415 555 0199", "+1 999 999 0999"),
    ],
)
def test_a_pseudonym_keeps_an_identifiers_format_code(value: str, written: str) -> None:
    # A repair learned from stored events glues the code it saw onto live calls: a pseudonym `XXX-`
    # would have been written into the next customer's account id.
    from skillevo._customer_mask import pseudonym

    assert pseudonym(value) == written
