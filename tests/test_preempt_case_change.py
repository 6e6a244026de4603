"""A case change learned before a call is not refused for a name the tool accepted capitalised.

A tool refuses names sent capitalised ("No such folder: Reports"; the folder is ``reports``) and the
model corrects them by lower-casing: the RuleMiner learns ``lower-case folder`` before every call
holding a capital. One other folder had been entered capitalised (``Drafts``, accepted), and the
admission's check of stored successes (`skillevo._preempt`, attack28) refused the whole repair, its
use after an error included: every later capitalised name cost the model a failed call. A case
change keeps every character of the value, so it throws no choice away; where case matters the
tool refuses the changed name loudly and the call is retried as the model sent it (`skillevo._undo`).
It is no longer weighed; a drop or a constant over an accepted value still is (control).
"""

from __future__ import annotations

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo._models import ArgCondition, ChangeCase, DropArg, Repair, SetArg, Trigger, TriggerKind
from skillevo._preempt import CHANGES_SUCCESSES, changes_successes

NAMES = ["Reports", "Archive", "Photos", "Music", "Notes", "Taxes", "Letters", "Backups"]


def _accepted(evo: Evolver, args: dict[str, object], times: int = 3) -> None:
    for _ in range(times):
        with evo.episode(task="files") as ep:
            sent = ep.before_tool("open_folder", dict(args))
            ep.on_tool_result("open_folder", sent, "ok")
            ep.finish(reward=1.0)


def test_a_learned_lower_casing_acts_although_one_folder_was_accepted_capitalised() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=3)
    _accepted(evo, {"folder": "Drafts"})
    failed = 0
    for name in NAMES:
        with evo.episode(task="files") as ep:
            sent = ep.before_tool("open_folder", {"folder": name})
            if sent["folder"] == name.lower():
                ep.on_tool_result("open_folder", sent, "ok")
            else:
                failed += 1
                retry = ep.on_tool_error("open_folder", sent, FileNotFoundError(f"No such folder: {sent['folder']}"))
                ep.on_tool_result("open_folder", retry or {"folder": name.lower()}, "ok")
            ep.finish(reward=1.0)
        evo.flush()
    reasons = [e.data.get("reason") for e in lib.events(kind=EventKind.PROPOSAL_REJECTED)]
    assert CHANGES_SUCCESSES not in reasons
    assert failed < len(NAMES) // 2  # on main: all 8 failed, the repair refused each time


def _trigger() -> Trigger:
    return Trigger(kind=TriggerKind.TOOL_ERROR, tool="open_folder", pattern="no such folder")


def test_control_a_drop_or_a_constant_over_an_accepted_value_is_still_refused() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=3)
    _accepted(evo, {"folder": "Drafts", "dry_run": True})
    capital = [ArgCondition(arg="folder", regex=".*[A-Z].*")]
    lower = Repair(ops=[ChangeCase(arg="folder", to="lower")], precondition=capital)
    assert not changes_successes(evo.store, lower, _trigger())
    for op in (DropArg(arg="dry_run"), SetArg(arg="folder", value="Inbox")):
        repair = Repair(ops=[ChangeCase(arg="folder", to="lower"), op], precondition=capital)
        assert changes_successes(evo.store, repair, _trigger())
