"""Latency of one code-skill repair call through the bubblewrap jail: warm (spare worker) vs cold.

Warm: the sandbox keeps a spare worker booted ahead (jail built, interpreter started, RestrictedPython and
the allowed modules imported) that waits on stdin for its one job, so a call costs the job's pipe round
trip, compiling and running the skill, and reading its framed reply. Before each warm call the benchmark
waits (untimed) until the replacement spare has booted, as it has in an agent whose tool calls are spaced
by more than a boot. Back-to-back: calls with no wait, so each waits for a spare still booting. Cold: no
spare, each call starts its own jail. Both with the RestrictedPython guard on (the default) and off.

Usage: .venv/bin/python benchmarks/bench_sandbox.py [--calls 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

from skillevo import ProcessSandbox

CODE = """
import re
def repair(tool, args, error):
    if 'date' in args and re.fullmatch(r'\\d{2}/\\d{2}/\\d{4}', args['date']):
        d, m, y = args['date'].split('/')
        return dict(args, date=y + '-' + m + '-' + d)
    return None
"""
ARGS = {"date": "02/01/2025", "city": "Oslo"}
EXPECTED = {"date": "2025-01-02", "city": "Oslo"}


def _median_ms(sb: ProcessSandbox, calls: int, *, wait: bool) -> float:
    times = []
    for _ in range(calls):
        if wait:
            assert sb.wait_ready(60), "no spare worker booted within 60 s"
        t0 = time.perf_counter()
        out = sb.run_repair(CODE, "book", dict(ARGS), "date must be YYYY-MM-DD")
        times.append(time.perf_counter() - t0)
        assert out == EXPECTED, out
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    ns = parser.parse_args()
    print(f"repair call through the jail, median of {ns.calls} warm calls")
    for guard in (True, False):
        with ProcessSandbox(guard=guard) as warm:
            warm_ms = _median_ms(warm, ns.calls, wait=True)
            back_ms = _median_ms(warm, max(5, ns.calls // 4), wait=False)
        with ProcessSandbox(guard=guard, warm=False) as cold:
            cold_ms = _median_ms(cold, max(5, ns.calls // 4), wait=False)
        label = "guard on " if guard else "guard off"
        print(f"  {label}: warm {warm_ms:7.1f} ms   cold {cold_ms:7.1f} ms   (cold x{cold_ms / warm_ms:.0f} of warm)"
              f"   back-to-back, no gap: {back_ms:7.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
