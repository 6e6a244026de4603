"""`evolve(graph, evo)`: skillevo around any compiled StateGraph, plus tool and chat-model wrappers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool

from skillevo import Evolver
from skillevo._evolver import EpisodeContext, current_episode

from ._common import add_guidance, arun_tool_call, run_tool_call, task_text, tool_names

__all__ = ["EvolvingGraph", "evolve", "llm_complete", "with_guidance", "wrap_tools"]

_WRAPPED_TAG = "skillevo:wrapped"


class _ToolObserver(BaseCallbackHandler):
    """Records tool calls of an episode from LangChain callbacks (tools not wrapped by `wrap_tools`)."""

    raise_error = False
    run_inline = True

    def __init__(self, ep: EpisodeContext) -> None:
        self.ep = ep
        self._runs: dict[UUID, tuple[str, dict[str, Any]]] = {}

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if _WRAPPED_TAG in (tags or []):
            return
        name = str((serialized or {}).get("name") or kwargs.get("name") or "tool")
        args = dict(inputs) if isinstance(inputs, dict) else {"input": input_str}
        self.ep.before_tool(name, args)
        self._runs[run_id] = (name, args)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._runs.pop(run_id, None)
        if started is None:
            return
        name, args = started
        if isinstance(output, ToolMessage) and output.status == "error":
            self.ep.on_tool_error(name, args, output.text)
            return
        self.ep.on_tool_result(name, args, output.content if isinstance(output, BaseMessage) else output)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._runs.pop(run_id, None)
        if started is not None:
            self.ep._repair_after_error(started[0], started[1], error)  # observe only: a callback cannot retry


def _with_observer(config: RunnableConfig | None, ep: EpisodeContext) -> RunnableConfig:
    out = RunnableConfig(**(config or {}))
    callbacks = out.get("callbacks")
    observer = _ToolObserver(ep)
    if callbacks is None:
        out["callbacks"] = [observer]
    elif isinstance(callbacks, list):
        out["callbacks"] = [*callbacks, observer]
    else:  # a callback manager
        manager = callbacks.copy()
        manager.add_handler(observer, inherit=True)
        out["callbacks"] = manager
    return out


def _inject(input: Any, text: str) -> Any:
    """Put the guidance at the front of the input's ``messages`` (merged into a leading system message)."""
    if not text or not isinstance(input, dict) or not isinstance(input.get("messages"), list):
        return input
    messages = list(input["messages"])
    if messages and isinstance(messages[0], SystemMessage):
        messages[0] = add_guidance(messages[0], text)
    else:
        messages.insert(0, SystemMessage(content=text))
    return {**input, "messages": messages}


class EvolvingGraph(Runnable[Any, Any]):
    """A compiled graph run under skillevo: one episode per invocation (see `evolve`)."""

    def __init__(
        self,
        graph: Runnable[Any, Any],
        evo: Evolver,
        reward: Callable[[Any], float] | None = None,
        *,
        tools: Sequence[str] = (),
    ) -> None:
        self.graph = graph
        self.evo = evo
        self.reward = reward
        self.tools = list(tools)
        self.last_episode_id: str | None = None

    def _start(self, input: Any) -> EpisodeContext:
        messages = input.get("messages") if isinstance(input, dict) else None
        return self.evo.episode(task=task_text(messages))

    def _reward(self, state: Any) -> float | None:
        return None if self.reward is None else float(self.reward(state))

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run the graph as one episode; guidance goes in front of ``messages``."""
        with self._start(input) as ep:
            self.last_episode_id = ep.id
            state = self.graph.invoke(
                _inject(input, ep.guidance(tools=self.tools)), _with_observer(config, ep), **kwargs
            )
            ep.finish(self._reward(state))
        return state

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Async `invoke`; the episode's store writes run in a worker thread."""
        async with self._start(input) as ep:
            self.last_episode_id = ep.id
            state = await self.graph.ainvoke(
                _inject(input, ep.guidance(tools=self.tools)), _with_observer(config, ep), **kwargs
            )
            await ep.afinish(self._reward(state))
        return state

    @staticmethod
    def _modes(kwargs: dict[str, Any], graph: Any) -> tuple[Any, list[str], bool]:
        mode = kwargs.pop("stream_mode", None) or getattr(graph, "stream_mode", "values")
        single = isinstance(mode, str)
        wanted = [mode] if single else list(mode)
        return mode, wanted, single

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        """Stream the graph's chunks unchanged; the final state (for the reward) is tracked on the side."""
        _, wanted, single = self._modes(kwargs, self.graph)
        modes = wanted if "values" in wanted else [*wanted, "values"]
        with self._start(input) as ep:
            self.last_episode_id = ep.id
            last: Any = None
            for chunk in self.graph.stream(
                _inject(input, ep.guidance(tools=self.tools)), _with_observer(config, ep), stream_mode=modes, **kwargs
            ):
                mode, data = chunk if isinstance(chunk, tuple) and len(chunk) == 2 else ("values", chunk)
                if mode == "values":
                    last = data
                if mode in wanted:
                    yield data if single else (mode, data)
            ep.finish(self._reward(last))

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        """Async `stream`."""
        _, wanted, single = self._modes(kwargs, self.graph)
        modes = wanted if "values" in wanted else [*wanted, "values"]
        async with self._start(input) as ep:
            self.last_episode_id = ep.id
            last: Any = None
            async for chunk in self.graph.astream(
                _inject(input, ep.guidance(tools=self.tools)), _with_observer(config, ep), stream_mode=modes, **kwargs
            ):
                mode, data = chunk if isinstance(chunk, tuple) and len(chunk) == 2 else ("values", chunk)
                if mode == "values":
                    last = data
                if mode in wanted:
                    yield data if single else (mode, data)
            await ep.afinish(self._reward(last))


