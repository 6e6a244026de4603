"""Tool and chat-model wrappers that apply the running episode's repairs and guidance inside a graph."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any
from uuid import UUID, uuid4

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool

from skillevo import ConfigError, Evolver
from skillevo.adapters import (
    EpisodeContext,
    current_episode,
    declare_tools,
    guidance_for,
    record_error,
    record_tool_error,
)

from ._common import add_guidance, arun_tool_call, injected_of, run_tool_call, tool_names
from ._trace import aemit, emit, mark_repairs, trace_of

__all__ = ["GuidedModel", "llm_complete", "with_guidance", "with_observer", "wrap_tools"]

#: the run ids of the calls `wrap_tools` makes to its tools: the observer leaves those to the
#: wrapper, which records them itself (a tag would tell them apart too, but the tool reads its
#: config's tags: it must get the ones it would get without skillevo)
_wrapped_runs: set[UUID] = set()


def _own_run(config: RunnableConfig, first: bool) -> tuple[RunnableConfig, UUID | None]:
    """`config` for one call of a wrapped tool: its run id (the caller's on the first call, a new
    one on a repaired retry), registered for the observer to skip. Never raises (the config as it
    came, None: the observer records the call too)."""
    try:
        given = config.get("run_id") if first else None
        run_id = given if isinstance(given, UUID) else uuid4()
        _wrapped_runs.add(run_id)
        return RunnableConfig(**{**config, "run_id": run_id}), run_id
    except Exception:
        return config, None


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
        if run_id in _wrapped_runs:
            return
        name = str((serialized or {}).get("name") or kwargs.get("name") or "tool")
        args = dict(inputs) if isinstance(inputs, dict) else {"input": input_str}
        try:
            with _observing(self.ep):
                self.ep.before_tool(name, args)
        except Exception as exc:
            record_error(self.ep, f"before_tool({name})", exc)
        self._runs[run_id] = (name, args)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._runs.pop(run_id, None)
        if started is None:
            return
        name, args = started
        try:
            if isinstance(output, ToolMessage) and output.status == "error":
                with _observing(self.ep):
                    record_tool_error(self.ep, name, args, output.text)  # observe only: a callback cannot retry
                return
            self.ep.on_tool_result(name, args, output.content if isinstance(output, BaseMessage) else output)
        except Exception as exc:
            record_error(self.ep, f"on_tool_result({name})", exc)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._runs.pop(run_id, None)
        if started is None:
            return
        try:
            with _observing(self.ep):
                record_tool_error(self.ep, started[0], started[1], error)  # observe only: a callback cannot retry
        except Exception as exc:
            record_error(self.ep, f"on_tool_error({started[0]})", exc)


def _observing(ep: EpisodeContext) -> contextlib.AbstractContextManager[None]:
    trace = trace_of(ep)
    return trace.observing() if trace is not None else contextlib.nullcontext()


def with_observer(config: RunnableConfig | None, ep: EpisodeContext) -> RunnableConfig:
    """`config` with a callback handler that records the episode's tool calls (tools not wrapped)."""
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


