"""A tool's name is stored bounded, whatever its length (attack38).

A tool's name is the tool provider's text (an MCP server declares it) or the model's (a call of a
tool it made up): every other text of a recorded call is cut (arguments, results and errors at
2,000 characters), but the name was stored whole, in every event of the call. One failed call of a
tool named with 1 MiB of text stored 2 MiB in the library and held the episode's end for seconds
(the name redacted twice, in full); an episode keeps up to 2,000 tool events, gigabytes on disk. Now
a name longer than `MAX_TOOL_NAME` is held as its head and a digest of the whole: bounded, and two
names that differ only past the head stay two tools.
"""

from __future__ import annotations

import json

from skillevo import Evolver, SkillLibrary

LONG = 1 << 20  # characters
BOUND = 1024  # what a stored name may hold at most, far above any real tool's name


def _failed_call(evo: Evolver, tool: str) -> None:
    with evo.episode(task="book a room") as ep:
        sent = ep.before_tool(tool, {"room": "A1", "nights": 2})
        ep.on_tool_error(tool, sent, ValueError("Error: date is required"))
        ep.on_tool_result(tool, sent, {"error": "date is required"})
        ep.finish(reward=0.0)


def test_a_huge_tool_name_is_stored_bounded() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    _failed_call(evo, "b" * LONG)
    _failed_call(evo, "b" * LONG + "c")  # the same head, another tool
    tools = [e.tool for e in lib.events() if e.tool]
    assert tools, "the calls are recorded"
    assert max(len(t) for t in tools) <= BOUND, max(len(t) for t in tools)
    assert len(set(tools)) == 2, "two tools that differ past the head stay two"
    lib.close()


def test_an_ordinary_tool_name_is_stored_as_it_is() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    name = "calendar__book_meeting_room_" + "x" * 100
    _failed_call(evo, name)
    assert {e.tool for e in lib.events() if e.tool} == {name}
    lib.close()


def test_a_huge_exception_class_name_is_stored_bounded() -> None:
    # The error's type is the exception's class name: text of the tool's library (a class made at run
    # time from a service's error code), stored in every event of the failure, like a tool's name.
    huge = type("Fault" + "x" * LONG, (Exception,), {})
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    with evo.episode(task="book a room") as ep:
        sent = ep.before_tool("book", {"room": "A1"})
        ep.on_tool_error("book", sent, huge("date is required"))
        ep.finish(reward=0.0)
    sizes = [len(json.dumps(e.data)) for e in lib.events()]
    assert sizes and max(sizes) <= 16 * BOUND, max(sizes)
    lib.close()
