"""An import is vouched for by the miner's text, not by its words in other marks (inject2, 2026-12-07).

An imported guidance waits for a person until this library's miner proposes the same words for the
skill (`skillevo._probation.text_unvouched`). "The same words" was read as `_mining._wording`: words
only, every mark left out. So an import named and triggered as the miner names its lesson
(``pay-missing-arg-currency``, a predictable name) could write the miner's words with marks that turn them
around, struck through in Markdown or crossed out, and the miner's own proposal then vouched for
it. With the miner's version rejected by a reviewer (for its repair), the import's guidance went
under test and reached the prompt: before the fix 26 of 40, 26 of 40 and 26 of 40 prompts for the
three variants below; now 0, the text held for a person (the miner's text vouches only for itself:
`shown_words`, case and spacing aside).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._lifecycle import Lifecycle
from skillevo._probation import text_unvouched
from skillevo._selection import ThompsonSelector

sys.path.insert(0, str(Path(__file__).parent))
from test_attack_import_probation import _corrected

#: What the RuleMiner writes for a missing currency the agent added itself (checked below).
MINED = "When calling `pay`: set `currency`. DO: `currency` as 3 uppercase letters"
VARIANTS = {
    "struck through": "When calling `pay`: ~~set `currency`. DO: `currency` as 3 uppercase letters~~",
    "crossed out": "When calling `pay`: ✗ set `currency`. ✗ DO: `currency` as 3 uppercase letters ✗",
    "asked, not told": "When calling `pay`: set `currency`?? DO: `currency` as 3 uppercase letters???",
}


def _import(root: Path, guidance: str) -> tuple[SkillLibrary, str]:
    folder = root / "pay-missing-arg-currency"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        "---\nname: pay-missing-arg-currency\ndescription: d\n---\n# pay-missing-arg-currency\n\n"
        f"## Strategy\n\n{guidance}\n"
    )
    data = {"format": "skillevo.skill/1", "name": "pay-missing-arg-currency",
            "trigger": {"kind": "tool_error", "tool": "pay", "error_type": "missing_arg"}, "strategy": {}}
    (folder / "skillevo.json").write_text(json.dumps(data))
    lib = SkillLibrary(":memory:")
    [vid] = lib.import_skills(folder, sandbox=None, start_tests=True)
    return lib, vid


def _prompts_with(lib: SkillLibrary, text: str, n: int = 40) -> int:
    evo = Evolver(lib, seed=0, miner=None)
    hits = 0
    for i in range(n):
        with evo.episode(task=f"pay {i}") as ep:
            sent = ep.before_tool("pay", {"invoice": f"W{i}", "amount": 1})
            ep.on_tool_error("pay", sent, ValueError("Error: currency is required"))
            hits += text in ep.guidance(tools=["pay"])
            ep.finish(reward=1.0)
    return hits


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_miners_words_in_other_marks_vouch_for_no_import(tmp_path: Path, variant: str) -> None:
    lib, vid = _import(tmp_path, VARIANTS[variant])
    _corrected(Evolver(lib, seed=0, mining="inline"), 2)
    mined = [v for v in lib.skill("pay-missing-arg-currency").versions if v.id != vid]
    assert [v.strategy.guidance for v in mined] == [MINED]
    assert text_unvouched(lib, lib.version(vid))
    Lifecycle(lib, ThompsonSelector()).reject(mined[0].id, "we bill in USD")
    assert _prompts_with(lib, VARIANTS[variant]) == 0


def test_control_the_miners_own_text_vouches_for_an_import_of_it(tmp_path: Path) -> None:
    lib, vid = _import(tmp_path, MINED.upper().replace(" ", "  "))  # case and spacing are no marks
    _corrected(Evolver(lib, seed=0, mining="inline"), 2)
    assert not text_unvouched(lib, lib.version(vid))