class _EvolvingTool(BaseTool):
    """A tool that applies the running episode's repairs (see `wrap_tools`)."""

    inner: BaseTool

    def _run(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - invoke is overridden
        raise NotImplementedError

    def _inner_config(self, config: RunnableConfig | None) -> RunnableConfig:
        return RunnableConfig(**(config or {}))

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

    def _prepared(self, ep: EpisodeContext, input: Any, config: RunnableConfig | None) -> tuple[Any, ...] | None:
        """(the call, the inner tool's config, its original arguments, its injected parameters), or
        None when skillevo cannot read the call (it then runs unobserved)."""
        try:
            declare_tools(ep.evo, [self.inner])
            call = {**self._call(input), "name": self.name}
            return call, self._inner_config(config), call.get("args"), injected_of(self.inner)
        except Exception as exc:
            record_error(ep, f"tool call({self.name})", exc)
            return None

    def _marked(self, ep: EpisodeContext, result: Any) -> tuple[Any, list[Any]]:
        """The result with what a repair changed, and the trace records to dispatch (never raises:
        on an error of skillevo's, the tool's result as it came)."""
        try:
            trace = trace_of(ep)
            if trace is None:
                return result, []
            return mark_repairs(result, trace, self.name), trace.drain()
        except Exception as exc:
            record_error(ep, f"tool result({self.name})", exc)
            return result, []

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run the tool, with the current episode's repairs (unchanged outside an episode)."""
        ep = current_episode()
        prepared = self._prepared(ep, input, config) if ep is not None else None
        if ep is None or prepared is None:
            return self.inner.invoke(input, config, **kwargs)
        call, inner_config, original, injected = prepared
        calls: list[UUID | None] = []

        def execute(args: Any) -> Any:
            run_config, run_id = _own_run(inner_config, not calls)
            calls.append(run_id)
            try:
                rebuilt = input if args is original else self._rebuild(input, args)
                return self.inner.invoke(rebuilt, run_config, **kwargs)
            finally:
                _wrapped_runs.discard(run_id)

        result, records = self._marked(ep, run_tool_call(ep, call, execute, injected=injected))
        _guarded(ep, emit, records)
        return result

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Async `invoke`."""
        ep = current_episode()
        prepared = self._prepared(ep, input, config) if ep is not None else None
        if ep is None or prepared is None:
            return await self.inner.ainvoke(input, config, **kwargs)
        call, inner_config, original, injected = prepared
        calls: list[UUID | None] = []

        async def execute(args: Any) -> Any:
            rebuilt = input if args is original else self._rebuild(input, args)
            run_config, run_id = _own_run(inner_config, not calls)
            calls.append(run_id)
            try:
                return await self.inner.ainvoke(rebuilt, run_config, **kwargs)
            finally:
                _wrapped_runs.discard(run_id)

        result, records = self._marked(ep, await arun_tool_call(ep, call, execute, injected=injected))
        await _aguarded(ep, aemit, records)
        return result


def _guarded(ep: EpisodeContext | None, send: Callable[..., Any], records: list[Any], *args: Any) -> None:
    """Dispatch trace records; an error of skillevo's is recorded, never raised into the run."""
    if records:
        try:
            send(records, *args)
        except Exception as exc:
            record_error(ep, "trace events", exc)


async def _aguarded(ep: EpisodeContext | None, send: Callable[..., Any], records: list[Any], *args: Any) -> None:
    if records:
        try:
            await send(records, *args)
        except Exception as exc:
            record_error(ep, "trace events", exc)


def wrap_tools(tools: Sequence[BaseTool], evo: Evolver | None = None) -> list[BaseTool]:
    """Tools for a hand-built ``ToolNode`` that apply learned repairs of the running episode.

    Outside an episode (or with no matching skill) they behave exactly like the originals; their
    exceptions propagate as before, so the graph's own error handling is unchanged. `evo` is
    accepted for symmetry: the episode is found through a context variable set by `evolve`.
    """
    if evo is not None and not isinstance(evo, Evolver):
        raise ConfigError(f"wrap_tools: evo must be a skillevo.Evolver or None (got {type(evo).__name__})")
    if isinstance(tools, str | bytes) or not isinstance(tools, Sequence):
        raise ConfigError(f"wrap_tools: expected a list of LangChain tools (got {type(tools).__name__})")
    for i, t in enumerate(tools):
        if not isinstance(t, BaseTool):
            raise ConfigError(
                f"wrap_tools: tools[{i}] is a {type(t).__name__}, not a LangChain BaseTool "
                "(make a function one with langchain_core.tools.tool)"
            )
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
        try:
            return self._guided(ep, input)
        except Exception as exc:  # the model is called as without skillevo
            record_error(ep, "guidance", exc)
            return input

    def _guided(self, ep: EpisodeContext, input: Any) -> Any:
        messages = input.to_messages() if hasattr(input, "to_messages") else input
        if isinstance(messages, str):
            messages = [HumanMessage(content=messages)]
        if not isinstance(messages, list):
            return input
        trace = trace_of(ep)
        text = guidance_for(ep, self.tools or (trace.tools if trace is not None else ()))
        if not text:  # nothing to add: the model gets its input as it came
            return input
        messages = list(messages)
        if messages and isinstance(messages[0], SystemMessage):
            messages[0] = add_guidance(messages[0], text)
        else:
            messages.insert(0, SystemMessage(content=text))
        return messages

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> GuidedModel:
        """Bind tools on the wrapped model (their names select tool-specific guidance)."""
        return GuidedModel(self.model.bind_tools(tools, **kwargs), tool_names(tools))  # type: ignore[attr-defined]

    @staticmethod
    def _records() -> list[Any]:
        ep = current_episode()
        try:
            trace = trace_of(ep)
            return trace.drain() if trace is not None else []
        except Exception as exc:
            record_error(ep, "trace events", exc)
            return []

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Call the model with guidance added."""
        messages = self._messages(input)
        _guarded(current_episode(), emit, self._records(), config)
        return self.model.invoke(messages, config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Async `invoke`."""
        messages = self._messages(input)
        await _aguarded(current_episode(), aemit, self._records(), config)
        return await self.model.ainvoke(messages, config, **kwargs)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        """Stream the model's chunks with guidance added."""
        messages = self._messages(input)
        _guarded(current_episode(), emit, self._records(), config)
        yield from self.model.stream(messages, config, **kwargs)

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        """Async `stream`."""
        messages = self._messages(input)
        await _aguarded(current_episode(), aemit, self._records(), config)
        async for chunk in self.model.astream(messages, config, **kwargs):
            yield chunk


def with_guidance(model: Runnable[Any, Any]) -> GuidedModel:
    """Wrap a chat model (or a tool-bound one) so each call carries the running episode's guidance."""
    return GuidedModel(_runnable("with_guidance", model))


def _runnable(who: str, model: object) -> Runnable[Any, Any]:
    if not isinstance(model, Runnable):
        raise ConfigError(f"{who}: expected a LangChain chat model or Runnable (got {type(model).__name__})")
    return model


def llm_complete(chat_model: BaseChatModel | Runnable[Any, Any]) -> Callable[[str], str]:
    """A ``complete(prompt) -> text`` callable over a LangChain chat model, for ``LLMMiner``."""
    _runnable("llm_complete", chat_model)

    def complete(prompt: str) -> str:
        out = chat_model.invoke([HumanMessage(content=prompt)])
        return out.text if isinstance(out, BaseMessage) else str(out)

    return complete
