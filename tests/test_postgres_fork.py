"""PostgreSQL: forked workers (multiprocessing's fork, a pre-forking server) record their episodes
while the parent records its own, each on connections of its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from skillevo import SkillLibrary

pytestmark = pytest.mark.postgres

FORKS = textwrap.dedent(
    """
    import multiprocessing, sys
    from skillevo import Evolver, SkillLibrary
    lib = SkillLibrary(sys.argv[1], durability=sys.argv[2], timeout=3)
    evo = Evolver(lib, miner=None, sandbox=None)
    evo.episode(task="parent first").finish(1.0)
    lib.flush()  # the parent's pool is open and used before the fork

    def work(tag):
        for i in range(20):
            ep = evo.episode(task=f"{tag} {i}")
            ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
            ep.finish(1.0)
        lib.flush()

    kids = [multiprocessing.get_context("fork").Process(target=work, args=(f"kid{k}",)) for k in range(2)]
    for kid in kids:
        kid.start()
    work("parent")  # at the same time as the children
    for kid in kids:
        kid.join()
        assert kid.exitcode == 0, kid.exitcode
    lib.close()
    """
)


@pytest.mark.parametrize("mode", ["batched", "sync"])
def test_forked_workers_and_their_parent_lose_nothing(pg_url: str, mode: str) -> None:
    out = subprocess.run([sys.executable, "-c", FORKS, pg_url, mode], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    with SkillLibrary(pg_url) as lib:
        tasks = [e.task.split()[0] for e in lib.episodes()]
    assert len(tasks) == 61 and set(tasks) == {"parent", "kid0", "kid1"}
