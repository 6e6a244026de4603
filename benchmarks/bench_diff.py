"""`skillevo diff` at scale: a library of 10,000 skills (target: under 10 s).

Run: .venv/bin/python benchmarks/bench_diff.py

Two cases on SQLite files:

* nightly: yesterday's snapshot (10,000 skills) against today's, with 2,500 changes
  (500 added, 1,000 revised, 400 promoted, 300 rejected, 200 retired, 100 pruned);
* from empty: every one of the 10,000 skills listed as added, each with its evidence (worst case
  for the report's size).

Baseline, in the same process: a plain read of the same skills (``new.skills()``, plus
``old.skills()`` for the snapshot case), which any diff must at least pay. Printed: the time to
compute the diff, to render Markdown and HTML, the report sizes, the ratio to the baseline, and
the CPU and wall time of the CLI command (a fresh process, interpreter start-up included), and that
start-up alone (Python plus the imports every `skillevo` command pays); both also with the imports
start-up used to pay before they were made lazy (scipy.stats, scipy.signal, sqlite_utils/pandas),
for the before/after in docs/benchmarks.md.

Reports list the first 200 versions of each section in full (strategy, diff, evidence) and the
rest as compact rows (id, status, posteriors, reason).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from skillevo import (
    Event,
    EventKind,
    Origin,
    PosteriorState,
    Repair,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
    library_diff,
)
from skillevo._models import ReformatDate

N = 10_000
TOOLS = [f"tool_{i}" for i in range(200)]


def build(path: Path, rng: random.Random) -> None:
    with SkillLibrary(path) as lib, lib.transaction():
        ids = lib.log_events(
            [
                Event(
                    kind=EventKind.TOOL_ERROR,
                    tool=TOOLS[i % len(TOOLS)],
                    data={"args": {"date": f"{i % 28 + 1:02d}/11/2026", "n": i},
                          "error": f"invalid date for call {i}: expected YYYY-MM-DD", "error_type": "ValueError"},
                )
                for i in range(2 * N)
            ]
        )
        for i in range(N):
            tool = TOOLS[i % len(TOOLS)]
            if i % 2:
                strategy = Strategy(guidance=f"When calling {tool}, write dates as YYYY-MM-DD (rule {i}).")
            else:
                strategy = Strategy(
                    guidance=f"Reformat dates for {tool} (rule {i}).",
                    repair=Repair(ops=[ReformatDate(arg="date", from_format="%d/%m/%Y")]),
                )
            status = VersionStatus.ACTIVE if i % 3 else VersionStatus.TESTING
            v = lib.add_skill(
                f"skill-{i:05d}", Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool, pattern=f"rule {i}"), strategy,
                description=f"Synthetic skill {i}", status=status,
                origin=Origin(miner="rule", evidence=[ids[2 * i], ids[2 * i + 1]]),
            )
            a, b = rng.randint(1, 60), rng.randint(1, 60)
            lib.put_posterior(PosteriorState(key=v.skill, arm=v.id, alpha=a, beta=b, observations=a + b - 2))


def change(path: Path, rng: random.Random) -> None:
    with SkillLibrary(path) as lib, lib.transaction():
        for i in range(N, N + 500):
            lib.add_skill(f"skill-{i:05d}", Trigger(tool="new_tool"), Strategy(guidance=f"New rule {i}."),
                          origin=Origin(miner="rule", evidence=[1 + i % N]))
        for i in range(0, 3000, 3):  # testing ones get a revision
            lib.add_version(f"skill-{i:05d}", Strategy(guidance=f"Revised rule {i}: write dates as YYYY-MM-DD."),
                            parent=f"skill-{i:05d}@1", origin=Origin(miner="rule", evidence=[2 * i + 1]))
        for i in range(3000, 4200, 3):
            lib.set_status(f"skill-{i:05d}@1", VersionStatus.ACTIVE, reason="won its test: P = 0.97")
        for i in range(4200, 5100, 3):
            lib.set_status(f"skill-{i:05d}@1", VersionStatus.REJECTED, reason="lost its test")
        for i in range(6001, 6301, 3):
            lib.set_status(f"skill-{i:05d}@1", VersionStatus.RETIRED, reason="no longer beats doing nothing")
        for i in range(7001, 7301, 3):
            lib.set_status(f"skill-{i:05d}@1", VersionStatus.RETIRED, reason="pruned: stale", actor="train",
                           data={"pruned": True})
        for i in range(0, N, 7):
            a, b = rng.randint(1, 90), rng.randint(1, 90)
            lib.put_posterior(PosteriorState(key=f"skill-{i:05d}", arm=f"skill-{i:05d}@1", alpha=a, beta=b,
                                             observations=a + b - 2))


def timed(label: str, old: Path | None, new: Path) -> dict[str, float]:
    cpu0 = time.process_time()
    with SkillLibrary(new) as b:
        if old is None:
            t0 = time.perf_counter()
            b.skills()
            base = time.perf_counter() - t0
            t0 = time.perf_counter()
            diff = library_diff(None, b)
            t_diff = time.perf_counter() - t0
        else:
            with SkillLibrary(old) as a:
                t0 = time.perf_counter()
                a.skills()
                b.skills()
                base = time.perf_counter() - t0
                t0 = time.perf_counter()
                diff = library_diff(a, b)
                t_diff = time.perf_counter() - t0
    t0 = time.perf_counter()
    md = diff.to_markdown()
    t_md = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = diff.to_html()
    t_html = time.perf_counter() - t0
    total = t_diff + t_md + t_html
    cpu = time.process_time() - cpu0
    counts = {k: v for k, v in diff.counts().items() if v}
    print(f"{label:<11} diff {t_diff:6.2f} s  markdown {t_md:5.2f} s  html {t_html:5.2f} s  total {total:6.2f} s  "
          f"plain read {base:5.2f} s  ratio {total / base:5.1f}x  (CPU, read included: {cpu:5.2f} s)  md {len(md) / 1e6:5.1f} MB  "
          f"html {len(html) / 1e6:5.1f} MB  {counts}")
    return {"total": total, "base": base}


#: What `import skillevo.cli` imported at start-up before those imports were made lazy: scipy.stats
#: and scipy.signal (by the selector) and sqlite_utils (by the SQLite backend; it imports pandas).
EAGER = "import scipy.stats, scipy.signal, sqlite_utils"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: Fresh processes keep their bytecode in a private cache, as an installed package has its .pyc
#: files: with PYTHONDONTWRITEBYTECODE set (some shells and CI images set it) every command would
#: otherwise re-compile every module it imports, which no user's installation does.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_ENV["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "skillevo-bench-pycache")


def _run(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process. On a shared, loaded machine the wall time mostly
    measures the other jobs; the CPU time is what the command itself needs (single-threaded, it is
    its wall time on an idle core)."""
    c0, t0 = _child_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=_ENV)
    return time.perf_counter() - t0, _child_cpu() - c0


