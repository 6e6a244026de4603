"""`SkillMiddleware(..., finish_on="after_agent")`: the episode ends in an ``after_agent`` node."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from ._middleware import _KEY, SkillMiddleware, SkillState

__all__ = ["AfterAgentSkillMiddleware"]


class AfterAgentSkillMiddleware(SkillMiddleware):
    """`SkillMiddleware(..., finish_on="after_agent")`: the episode ends in an ``after_agent`` node."""

    def after_agent(self, state: SkillState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Finish the run's episode with the reward of the final state."""
        ended: dict[str, Any] = dict(state)
        trace = self._trace_of(ended.get(_KEY))
        self._finish_state(ended)
        if trace is not None and trace.pending:
            self._emit(trace)
        return None

    async def aafter_agent(self, state: SkillState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Finish the run's episode; the store write and mining run in a worker thread."""
        ended: dict[str, Any] = dict(state)
        trace = self._trace_of(ended.get(_KEY))
        await self._afinish_state(ended)
        if trace is not None and trace.pending:
            await self._aemit(trace)
        return None
