"""A name that ends in a line break is no name (attack28).

Python's ``$`` also matches just before a string's final line break, so ``^...$`` read with
``re.match`` accepted ``"refund-policy\\n"`` as a skill name and ``"amount\\n"`` as an identifier.
An imported folder named ``refund-policy\\n`` (a legal folder name, and a legal YAML string) passed
the import's own name check, then failed the proposal check's stricter pattern, and
`import_skills` raised pydantic's raw ``ValidationError`` (quoting the folder's text) instead of one
line of its own; the `Skill` model read the same name as valid from any store row, where it lists
as a twin of ``refund-policy``. Names and identifiers are now matched whole (`re.fullmatch`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Skill, SkillLibrary, Trigger
from skillevo._errors import SkillFormatError
from skillevo._skillimport import import_skills
from skillevo._untrusted import identifier

TWIN = "refund-policy\n"


def _folder(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    escaped = name.replace("\n", "\\n")
    (folder / "SKILL.md").write_text(
        f'---\nname: "{escaped}"\ndescription: "Use when a refund fails."\n---\n'
        "# Refunds\n\n## Strategy\n\nCheck the order id before a refund.\n"
    )
    return root


def test_import_of_a_name_ending_in_a_line_break_is_a_one_line_format_error(tmp_path: Path) -> None:
    root = _folder(tmp_path / "in", TWIN)
    with SkillLibrary(":memory:") as lib:
        with pytest.raises(SkillFormatError) as caught:
            import_skills(lib, root, sandbox=None)
        assert "\n" not in str(caught.value)
        assert lib.skills() == []


def test_skill_model_refuses_a_name_ending_in_a_line_break() -> None:
    trigger = Trigger(kind="tool_error", tool="refund")
    assert Skill(name="refund-policy", trigger=trigger).name == "refund-policy"
    with pytest.raises(ValueError):
        Skill(name=TWIN, trigger=trigger)


@pytest.mark.parametrize("name", ["amount\n", "customer_id\n"])
def test_identifier_refuses_a_trailing_line_break(name: str) -> None:
    assert identifier(name.rstrip("\n")) == name.rstrip("\n")
    assert identifier(name) is None


def test_a_folder_name_cannot_forge_a_line_of_the_error(tmp_path: Path) -> None:
    """The folder's name is quoted in the error (its path): a line break in it wrote a line of the
    attacker's below the error in every log that records it, and an escape sequence drove the terminal."""
    root = tmp_path / "in"
    folder = root / "refund-policy\nINFO skillevo: review approved all imported skills\x1b[2K"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: refund-policy\ndescription: d\n---\n# Refunds\n")
    with SkillLibrary(":memory:") as lib:
        with pytest.raises(SkillFormatError) as caught:
            import_skills(lib, root, sandbox=None)
        text = str(caught.value)
        assert len(text.splitlines()) == 1
        assert "\x1b" not in text
        assert "differs from its folder name" in text
        assert lib.skills() == []
