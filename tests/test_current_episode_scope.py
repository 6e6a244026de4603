"""`current_episode()` names the episode of the code that entered it, not of whoever runs next.

World: an episode is entered (``with evo.episode()``) inside a generator (a streaming wrapper around
an agent run) that yields while the block is open. A generator shares its caller's context, so
before 2026-12-07 the episode stayed current for the caller's unrelated code while the generator
was suspended (its tools and model calls recorded on, and guided by, another run), and leaving
the block later, out of order with the caller's own episode, reset the caller's context: the
caller's episode stopped being current in its own block, and a finished one became current after
it. Tasks and threads the generator starts inside the block (copied contexts) keep the episode
while it is suspended, as they did.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator, Iterator

from skillevo import Evolver, SkillLibrary, current_episode


def _evo() -> Evolver:
    return Evolver(SkillLibrary(":memory:"), miner=None, sandbox=None)


def test_a_suspended_generator_does_not_leave_its_episode_current_for_its_caller() -> None:
    evo = _evo()
    seen_inside: list[object] = []

    def stream() -> Iterator[int]:
        with evo.episode(task="streamed") as ep:
            for i in range(2):
                seen_inside.append(current_episode() is ep)
                yield i

    gen = stream()
    next(gen)
    assert current_episode() is None  # before: the generator's episode
    next(gen)
    assert current_episode() is None
    assert seen_inside == [True, True]
    gen.close()
    assert current_episode() is None


def test_a_generator_leaving_its_block_out_of_order_keeps_the_callers_episode() -> None:
    evo = _evo()

    def stream() -> Iterator[int]:
        with evo.episode(task="streamed"):
            yield 1

    gen = stream()
    next(gen)
    with evo.episode(task="caller") as mine:
        assert current_episode() is mine
        gen.close()  # the generator's block is left inside the caller's
        assert current_episode() is mine  # before: None
    assert current_episode() is None  # before: the generator's finished episode


def test_an_async_generator_does_not_leave_its_episode_current_for_its_task() -> None:
    evo = _evo()

    async def stream() -> AsyncIterator[int]:
        async with evo.episode(task="streamed") as ep:
            assert current_episode() is ep
            yield 1

    async def main() -> list[object]:
        agen = stream()
        await agen.__anext__()
        seen = [current_episode()]  # before: the generator's episode
        await agen.aclose()
        return [*seen, current_episode()]

    assert asyncio.run(main()) == [None, None]


def test_tasks_and_threads_started_inside_a_suspended_generators_block_keep_its_episode() -> None:
    evo = _evo()
    release = threading.Event()
    seen: dict[str, object] = {}
    started: list[threading.Thread] = []

    def stream() -> Iterator[object]:
        with evo.episode(task="streamed") as ep:
            ctx = contextvars.copy_context()  # as frameworks hand a run's context to a worker thread

            def worker() -> None:
                release.wait(30)
                seen["thread"] = current_episode()

            t = threading.Thread(target=ctx.run, args=(worker,))
            t.start()
            started.append(t)
            yield ep

    gen = stream()
    ep = next(gen)
    release.set()  # the worker reads while the generator is suspended
    started[0].join(30)
    assert seen["thread"] is ep
    gen.close()

    async def main() -> object:
        with evo.episode(task="outer") as outer:
            task = asyncio.create_task(asyncio.sleep(0, result=None))
            await task

            async def child() -> object:
                return current_episode()

            assert await asyncio.create_task(child()) is outer
            return outer

    assert asyncio.run(main()) is not None


def test_a_task_or_thread_outliving_the_block_that_started_it_sees_no_finished_episode() -> None:
    """A task (or a thread with a copied context) started inside the block and still running after
    it: before 2026-12-07 it found the finished episode current, and its calls went to a run that
    was over (2 of 2 here). Now it sees none."""
    evo = _evo()
    gate = threading.Event()
    seen: dict[str, object] = {}

    async def late() -> None:
        await asyncio.sleep(0)
        while not gate.is_set():
            await asyncio.sleep(0.01)
        seen["task"] = current_episode()

    def later() -> None:
        gate.wait(30)
        seen["thread"] = current_episode()

    async def main() -> None:
        with evo.episode(task="outer"):
            task = asyncio.create_task(late())
            thread = threading.Thread(target=contextvars.copy_context().run, args=(later,))
            thread.start()
        gate.set()  # the block is left: both go on
        await task
        thread.join(30)

    asyncio.run(main())
    assert seen == {"task": None, "thread": None}


def test_entering_from_a_thread_with_no_python_caller_raises_nothing() -> None:
    """``__enter__`` run with no Python frame above it (a thread's own target, a native callback).
    Before this fix reading the entry's frame raised ``ValueError`` out of ``__enter__``, with the
    entry already counted and the episode never made current."""
    import _thread
    import time

    evo = _evo()
    ep = evo.episode(task="native")
    ctx = contextvars.copy_context()
    _thread.start_new_thread(ctx.run, (ep.__enter__,))  # C calls C calls __enter__: no caller frame
    for _ in range(3000):  # until the thread is inside the entry (the context is not touched before)
        if ep._entered:
            break
        time.sleep(0.01)
    seen: object = "not read"
    for _ in range(3000):  # then until it has left the context (it makes that one call)
        try:
            seen = ctx.run(current_episode)
            break
        except RuntimeError:  # still entered by the thread
            time.sleep(0.01)
    assert seen is ep  # before: None (the entry raised before it was made current)
    ctx.run(ep.__exit__, None, None, None)


def test_a_context_manager_scope_inside_a_streaming_generator_is_not_current_for_its_caller() -> None:
    """A ``@contextmanager`` scope entered in a streaming generator: the generator's block, not its
    caller's code, is the run. The context manager's generator is climbed through to the frame of
    its ``with`` statement."""
    import contextlib

    evo = _evo()

    @contextlib.contextmanager
    def run_scope() -> Iterator[object]:
        with evo.episode(task="scoped") as ep:
            yield ep

    inside: list[bool] = []

    def stream() -> Iterator[int]:
        with run_scope() as ep:
            inside.append(current_episode() is ep)
            yield 1
            inside.append(current_episode() is ep)

    gen = stream()
    next(gen)
    outside = current_episode()
    gen.close()
    assert (outside, inside) == (None, [True])


def test_an_adapters_streaming_generator_does_not_leave_its_episode_current_for_its_caller() -> None:
    """`skillevo.adapters.use_episode` in a streaming generator (a graph wrapper's ``stream``), and
    through a ``@contextmanager`` of the adapter's own: before this fix its caller's code found the
    run's episode current between chunks (its own calls recorded on that run), as ``with
    evo.episode()`` did before 2026-12-07."""
    import contextlib

    from skillevo.adapters import use_episode

    evo = _evo()
    ep = evo.episode(task="graph run")

    @contextlib.contextmanager
    def running() -> Iterator[None]:
        with use_episode(ep):
            yield

    inside: list[bool] = []

    def stream(direct: bool) -> Iterator[int]:
        with use_episode(ep) if direct else running():
            inside.append(current_episode() is ep)
            yield 1
            inside.append(current_episode() is ep)
            yield 2

    seen = []
    for direct in (True, False):
        for _ in stream(direct):
            seen.append(current_episode())
    assert seen == [None] * 4  # before: the run's episode, each time
    assert inside == [True] * 4
    with use_episode(ep):  # a plain block: current in it, as always
        assert current_episode() is ep
    assert current_episode() is None
    ep.finish()
