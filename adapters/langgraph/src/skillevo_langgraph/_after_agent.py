"""`SkillMiddleware(..., finish_on="after_agent")`: the episode ends in an ``after_agent`` node."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from skillevo.adapters import record_error

from ._middleware import _KEY, SkillMiddleware, SkillState

__all__ = ["AfterAgentSkillMiddleware"]


class AfterAgentSkillMiddleware(SkillMiddleware):
    """`SkillMiddleware(..., finish_on="after_agent")`: the episode ends in an ``after_agent`` node."""

    def after_agent(self, state: SkillState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Finish the run's episode with the reward of the final state."""
        try:
            ended: dict[str, Any] = dict(state)
            trace = self._trace_of(ended.get(_KEY))
            self._finish_state(ended)
        except Exception as exc:  # never the reason the run fails
            record_error(None, "after_agent", exc)
            return None
        self._emit_guarded(None, trace)
        return None

    async def aafter_agent(self, state: SkillState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Finish the run's episode; the store write and mining run in a worker thread."""
        try:
            ended: dict[str, Any] = dict(state)
            trace = self._trace_of(ended.get(_KEY))
            await self._afinish_state(ended)
        except Exception as exc:
            record_error(None, "after_agent", exc)
            return None
        await self._aemit_guarded(None, trace)
        return None