def evolve(
    graph: Runnable[Any, Any], evo: Evolver, reward: Callable[[Any], float] | None = None, *, tools: Sequence[str] = ()
) -> EvolvingGraph:
    """Run any compiled ``StateGraph`` under skillevo.

    Each ``invoke`` / ``ainvoke`` / ``stream`` / ``astream`` (and each item of ``batch`` /
    ``abatch``) is one episode: tool calls, results and errors are observed through callbacks, the
    selected guidance is put in front of the input ``messages`` as a system message, and
    ``reward(final_state)`` finishes the episode. For repairs inside the graph, build its
    ``ToolNode`` from `wrap_tools`; for guidance on every model call, wrap the chat model with
    `with_guidance`. Both find the running episode through a context variable.

    Args:
        graph: the compiled graph (any Runnable whose input has ``messages``).
        evo: the Evolver.
        reward: ``fn(final_state) -> float`` in [0, 1], or ``None`` for a later ``evo.feedback``.
        tools: names of the graph's tools, so guidance about them is shown before the first call.
    """
    return EvolvingGraph(graph, evo, reward, tools=tools)


class _EvolvingTool(BaseTool):
    """A tool that applies the running episode's repairs (see `wrap_tools`)."""

    inner: BaseTool

    def _run(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - invoke is overridden
        raise NotImplementedError

    def _inner_config(self, config: RunnableConfig | None) -> RunnableConfig:
        out = RunnableConfig(**(config or {}))
        out["tags"] = [*(out.get("tags") or []), _WRAPPED_TAG]
        return out

    @staticmethod
    def _call(input: Any) -> dict[str, Any]:
        if isinstance(input, dict) and input.get("type") == "tool_call":
            return dict(input)
        return {"name": None, "args": input if isinstance(input, dict) else {"input": input}, "id": None}

    @staticmethod
    def _rebuild(input: Any, args: dict[str, Any]) -> Any:
        if isinstance(input, dict) and input.get("type") == "tool_call":
            return {**input, "args": args}
        return args if isinstance(input, dict) else args.get("input", args)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run the tool, with the current episode's repairs (unchanged outside an episode)."""
        ep = current_episode()
        if ep is None:
            return self.inner.invoke(input, config, **kwargs)
        call = {**self._call(input), "name": self.name}
        inner_config = self._inner_config(config)
        return run_tool_call(
            ep, call, lambda args: self.inner.invoke(self._rebuild(input, args), inner_config, **kwargs), catch=False
        )

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Async `invoke`."""
        ep = current_episode()
        if ep is None:
            return await self.inner.ainvoke(input, config, **kwargs)
        call = {**self._call(input), "name": self.name}
        inner_config = self._inner_config(config)

        async def execute(args: dict[str, Any]) -> Any:
            return await self.inner.ainvoke(self._rebuild(input, args), inner_config, **kwargs)

        return await arun_tool_call(ep, call, execute, catch=False)


def wrap_tools(tools: Sequence[BaseTool], evo: Evolver | None = None) -> list[BaseTool]:
    """Tools for a hand-built ``ToolNode`` that apply learned repairs of the running episode.

    Outside an episode (or with no matching skill) they behave exactly like the originals; their
    exceptions propagate as before, so the graph's own error handling is unchanged. `evo` is
    accepted for symmetry: the episode is found through a context variable set by `evolve`.
    """
    return [
        _EvolvingTool(
            name=t.name,
            description=t.description,
            args_schema=t.args_schema,
            return_direct=t.return_direct,
            response_format=t.response_format,
            inner=t,
        )
        for t in tools
    ]


class GuidedModel(Runnable[Any, Any]):
    """A chat model whose calls get the running episode's guidance in their system message."""

    def __init__(self, model: Runnable[Any, Any], tools: Sequence[str] = ()) -> None:
        self.model = model
        self.tools = list(tools)

    def _messages(self, input: Any) -> Any:
        ep = current_episode()
        if ep is None:
            return input
        if hasattr(input, "to_messages"):
            input = input.to_messages()
        if isinstance(input, str):
            input = [HumanMessage(content=input)]
        if not isinstance(input, list):
            return input
        text = ep.guidance(tools=self.tools)
        if not text:
            return input
        messages = list(input)
        if messages and isinstance(messages[0], SystemMessage):
            messages[0] = add_guidance(messages[0], text)
        else:
            messages.insert(0, SystemMessage(content=text))
        return messages

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> GuidedModel:
        """Bind tools on the wrapped model (their names select tool-specific guidance)."""
        return GuidedModel(self.model.bind_tools(tools, **kwargs), tool_names(tools))  # type: ignore[attr-defined]

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Call the model with guidance added."""
        return self.model.invoke(self._messages(input), config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Async `invoke`."""
        return await self.model.ainvoke(self._messages(input), config, **kwargs)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        """Stream the model's chunks with guidance added."""
        yield from self.model.stream(self._messages(input), config, **kwargs)

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        """Async `stream`."""
        async for chunk in self.model.astream(self._messages(input), config, **kwargs):
            yield chunk


def with_guidance(model: Runnable[Any, Any]) -> GuidedModel:
    """Wrap a chat model (or a tool-bound one) so each call carries the running episode's guidance."""
    return GuidedModel(model)


def llm_complete(chat_model: BaseChatModel | Runnable[Any, Any]) -> Callable[[str], str]:
    """A ``complete(prompt) -> text`` callable over a LangChain chat model, for ``LLMMiner``."""

    def complete(prompt: str) -> str:
        out = chat_model.invoke([HumanMessage(content=prompt)])
        return out.text if isinstance(out, BaseMessage) else str(out)

    return complete
