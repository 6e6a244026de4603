"""The demo world inside a LangChain v1 agent: ``create_agent`` + ``SkillMiddleware``.

Imported only by ``skillevo demo`` (it needs langchain and the ``skillevo-langgraph`` adapter).
The simulated policy plays the chat model (`SimulatedChatModel`, a ``BaseChatModel`` with
``bind_tools``); the world's tools are LangChain tools whose errors come back as error
``ToolMessage``s, exactly as a real agent sees them. The agent graph is compiled once per API
version, not per episode.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain.agents import create_agent
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import PrivateAttr

from .._guidance import estimate_tokens
from ._policy import POLICY_V1, POLICY_V2, EpisodePolicy, SimPolicy
from ._runner import BASE_PROMPT, MAX_TURNS, EpisodeResult
from ._tasks import Task, make_task
from ._world import TOOL_DOCS, ToolError, World, WorldConfig

if TYPE_CHECKING:
    from .._evolver import Evolver

__all__ = ["SimulatedChatModel", "make_tools", "run_langgraph"]


@dataclass
class _Session:
    policy: EpisodePolicy
    prompt_tokens: int = 0
    calls: int = 0


class SimulatedChatModel(BaseChatModel):
    """The simulated policy as a LangChain chat model.

    Each agent run is keyed by the id of its human message: `register` the run's `EpisodePolicy`
    under that id before invoking the agent. The model reads the system message (the extra text
    after the base prompt is what the policy's comprehension model sees), the tool results since
    its last turn, and answers with one tool call or a final answer.
    """

    _sessions: dict[str, _Session] = PrivateAttr(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "skillevo-simulated-policy"

    def register(self, message_id: str, policy: EpisodePolicy) -> None:
        """Attach the policy that plays the run started by human message `message_id`."""
        self._sessions[message_id] = _Session(policy)

    def session(self, message_id: str) -> _Session:
        """The state of one run."""
        return self._sessions[message_id]

    def forget(self, message_id: str) -> None:
        """Drop a finished run's state."""
        self._sessions.pop(message_id, None)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> SimulatedChatModel:
        """The policy knows the tools from its plans; binding changes nothing."""
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        system = next((m for m in messages if isinstance(m, SystemMessage)), None)
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        if human is None or human.id not in self._sessions:
            raise ValueError("SimulatedChatModel: no policy registered for this run")
        sess = self._sessions[human.id]
        text = system.text if system is not None else ""
        extra = text[len(BASE_PROMPT) :].strip() if text.startswith(BASE_PROMPT) else text
        tokens = estimate_tokens(extra) if extra else 0
        sess.prompt_tokens += tokens
        results: list[tuple[str, bool]] = []
        for m in reversed(messages):
            if not isinstance(m, ToolMessage):
                break
            results.insert(0, (m.text, m.status == "error"))
        action = sess.policy.act(extra, results, tokens)
        if action.final is not None:
            msg = AIMessage(content=action.final)
        else:
            calls = []
            for tool, args in action.calls:
                sess.calls += 1
                calls.append({"name": tool, "args": args, "id": f"call-{human.id}-{sess.calls}", "type": "tool_call"})
            msg = AIMessage(content="", tool_calls=calls)
        return ChatResult(generations=[ChatGeneration(message=msg)])


def make_tools(world: World) -> list[BaseTool]:
    """The world's tools as LangChain tools (JSON-schema arguments; the world validates them)."""
    tools: list[BaseTool] = []
    for name in world.tools:

        def run(_name: str = name, **kwargs: Any) -> str:
            try:
                return world.call(_name, kwargs)
            except ToolError as exc:
                raise ToolException(str(exc)) from None

        schema = world.schema(name).model_json_schema()
        schema["title"] = name
        tools.append(
            StructuredTool.from_function(
                func=run, name=name, description=TOOL_DOCS[name], args_schema=schema, handle_tool_error=True
            )
        )
    return tools


def run_langgraph(
    episodes: int,
    seed: int,
    evo: Evolver | None,
    *,
    upgrade_at: int | None = None,
    announce: bool = False,
    world_config: WorldConfig | None = None,
    on_episode: Callable[[EpisodeResult], None] | None = None,
) -> list[EpisodeResult]:
    """Run `episodes` tasks through ``create_agent`` (with ``SkillMiddleware`` when `evo` is given).

    At `upgrade_at` the policy becomes v2 and the API migrates to v2. With `announce`, the Evolver's
    ``policy_version`` is set then (an announced change: every posterior resets); otherwise the
    upgrade is silent and skillevo has to notice it from outcomes.
    """
    world = World(seed, world_config or WorldConfig())
    model = SimulatedChatModel()
    holder: dict[str, Any] = {}

    def reward(state: dict[str, Any]) -> float:
        task: Task = holder["task"]
        holder["success"] = bool(task.verify(world))
        return 1.0 if holder["success"] else 0.0

    middleware: list[Any] = []
    if evo is not None:
        try:
            from skillevo_langgraph import SkillMiddleware
        except ImportError as exc:  # pragma: no cover - the CLI checks first
            raise ImportError("skillevo demo needs the LangGraph adapter: pip install skillevo-langgraph") from exc
        middleware = [SkillMiddleware(evo, reward=reward)]

    def build() -> Any:
        return create_agent(model, make_tools(world), system_prompt=BASE_PROMPT, middleware=middleware)

    agent = build()
    config: SimPolicy = POLICY_V1
    out: list[EpisodeResult] = []
    for i in range(episodes):
        if upgrade_at is not None and i == upgrade_at:
            world.set_api_version("v2")
            config = POLICY_V2
            agent = build()
        if evo is not None and announce and evo.policy_version != config.version:
            evo.policy_version = config.version
        task = make_task(world, i, seed)
        holder["task"] = task
        holder.pop("success", None)
        mid = f"ep-{seed}-{i}"
        model.register(mid, EpisodePolicy(config, task, random.Random(f"policy|{seed}|{i}")))
        failures_before = world.failures
        calls_before = world.calls
        agent.invoke(
            {"messages": [HumanMessage(content=task.text, id=mid)]},
            # The task's family (one intent, several phrasings) is its group for `skillevo export grpo`.
            config={"recursion_limit": 4 * MAX_TURNS + 10, "metadata": {"skillevo_group_key": task.family}},
        )
        success = holder["success"] if "success" in holder else bool(task.verify(world))
        sess = model.session(mid)
        result = EpisodeResult(
            index=i,
            template=task.template,
            family=task.family,
            policy=config.version,
            success=success,
            failed_calls=world.failures - failures_before,
            tool_calls=world.calls - calls_before,
            model_turns=sess.policy.turns,
            prompt_tokens=sess.prompt_tokens,
        )
        model.forget(mid)
        out.append(result)
        if on_episode is not None:
            on_episode(result)
    return out
