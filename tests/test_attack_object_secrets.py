"""A secret inside a Python object a tool returns or is called with (LangChain's callbacks hand
skillevo the tool's raw output). A dataclass or a pydantic model is recorded as its repr, where the
field name stands beside the value (``password='...'``) and the pair rule hides it; a named tuple was
recorded as a JSON list, its field names dropped, so ``Credentials(user, token)`` stored the token.
A named tuple is now recorded as the mapping of its fields, read like any dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from skillevo import Evolver, SkillLibrary

TOKEN = "Hunter2-Correct-Staple-77"


class Credentials(NamedTuple):
    user: str
    token: str


class Login(NamedTuple):
    host: str
    account: Credentials


def _db_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _run(folder: Path, args: dict[str, Any], result: Any) -> bytes:
    with SkillLibrary(str(folder / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="fetch credentials") as ep:
            sent = ep.before_tool("vault_read", args)
            ep.on_tool_result("vault_read", sent, result)
            ep.finish(reward=1.0)
        lib.flush()
        return _db_bytes(folder)


CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "a named tuple as the result": ({"path": "db/prod"}, Credentials("ana", TOKEN)),
    "a named tuple inside a result dict": ({"path": "db/prod"}, {"found": True, "account": Credentials("ana", TOKEN)}),
    "named tuples nested in a list": ({"path": "db/prod"}, [Login("db1", Credentials("ana", TOKEN))]),
    "a named tuple as an argument": ({"login": Credentials("ana", TOKEN)}, "ok"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_secret_in_a_named_tuple_is_not_stored(case: str, tmp_path: Path) -> None:
    args, result = CASES[case]
    data = _run(tmp_path, args, result)
    assert TOKEN.encode() not in data
    assert b"ana" in data  # the object was recorded, with its ordinary fields


def test_a_code_skill_is_not_handed_a_secret_inside_a_named_tuple() -> None:
    """The code seal (`run_sealed`) hides every value sent under a secret's name from a code skill;
    a named tuple's field names are names too (the skill was handed the token as a list item)."""
    from skillevo._code_seal import run_sealed

    handed: dict[str, Any] = {}

    def run(code: str, tool: str, args: dict[str, Any], message: str) -> dict[str, Any]:
        handed.update(args=args, message=message)
        return dict(args)  # a skill that passes every argument through

    args = {"login": Credentials("ana", TOKEN), "note": f"copy of {TOKEN}"}
    answer = run_sealed(run, "def repair(tool, args, error): ...", "vault_read", args, f"bad token {TOKEN}")
    assert TOKEN not in repr(handed)
    assert "ana" in repr(handed["args"])
    # what the skill passed through is put back: the tool still gets the token
    assert answer["login"] == ["ana", TOKEN] and answer["note"] == f"copy of {TOKEN}"