def cli(label: str, args: list[str], out: Path, *, eager: bool = False) -> float:
    """CPU seconds of a fresh `skillevo diff` process; `eager` first imports what start-up used to."""
    argv = ["diff", *args, "--out", str(out / "r.md"), "--html", str(out / "r.html")]
    if eager:
        cmd = [sys.executable, "-c", f"import sys; {EAGER}; from skillevo.cli import main; main(sys.argv[1:])", *argv]
    else:
        cmd = [str(Path(sys.executable).with_name("skillevo")), *argv]
    wall, cpu = _run(cmd)
    how = "eager imports (before)" if eager else "lazy imports (now)"
    print(f"{label:<11} `skillevo diff ... --out r.md --html r.html` CPU {cpu:6.2f} s, wall {wall:6.2f} s "
          f"(fresh process, {how})")
    return cpu


def startup(*, eager: bool = False) -> float:
    """What every `skillevo` command pays before any work: start Python, import the CLI and the backend."""
    code = "import skillevo.cli, skillevo._sqlite" + (f"; {EAGER}" if eager else "")
    wall, cpu = _run([sys.executable, "-c", code])
    how = "eager imports (before)" if eager else "lazy imports (now)"
    print(f"start-up    python + import skillevo.cli + SQLite backend: CPU {cpu:5.2f} s, wall {wall:5.2f} s "
          f"({how}; paid by every command)")
    return cpu


def help_wall() -> float:
    """CPU seconds of `skillevo --help` (a fresh process)."""
    wall, cpu = _run([str(Path(sys.executable).with_name("skillevo")), "--help"])
    print(f"--help      `skillevo --help` CPU {cpu:5.2f} s, wall {wall:5.2f} s")
    return cpu


def main() -> None:
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        old, new = d / "old.db", d / "new.db"
        t0 = time.perf_counter()
        build(old, rng)
        shutil.copy(old, new)
        change(new, rng)
        print(f"built {N:,} skills (+500 new, 2,000 changed) in {time.perf_counter() - t0:.1f} s")
        nightly = timed("nightly", old, new)
        empty = timed("from empty", None, new)
        _run([sys.executable, "-c", f"import skillevo.cli, skillevo._sqlite; {EAGER}"])  # warms the bytecode cache
        w1 = cli("nightly", [str(old), "--db", str(new)], d)
        w2 = cli("from empty", ["--db", str(new), "--since", "2000-01-01"], d)
        e1 = cli("nightly", [str(old), "--db", str(new)], d, eager=True)
        e2 = cli("from empty", ["--db", str(new), "--since", "2000-01-01"], d, eager=True)
        boot = startup()
        boot_eager = startup(eager=True)
        help_wall()
        worst = max(w1, w2)
        print(f"slowest CLI run: {worst:.2f} CPU s, of which start-up {boot:.2f} s (target < 10 s): "
              f"{'OK' if worst < 10 else 'MISSED'}; with the old eager imports {max(e1, e2):.2f} s "
              f"(start-up {boot_eager:.2f} s); slowest in-process diff + render: "
              f"{max(nightly['total'], empty['total']):.2f} s")

if __name__ == "__main__":
    main()
