"""Running the demo world: episodes, the policy upgrade, metrics, the block table and the plot.

Two drivers share everything here:

* `run_neutral` drives skillevo's framework-neutral episode API directly (what the learning
  benchmark uses: fast, no agent framework);
* `skillevo.demo._langgraph.run_langgraph` runs the same episodes through a LangChain v1 agent
  (``create_agent`` + ``SkillMiddleware``), which is what ``skillevo demo`` shows.

Both call tools the way the adapters do: pre-emptive repair, then repair-and-retry on an error.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._guidance import estimate_tokens
from .._models import Strategy, Trigger, TriggerKind
from ._policy import POLICY_V1, POLICY_V2, EpisodePolicy, SimPolicy
from ._tasks import Task, make_task
from ._world import ToolError, World, WorldConfig

if TYPE_CHECKING:
    from .._evolver import EpisodeContext, Evolver

__all__ = [
    "AUTHORED_SKILLS",
    "BASE_PROMPT",
    "EpisodeResult",
    "Notes",
    "add_authored_skills",
    "block_table",
    "execute_call",
    "plot_curves",
    "run_neutral",
    "summarize",
]

BASE_PROMPT = (
    "You are the support agent of a travel and outdoor-gear company. Use the tools to carry out the "
    "customer's request exactly, then reply with one short sentence."
)

MAX_TURNS = 30
MAX_REPAIRED_RETRIES = 5

#: Skills a team writes by hand, for failures no miner can see (no error message): tested like any other.
AUTHORED_SKILLS: list[dict[str, Any]] = [
    {
        "name": "list-orders-read-every-page",
        "description": "list_orders is paginated; a customer's history spans several pages.",
        "trigger": Trigger(kind=TriggerKind.BEFORE_TOOL, tool="list_orders", task_pattern=r"\border"),
        "strategy": Strategy(
            guidance=(
                "`list_orders` returns 5 orders per page. When searching or counting a customer's orders, "
                "call it again with page=next_page until next_page is null. DON'T conclude from page 1 alone."
            )
        ),
    }
]


def add_authored_skills(evo: Evolver) -> list[str]:
    """Store the hand-written skills as candidates and start their tests; returns their version ids."""
    from .._errors import NotFoundError
    from .._models import Origin

    ids = []
    for spec in AUTHORED_SKILLS:
        try:
            evo.store.skill(spec["name"])
            continue
        except NotFoundError:
            pass
        version = evo.store.add_skill(
            spec["name"],
            spec["trigger"],
            spec["strategy"],
            description=spec["description"],
            origin=Origin(miner="manual", note="hand-written by the team (docs/demo.md)"),
        )
        evo.lifecycle.start(version.id)
        ids.append(version.id)
    evo.invalidate()
    return ids


@dataclass
class EpisodeResult:
    """The outcome and costs of one episode."""

    index: int
    template: str
    family: str
    policy: str
    success: bool
    failed_calls: int
    tool_calls: int
    model_turns: int
    prompt_tokens: int  # extra system-prompt tokens (guidance or notes), summed over model turns
    gave_up: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON)."""
        return asdict(self)


class Notes:
    """The naive-memory baseline (Reflexion-style): the last `k` error messages, shown as notes."""

    def __init__(self, k: int = 5, max_chars: int = 300) -> None:
        self.k = k
        self.max_chars = max_chars
        self.items: deque[str] = deque(maxlen=k)

    def add(self, tool: str, message: str) -> None:
        """Remember one failed call."""
        text = " ".join(message.split())[: self.max_chars]
        self.items.append(f"{tool} failed: {text}")

    def text(self) -> str:
        """The notes block ("" when empty)."""
        if not self.items:
            return ""
        return "Notes from earlier mistakes:\n" + "\n".join(f"- {t}" for t in self.items)


@dataclass
class _Counters:
    failed: int = 0
    calls: int = 0


def execute_call(
    world: World,
    ep: EpisodeContext | None,
    name: str,
    args: dict[str, Any],
    key: Any,
    counters: _Counters,
    notes: Notes | None = None,
) -> tuple[str, bool]:
    """One tool call as an adapter runs it: pre-emptive repair, the call, repair-and-retry on error.

    Returns:
        (content the model sees, whether it is an error).
    """
    if ep is not None:
        args = ep.before_tool(name, args)
    for attempt in range(MAX_REPAIRED_RETRIES + 1):
        counters.calls += 1
        try:
            out = world.call(name, args, attempt_key=(key, attempt))
        except ToolError as exc:
            counters.failed += 1
            if notes is not None:
                notes.add(name, str(exc))
            retry = ep.on_tool_error(name, args, exc) if ep is not None else None
            if retry is None:
                return f"Error: {exc}", True
            args = retry
            continue
        if ep is not None:
            ep.on_tool_result(name, args, out)
        return out, False
    return "Error: too many retries", True


