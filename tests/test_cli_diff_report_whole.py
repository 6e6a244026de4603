"""``skillevo diff --out/--html`` leaves the previous report whole when a write fails part way.

The report was written in place: a write that failed part way (a full disk, a file size limit)
left a truncated report where yesterday's was (on main, under a 1,000-byte file size limit: the old
report gone, 1,000 bytes of the new one kept). Now the file holds the old report or the new one,
whole, and the error is one line naming the report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

# The limit is set once the library is closed and the report rendered (the library's own writes
# are not what this test is about).
_LIMITED = """
import resource, signal, sys
from skillevo.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
import skillevo._diff as diff_module
render = diff_module.render_markdown
def limited(result):
    text = render(result)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
    return text
diff_module.render_markdown = limited
sys.exit(main(sys.argv[1:]))
"""


def test_a_report_write_that_fails_part_way_keeps_the_previous_report(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        for i in range(20):
            lib.add_skill(f"fix-{i}", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                          Strategy(guidance=f"Send field f{i} as YYYY-MM-DD."), status=VersionStatus.ACTIVE)
    report = tmp_path / "report.md"
    report.write_text("yesterday's report\n", encoding="utf-8")
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED, "diff", "--db", str(db), "--out", str(report)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error:") and len(done.stderr.strip().splitlines()) == 1
    assert report.read_text(encoding="utf-8") == "yesterday's report\n"
    assert str(report) in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib.db", "report.md"]  # no temporary file left
