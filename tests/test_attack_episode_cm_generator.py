"""An episode entered in a generator that a context manager drives is current in the caller's block.

World: a user wraps their runs in ``@contextmanager`` (or ``@asynccontextmanager``) helpers whose
generator enters ``with evo.episode()`` and yields the episode; the caller's ``with`` body runs the
agent. Since 2026-12-07 an episode entered in a suspended generator is hidden from the generator's
caller (a streaming wrapper's caller runs unrelated code), and a context manager's generator is
suspended for exactly the caller's block: ``current_episode()`` read None there, so the LangGraph
tools ran unrecorded and unrepaired (every call of the run lost). A generator resumed by a context
manager's ``__enter__``/``__aenter__`` hands its block to the caller's ``with`` body: the episode is
current there, as it was before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager

from skillevo import EpisodeContext, Evolver, SkillLibrary, current_episode


def _evo() -> Evolver:
    return Evolver(SkillLibrary(":memory:"), miner=None, sandbox=None)


def test_a_contextmanager_helpers_episode_is_current_in_the_callers_block() -> None:
    evo = _evo()

    @contextmanager
    def traced_run(task: str) -> Iterator[EpisodeContext]:
        with evo.episode(task=task) as ep:
            yield ep

    with traced_run("refund") as ep:
        assert current_episode() is ep  # before: None
    assert current_episode() is None
    with ExitStack() as stack:
        ep2 = stack.enter_context(traced_run("again"))
        assert current_episode() is ep2
    assert current_episode() is None


def test_an_asynccontextmanager_helpers_episode_is_current_in_the_callers_block() -> None:
    evo = _evo()

    @asynccontextmanager
    async def traced_run(task: str) -> AsyncIterator[EpisodeContext]:
        async with evo.episode(task=task) as ep:
            yield ep

    async def main() -> list[bool]:
        async with traced_run("refund") as ep:
            inside = current_episode() is ep  # before: False (None)
        return [inside, current_episode() is None]

    assert asyncio.run(main()) == [True, True]
