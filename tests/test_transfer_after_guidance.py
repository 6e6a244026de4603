"""A repair is offered to other tools once it has won, also when it was chosen for its guidance.

An adapter asks for guidance for the tools bound to the model before every model call, so a learned
version that carries guidance *and* a repair is chosen at the guidance site (``Applied.kind ==
"guidance"``) and then repairs the call. Only versions chosen as repairs were handed to the
transfer step after an episode, so such a repair was offered to other tools only when first mined
(no wins yet: refused) or when a new tool appeared: never, once every tool was declared (the
LangGraph adapter declares them all). Driven through the real Evolver episode API, deterministic.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary

TOOLS = ("open_case", "close_case", "assign_case")
SCHEMAS = {name: {"properties": {"ref": {"type": "string"}}, "required": ["ref"]} for name in TOOLS}


def _run(name: str, ref: Any) -> Any:
    if not isinstance(ref, str) or len(ref) != 6:
        return f"Error: case {ref!r} does not exist (refs look like Q00042)"
    return {"tool": name, "ref": ref}


def _call(ep: Any, name: str, ref: str) -> bool:
    """One call as an adapter makes it (guidance for the bound tools before each model turn)."""
    args = {"ref": ref}
    for attempt in range(3):
        ep.guidance(list(TOOLS))
        sent = ep.before_tool(name, args)
        result = _run(name, **sent)
        if not ep.on_tool_result(name, sent, result):
            return attempt == 0
        ep.on_tool_error(name, sent, result)
        args = {"ref": "Q" + ref[1:].rjust(5, "0")}  # the model's own fix
    return False


def test_a_repair_chosen_for_its_guidance_is_offered_to_the_other_tools_once_it_won() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=2, cache_ttl_s=float("inf"), mining="inline")
        evo.register_tools(SCHEMAS)
        for i in range(30):
            with evo.episode(task=f"open {i}") as ep:
                _call(ep, TOOLS[0], f"Q{(i * 53) % 900 + 10}")
                ep.finish(reward=1.0)
        transferred = [s.name for s in lib.skills() if s.trigger.tool in TOOLS[1:]]
        assert transferred, [(s.name, s.status) for s in lib.skills()]
