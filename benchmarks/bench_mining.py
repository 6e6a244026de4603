"""Mining throughput: RuleMiner over 10,000 failure events (target: under 5 s on 2 cores).

Run: .venv/bin/python benchmarks/bench_mining.py
Baseline, in the same process: one plain pass over the same events (what any miner must at least
pay to look at them), so the ratio shows the cost of mining itself.
"""

from __future__ import annotations

import random
import time

from skillevo import Episode, Event, EventKind, RuleMiner, SkillLibrary
from skillevo._detect import error_signature

TOOLS = ["book_flight", "get_order", "update_status", "add_to_cart", "search", "send_email", "lookup_user", "pay"]


def make_episode(rng: random.Random, i: int) -> list[Event]:
    tool = rng.choice(TOOLS)
    kind = rng.randrange(5)
    if kind == 0:
        bad, good, err = {"date": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2025"}, None, "invalid date format"
        m, d = bad["date"].split("/")[:2]
        good = {"date": f"2025-{m}-{d}"}
    elif kind == 1:
        n = str(rng.randint(1, 99999))
        bad, good, err = {"id": n}, {"id": "ORD-" + n}, f"order {n} not found"
    elif kind == 2:
        bad, good, err = {"status": "Shipped"}, {"status": "shipped"}, "status should be 'pending', 'shipped' or 'x'"
    elif kind == 3:
        bad, good, err = {"q": "x"}, None, "429 too many requests; Retry-After: 1"
    else:
        bad, good, err = {"qty": str(rng.randint(1, 9))}, None, "qty: Input should be a valid integer"
    events = [Event(kind=EventKind.TOOL_CALL, tool=tool, data={"args": bad}),
              Event(kind=EventKind.TOOL_ERROR, tool=tool,
                    data={"args": bad, "error": err, "error_type": "ToolError", "signature": error_signature(err)})]
    if good is not None:
        events.append(Event(kind=EventKind.TOOL_RESULT, tool=tool, data={"args": good, "result": "ok"}))
    return events


N = 10_000


def main() -> None:
    rng = random.Random(0)
    lib = SkillLibrary(":memory:")
    episodes = []
    with lib.transaction():
        for i in range(N):
            ep = Episode(task=f"t{i}")
            lib.save_episode(ep, make_episode(rng, i))
            episodes.append(ep.id)
    by_episode: dict[str, list[Event]] = {}
    for e in lib.iter_events():
        by_episode.setdefault(e.episode_id or "", []).append(e)
    failures = sum(1 for evs in by_episode.values() for e in evs if e.kind == EventKind.TOOL_ERROR)

    t0 = time.perf_counter()
    touched = sum(len(str(e.data)) for evs in by_episode.values() for e in evs)
    base = time.perf_counter() - t0

    miner = RuleMiner(max_pairs=20)
    t0 = time.perf_counter()
    proposals = {}
    for evs in by_episode.values():
        for p in miner.mine(evs, lib):
            proposals[p.name] = p
    elapsed = time.perf_counter() - t0
    print(f"{failures} failure events in {len(by_episode)} episodes: mined in {elapsed:.2f} s "
          f"({failures / elapsed:,.0f} failure events/s); plain pass {base * 1000:.1f} ms "
          f"(mining costs x{elapsed / base:.0f} the pass; {touched} chars read)")
    print(f"{len(proposals)} distinct proposals, e.g. {sorted(proposals)[:6]}")


if __name__ == "__main__":
    main()
