"""PostgreSQL backend: many hosts at once, migrations racing, copying libraries both ways."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from skillevo import LibraryError, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo.cli import main

pytestmark = pytest.mark.postgres

WORKER = textwrap.dedent(
    """
    import sys, threading, random
    from skillevo import Episode, Event, EventKind, SkillLibrary
    url, proc, n_threads, n_eps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    lib = SkillLibrary(url, max_size=n_threads)
    totals = {}
    lock = threading.Lock()
    def work(t):
        rng = random.Random(proc * 100 + t)
        for i in range(n_eps):
            ep = Episode(id=f"p{proc}-t{t}-{i}", task="t")
            save = lib.record_episode if i % 2 else lib.save_episode  # queued and direct writes mixed
            save(ep, [Event(kind=EventKind.TOOL_CALL, tool="x", data={"i": i}),
                      Event(kind=EventKind.TOOL_RESULT, tool="x", data={"i": i})])
            key = f"k{rng.randrange(3)}"
            r = rng.random()
            lib.update_posterior(key, "arm", lambda s: s.model_copy(update={
                "alpha": s.alpha + r, "beta": s.beta + (1 - r), "observations": s.observations + 1}))
            with lock:
                a, b, n = totals.get(key, (0.0, 0.0, 0))
                totals[key] = (a + r, b + 1 - r, n + 1)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for th in threads: th.start()
    for th in threads: th.join()
    lib.close()
    for key, (a, b, n) in sorted(totals.items()):
        print(key, repr(a), repr(b), n)
    """
)


def test_eight_processes_four_threads_lose_nothing(pg_url: str) -> None:
    SkillLibrary(pg_url).close()  # schema first; the workers also race on it harmlessly
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, pg_url, str(p), "4", "200"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for p in range(8)
    ]
    expected: dict[str, list[float]] = {}
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        for line in out.split("\n"):
            if line.strip():
                key, a, b, n = line.split()
                acc = expected.setdefault(key, [0.0, 0.0, 0.0])
                acc[0] += float(a)
                acc[1] += float(b)
                acc[2] += int(n)
    with SkillLibrary(pg_url) as lib:
        assert lib.count_episodes() == 8 * 4 * 200
        assert lib.count_events() == 2 * 8 * 4 * 200
        states = {p.key: p for p in lib.posteriors()}
    assert set(states) == set(expected)
    for key, (a, b, n) in expected.items():
        assert states[key].observations == n
        assert states[key].alpha == pytest.approx(1 + a, abs=1e-6)
        assert states[key].beta == pytest.approx(1 + b, abs=1e-6)


def test_hosts_starting_together_migrate_once(pg_url: str) -> None:
    libs: list[SkillLibrary] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            libs.append(SkillLibrary(pg_url))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    from skillevo._postgres import MIGRATIONS

    assert {lib.schema_version for lib in libs} == {len(MIGRATIONS)}
    for lib in libs:
        lib.close()


def test_unreachable_server_is_a_one_line_error() -> None:
    with pytest.raises(LibraryError, match="cannot connect to PostgreSQL"):
        SkillLibrary("postgresql://127.0.0.1:1/test", timeout=2)


def test_password_is_not_shown_in_location(pg_url: str) -> None:
    with SkillLibrary(pg_url) as lib:
        assert "***" not in lib.location
    from skillevo._postgres import _safe_location

    assert _safe_location("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_migrate_both_directions_via_cli(pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src.db"
    with SkillLibrary(src) as lib:
        v = lib.add_skill("iso-dates", Trigger(tool="book"), Strategy(guidance="g"), status=VersionStatus.ACTIVE)
        lib.add_version("iso-dates", Strategy(guidance="g2"), parent=v.id)
        lib.set_meta("watermark", "7")
    assert main(["migrate", str(src), pg_url]) == 0
    assert "verified" in capsys.readouterr().out
    back = tmp_path / "back.db"
    assert main(["migrate", pg_url, str(back)]) == 0
    with SkillLibrary(src) as a, SkillLibrary(back) as b:
        assert list(a.dump()) == list(b.dump())
    assert main(["migrate", str(src), str(back)]) == 1  # never into a non-empty library
