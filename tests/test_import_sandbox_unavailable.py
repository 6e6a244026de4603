"""Importing a code skill on a host whose sandbox cannot run it: refused, saying so and how to fix it.

An imported code skill must pass its smoke run before it is stored (docs/security.md, "Import"; the
architecture's "imported skills pass the same checks as mined ones"), so on a host where code skills
cannot run (no ``bwrap``, a ``bwrap`` the kernel refuses, a launcher that hangs) it is refused while
the rest of the folder imports. Before the fix the reason read "failed its sandbox smoke run: ...",
as if the skill had run and failed (3 of 3 faults), and a launcher that hangs held the import for the
jail's timeouts (about 71 s). Now the reason says its smoke run could not run, why (with the
install hint where there is one), and to import it again once code skills can run here; a hanging
launcher holds the import for the sandbox's ``boot_wait_s`` only.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillevo import ProcessSandbox, SkillLibrary, _sandbox_jail
from skillevo._sandbox_jail import forget

SKILL = "---\nname: fixer\ndescription: Adds the missing units argument to weather calls.\n---\nAdd units.\n"
SCRIPT = "def repair(tool, args, error):\n    return dict(args, units='C')\n"
HANGS = "#!/bin/sh\nwhile :; do sleep 1; done\n"
REFUSES = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"


@pytest.fixture(autouse=True)
def fresh_jail() -> Iterator[None]:
    forget()
    yield
    forget()


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "skills"
    (root / "fixer" / "scripts").mkdir(parents=True)
    (root / "fixer" / "SKILL.md").write_text(SKILL)
    (root / "fixer" / "scripts" / "fix.py").write_text(SCRIPT)
    return root


def _launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str | None) -> None:
    if script is None:
        monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: None)
        return
    if _sandbox_jail.missing_software() is not None:
        pytest.skip("needs libseccomp to build a jail around the fake bwrap")
    path = tmp_path / "bwrap"
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SKILLEVO_BWRAP", str(path))


@pytest.mark.parametrize(("fault", "script", "why"), [
    ("no-bwrap", None, "apt-get install bubblewrap"),
    ("bwrap-refuses", REFUSES, "No permissions to create new namespace"),
    ("launcher-hangs", HANGS, "still starting"),
])  # fmt: skip
def test_a_code_skill_the_host_cannot_smoke_run_is_refused_saying_why_and_how_to_fix(
    fault: str, script: str | None, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _launcher(tmp_path, monkeypatch, script)
    wait = 0.3 if script is HANGS else 30.0  # the other faults answer: wait for their own reason
    with SkillLibrary(":memory:") as lib, ProcessSandbox(warm=False, boot_wait_s=wait) as sb:
        result = lib.import_skills(_folder(tmp_path), sandbox=sb)
        assert [lib.version(v).skill for v in result] == ["fixer"]  # the guidance skill still imports
        (refusal,) = result.refused
        reason = str(refusal)
        assert "\n" not in reason and "fixer-fix" in reason
        assert "failed" not in reason, f"{fault}: reads as if the skill ran and failed: {reason}"
        assert "smoke run could not run" in reason and why in reason and "import it again" in reason, reason
