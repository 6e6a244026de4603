"""Loss window of each durability mode: a child finishes up to 3,000 episodes through an Evolver,
printing each id once ``finish()`` has returned; it is killed (SIGTERM or SIGKILL) when the parent
has read a random number of them, and the ids it printed are compared with the file. Prints, per mode and signal, the
episodes lost out of those finished (median and max over the trials) and the time each
``finish()`` took in the child (median).

Run: ``.venv/bin/python benchmarks/bench_durability.py [--trials N]``.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from skillevo import SkillLibrary

CHILD = textwrap.dedent(
    """
    import sys, time
    from skillevo import Evolver, SkillLibrary
    path, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lib = SkillLibrary(path, durability=mode)
    evo = Evolver(lib, miner=None, sandbox=None)
    print("ready", flush=True)
    for i in range(n):
        ep = evo.episode(task=f"task {i}")
        ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
        t = time.perf_counter()
        ep.finish(1.0)
        sys.stdout.write(f"{ep.id} {time.perf_counter() - t:.6f}\\n")
        sys.stdout.flush()
    print("all", flush=True)
    time.sleep(600)  # waits for the signal
    """
)


def trial(folder: Path, mode: str, sig: signal.Signals, rng: random.Random) -> tuple[int, int, list[float], float]:
    path = folder / f"{mode}-{sig.name}-{rng.random():.6f}.db"
    SkillLibrary(path).close()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), mode, "3000"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    ids: list[str] = []
    times: list[float] = []
    at = rng.randrange(1, 3000)  # the signal goes when this many ids were read
    reached = threading.Event()
    first: list[float] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "all":
                reached.set()
                continue
            ep_id, took = line.split()
            first[:] = first or [time.monotonic()]
            ids.append(ep_id)
            times.append(float(took))
            if len(ids) >= at:
                reached.set()

    reader = threading.Thread(target=read)
    reader.start()
    reached.wait(300)
    proc.send_signal(sig)
    elapsed = time.monotonic() - first[0] if first else 0.0
    proc.wait(120)
    reader.join(60)
    with SkillLibrary(path) as lib:
        stored = {e.id for e in lib.episodes()}
    return len(set(ids) - stored), len(ids), times, len(ids) / elapsed if elapsed > 0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("batched", "sync"):
            for sig in (signal.SIGTERM, signal.SIGKILL):
                lost, finished, times, windows = [], [], [], []
                for _ in range(args.trials):
                    n_lost, n_done, took, rate = trial(Path(tmp), mode, sig, rng)
                    windows.append(n_lost / rate if rate else 0.0)
                    lost.append(n_lost)
                    finished.append(n_done)
                    times += took
                print(
                    f"{mode:8} {sig.name:8} lost: median {statistics.median(lost):6.0f}  max {max(lost):5d}  "
                    f"(window: max {max(windows):.2f} s of finishing) "
                    f"(of {min(finished)}-{max(finished)} finished; {args.trials} trials); "
                    f"finish() median {statistics.median(times) * 1000:.2f} ms"
                )


if __name__ == "__main__":
    main()
