"""A closed schema refusing an undeclared argument whose name shares a word with a declared one the
call left out (``site`` next to a missing ``site_id``): the value is the misnamed argument's. A learned
drop of it sent the call without it, and the tool took its default (or a constant learned later
filled the gap) -- accepted with another meaning (world7: a hold placed at another depot, 2 calls).
The drop is never made there, before the call or after an error; a rename (or the model) fixes it."""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo.adapters import call_tool

SCHEMA = {
    "type": "object",
    "properties": {"ref": {"type": "string"}, "site_id": {"type": "string"}, "when": {"type": "string"}},
    "required": ["ref"],
    "additionalProperties": False,
}


def _tool(accepted: list[dict[str, Any]]) -> Any:
    def run(args: dict[str, Any]) -> Any:
        extra = sorted(set(args) - {"ref", "site_id", "when"})
        if extra:
            raise ValueError(
                f"1 validation error for Req\n{extra[0]}\n  Extra inputs are not permitted [type=extra_forbidden]"
            )
        if args.get("when", "T1") != "T1":
            raise ValueError(f"when: cannot parse {args['when']!r}")
        accepted.append({"site_id": "HQ", **args})  # the tool's default site
        return "ok"

    return run


def test_a_misnamed_argument_is_never_dropped_into_the_tools_default() -> None:
    evo = Evolver(SkillLibrary(":memory:"), mining="inline", seed=0)
    evo.register_tools({"hold": SCHEMA})
    accepted: list[dict[str, Any]] = []
    tool = _tool(accepted)
    wanted = []
    for i in range(8):
        site = ["S-1", "S-2"][i % 2]
        wanted.append(site)
        ep = evo.episode(task=f"t{i}")
        # the model also wrote the time wrong, and fixes one thing per error
        for args in (
            {"ref": f"r{i}", "site": site, "when": "t1"},
            {"ref": f"r{i}", "site": site, "when": "T1"},
            {"ref": f"r{i}", "site_id": site, "when": "T1"},
        ):
            if call_tool(ep, "hold", args, tool, on_exception=lambda e: f"Error: {e}") == "ok":
                break
        ep.finish(1.0)
    assert [a["site_id"] for a in accepted] == wanted


def test_an_undeclared_argument_sharing_no_word_is_still_dropped_by_a_closed_schema() -> None:
    evo = Evolver(SkillLibrary(":memory:"), mining="inline", seed=0)
    evo.register_tools({"hold": SCHEMA})
    accepted: list[dict[str, Any]] = []
    tool = _tool(accepted)
    sent = 0
    for i in range(8):
        ep = evo.episode(task=f"t{i}")
        out = call_tool(
            ep, "hold", {"ref": f"r{i}", "site_id": "S-1", "verbose": True}, tool, on_exception=lambda e: f"Error: {e}"
        )
        sent += 1
        if out != "ok":
            call_tool(ep, "hold", {"ref": f"r{i}", "site_id": "S-1"}, tool, on_exception=lambda e: f"Error: {e}")
            sent += 1
        ep.finish(1.0)
    assert len(accepted) == 8
    assert sent < 16  # the drop was learned and made