def run_episode(
    world: World,
    config: SimPolicy,
    task: Task,
    index: int,
    seed: int,
    ep: EpisodeContext | None = None,
    notes: Notes | None = None,
) -> EpisodeResult:
    """Run one task with the framework-neutral driver; finishes `ep` with the task's reward."""
    rng = random.Random(f"policy|{seed}|{index}")
    policy = EpisodePolicy(config, task, rng)
    counters = _Counters()
    prompt_tokens = 0
    results: list[tuple[str, bool]] = []
    final = None
    for _turn in range(MAX_TURNS):
        extra = ep.guidance(tools=world.tools) if ep is not None else ""
        if notes is not None:
            note_text = notes.text()
            extra = f"{extra}\n\n{note_text}" if extra and note_text else (extra or note_text)
        tokens = estimate_tokens(extra) if extra else 0
        prompt_tokens += tokens
        action = policy.act(extra, results, tokens)
        if action.final is not None:
            final = action
            break
        results = [
            execute_call(world, ep, name, args, (seed, index, counters.calls), counters, notes)
            for name, args in action.calls
        ]
    success = bool(task.verify(world))
    if ep is not None:
        ep.finish(reward=1.0 if success else 0.0)
    return EpisodeResult(
        index=index,
        template=task.template,
        family=task.family,
        policy=config.version,
        success=success,
        failed_calls=counters.failed,
        tool_calls=counters.calls,
        model_turns=policy.turns,
        prompt_tokens=prompt_tokens,
        gave_up=bool(final is not None and final.failed),
    )


def run_neutral(
    episodes: int,
    seed: int,
    evo_for: Callable[[int], Evolver | None] | None = None,
    *,
    upgrade_at: int | None = None,
    announce: bool = False,
    notes: Notes | None = None,
    world_config: WorldConfig | None = None,
    on_episode: Callable[[EpisodeResult], None] | None = None,
) -> list[EpisodeResult]:
    """Run `episodes` tasks; at `upgrade_at` the policy becomes v2 and the API migrates to v2.

    Args:
        evo_for: the Evolver to use for episode i (None: no skillevo).
        announce: set the Evolver's `policy_version` at the upgrade (an announced change); by
            default the upgrade is silent.
        notes: the naive-memory baseline's notes (None: no notes).
    """
    world = World(seed, world_config or WorldConfig())
    config = POLICY_V1
    out: list[EpisodeResult] = []
    for i in range(episodes):
        evo = evo_for(i) if evo_for is not None else None
        if upgrade_at is not None and i == upgrade_at:
            world.set_api_version("v2")
            config = POLICY_V2
        if evo is not None and announce and evo.policy_version != config.version:
            evo.policy_version = config.version
        task = make_task(world, i, seed)
        if evo is not None:
            # skillevo sees the task text and, through the episode API, tool calls and their outcomes.
            with evo.episode(task=task.text) as ep:
                result = run_episode(world, config, task, i, seed, ep, notes)
        else:
            result = run_episode(world, config, task, i, seed, None, notes)
        out.append(result)
        if on_episode is not None:
            on_episode(result)
    return out


# ---------------------------------------------------------------------------- reporting


def summarize(results: Sequence[EpisodeResult]) -> dict[str, float]:
    """Success rate and mean costs per episode."""
    n = max(1, len(results))
    return {
        "episodes": float(len(results)),
        "success": sum(r.success for r in results) / n,
        "failed_calls": sum(r.failed_calls for r in results) / n,
        "model_turns": sum(r.model_turns for r in results) / n,
        "prompt_tokens": sum(r.prompt_tokens for r in results) / max(1, sum(r.model_turns for r in results)),
    }


def block_table(runs: Mapping[str, Sequence[EpisodeResult]], block: int = 50) -> tuple[list[str], list[list[str]]]:
    """Rows per block of `block` episodes: success rate, failed calls and model turns per episode.

    Each metric cell holds the runs' values in the order of `runs`, joined by " -> " (so
    ``{"without": ..., "with": ...}`` reads "without -> with").
    """
    header = ["episodes", "policy", "success", "failed calls/ep", "model turns/ep"]
    total = max(len(r) for r in runs.values())
    rows: list[list[str]] = []
    for start in range(0, total, block):
        end = min(total, start + block)
        first = next(iter(runs.values()))[start:end]
        policies = list(dict.fromkeys(r.policy for r in first))
        row = [f"{start + 1}-{end}", "->".join(f"v{p.rsplit('@', 1)[-1]}" for p in policies)]
        sums = [summarize(res[start:end]) for res in runs.values()]
        row.append(" -> ".join(f"{s['success']:.0%}" for s in sums))
        row.append(" -> ".join(f"{s['failed_calls']:.2f}" for s in sums))
        row.append(" -> ".join(f"{s['model_turns']:.2f}" for s in sums))
        rows.append(row)
    return header, rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def plot_curves(
    runs: Mapping[str, Sequence[EpisodeResult]], path: Path, *, window: int = 25, upgrade_at: int | None = None
) -> Path:
    """Rolling success, failed calls and model turns per episode for each run, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    metrics: list[tuple[str, str, Callable[[EpisodeResult], float]]] = [
        ("success", "success rate", lambda r: float(r.success)),
        ("failed", "failed tool calls / episode", lambda r: float(r.failed_calls)),
        ("turns", "model turns / episode", lambda r: float(r.model_turns)),
    ]
    for ax, (_, title, get) in zip(axes, metrics, strict=True):
        for name, res in runs.items():
            values = [get(r) for r in res]
            smooth: list[float] = []
            for i in range(len(values)):
                lo = max(0, i - window + 1)
                smooth.append(sum(values[lo : i + 1]) / (i + 1 - lo))
            ax.plot(range(1, len(values) + 1), smooth, label=name)
        if upgrade_at is not None:
            ax.axvline(upgrade_at + 0.5, color="grey", linestyle="--", linewidth=1)
            ax.text(upgrade_at + 2, ax.get_ylim()[1], "policy upgrade", va="top", fontsize=8, color="grey")
        ax.set_title(f"{title} (rolling {window})")
        ax.set_xlabel("episode")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
