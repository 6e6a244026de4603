"""Reading a tool's result never raises into the run: a result whose own attribute look-ups,
mapping methods or ``__str__`` raise, or that holds an integer too long to write as text, made
`detect_failure` raise, and `on_tool_result` / `on_tool_error` (the public hooks an adapter calls)
raised it into the user's agent. An exception stays a failure of its type; a result skillevo cannot
read is no failure (reading one as failed would retry a call that may have taken effect)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._detect import detect_failure


class RaisingAttributes:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("no attributes here")


class RaisingContent:
    status = "error"

    @property
    def content(self) -> Any:
        raise RuntimeError("content is gone")


class RaisingMapping(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no items")

    def __iter__(self) -> Iterator[str]:
        return iter(["error"])

    def __len__(self) -> int:
        return 1


class RaisingGet(dict[str, Any]):
    def get(self, *args: Any) -> Any:
        raise RuntimeError("no get")


class RaisingStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


UNREADABLE: dict[str, Any] = {
    "raising attributes": RaisingAttributes(),
    "raising mapping": RaisingMapping(),
    "raising get": RaisingGet(error="x"),
    "mcp result with raising content": {"isError": True, "content": RaisingMapping()},
}


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        yield Evolver(lib, miner=None, sandbox=None)


@pytest.mark.parametrize("result", list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_an_unreadable_result_is_no_failure_and_raises_nothing(evo: Evolver, result: Any) -> None:
    assert detect_failure(result) is None
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("t", {}, result) is False
        assert ep.on_tool_error("t", {}, result) is None


def test_an_exception_whose_text_raises_is_a_failure_of_its_type(evo: Evolver) -> None:
    failure = detect_failure(RaisingStr())
    assert failure is not None and failure.error_type == "RaisingStr"
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("t", {}, RaisingStr()) is True


def test_a_result_whose_status_says_error_is_one_though_its_content_raises() -> None:
    failure = detect_failure(RaisingContent())
    assert failure is not None and failure.error_type == "ToolError"


def test_an_error_code_too_long_to_write_is_still_an_error() -> None:
    for result in ({"error": 10**5000}, {"error": {"message": "bad", "code": 10**5000}},
                   {"detail": [{"loc": ["body", 10**5000], "msg": "bad"}]}):
        assert detect_failure(result) is not None


def test_a_predicate_flagged_result_whose_text_raises_is_a_failure() -> None:
    failure = detect_failure(RaisingAttributes(), is_failure=lambda r: True)
    assert failure is not None and failure.error_type == "ToolFailure"
