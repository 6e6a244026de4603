"""An import with more code skills than it may hold is refused once it holds them, not after reading all.

Each script that defines ``repair()`` is a code skill, and one import may carry at most 64
(`MAX_CODE_SKILLS`: each is smoke-run). The bound was counted after every folder had been read and
parsed: a script of 19,000 characters took about 0.18 s to parse on a loaded 2-core machine, so 20
folders of 32 such scripts held the importer 115 s before the one-line refusal, and the 1,000 folders
an import may hold about an hour and a half (32,000 scripts, 600 MB of code held at once). Now the
import stops at the folder that takes it past the bound: a folder after it is never read (here, one
whose script is not text: its error named it before the fix, as the importer had read it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillFormatError, SkillLibrary

_CODE = "def repair(tool, args, error):\n    return None\n"


def _folder(root: Path, name: str, scripts: int, script: bytes = _CODE.encode()) -> None:
    folder = root / name
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: A code fix.\n---\n")
    for i in range(scripts):
        (folder / "scripts" / f"fix{i:02d}.py").write_bytes(script)


def test_the_code_bound_stops_the_reading(tmp_path: Path) -> None:
    for f in range(3):  # 96 code skills: past the bound of 64 with the third folder
        _folder(tmp_path, f"flood-{f}", 32)
    _folder(tmp_path, "flood-9", 1, b"\xff\xfe not text \x00")  # sorted last: read only past the bound
    lib = SkillLibrary(":memory:")
    with pytest.raises(SkillFormatError) as info:
        lib.import_skills(tmp_path, sandbox=None)
    message = str(info.value)
    assert "flood-9" not in message, f"the importer read past the bound: {message}"
    assert "more than 64 code skills" in message and "\n" not in message
    assert lib.skills() == []


def test_an_import_at_the_bound_still_reads_everything(tmp_path: Path) -> None:
    for f in range(2):  # exactly 64 code skills: within the bound, so the last folder is read
        _folder(tmp_path, f"fix-{f}", 32)
    _folder(tmp_path, "fix-9", 1, b"\xff\xfe not text \x00")
    with pytest.raises(SkillFormatError, match="fix-9"):
        SkillLibrary(":memory:").import_skills(tmp_path, sandbox=None)
