"""The retry after an undone pre-emptive edit re-applies the episode's other edits: one of those
that backfires in turn is undone too (the model's own call goes out), and the arms of a retry that
does not happen wait on nothing. Before, the retried call was not known as one skillevo's edits
changed: its error went back to the model (a model turn lost), and when re-applying the other
edits left the failed call as it was, their arms stayed waiting on a call nothing would send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, ChangeCase, Repair, Strategy, Trigger, TriggerKind

FOLDERS, OWNERS = {"Reports", "archive"}, {"Alice", "bob"}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _open(folder: Any, owner: Any) -> Any:
    if folder not in FOLDERS:
        return {"error": f"open: '{folder}': No such file or directory"}
    if owner not in OWNERS:
        return {"error": f"open: owner '{owner}' is unknown"}
    return {"opened": folder}


def _lower(lib: SkillLibrary, name: str, arg: str, pattern: str) -> str:
    version = lib.add_skill(
        name,
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="open", pattern=pattern),
        Strategy(repair=Repair(ops=[ChangeCase(arg=arg, to="lower")],
                               precondition=[ArgCondition(arg=arg, type="str")])),
    )
    return version.id


def _evolver(lib: SkillLibrary, *versions: str) -> Evolver:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    for version in versions:
        evo.lifecycle.start(version)
    evo.invalidate()
    return evo


def test_an_edit_reapplied_in_the_undo_retry_that_backfires_is_undone_too(lib: SkillLibrary) -> None:
    evo = _evolver(lib, _lower(lib, "lower-folder", "folder", "No such file"),
                   _lower(lib, "lower-owner", "owner", "is unknown"))
    with evo.episode(task="t") as ep:
        model = {"folder": "Reports", "owner": "Alice"}
        sent = ep.before_tool("open", model)
        assert sent == {"folder": "reports", "owner": "alice"}
        assert ep.on_tool_result("open", sent, _open(**sent))  # quotes 'reports': the folder edit's doing
        retry = ep.on_tool_error("open", sent, _open(**sent))
        assert retry == {"folder": "Reports", "owner": "alice"}  # the owner edit re-applied
        assert ep.on_tool_result("open", retry, _open(**retry))  # quotes 'alice': the owner edit's doing
        again = ep.on_tool_error("open", retry, _open(**retry))
        assert again == model  # the model's own call, without a model turn
        assert not ep.on_tool_result("open", again, _open(**again))
        ep.finish(reward=1.0)


def test_an_undo_retry_that_changes_nothing_leaves_no_arm_waiting(lib: SkillLibrary) -> None:
    # Two skills make the same edit; the second's trigger is not about this error (set aside), so
    # re-applied it rebuilds the failed call: no retry, and nothing may wait on one.
    evo = _evolver(lib, _lower(lib, "lower-folder", "folder", "No such file"),
                   _lower(lib, "lower-folder-too", "folder", "folder is locked"))
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("open", {"folder": "Reports", "owner": "Alice"})
        assert sent == {"folder": "reports", "owner": "Alice"}
        assert ep.on_tool_result("open", sent, _open(**sent))
        assert ep.on_tool_error("open", sent, _open(**sent)) is None
        assert not ep._tools.pending  # no arm waits on a call that is not retried
        ep.finish(reward=0.0)
