"""The LangSmith feedback reader, against a fake client implementing `FeedbackClient`."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage

from skillevo import NULL_ARM, ConfigError, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo_langgraph import FeedbackClient, SkillMiddleware, apply_langsmith_feedback

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy


class FakeLangSmith:
    """Serves stored feedback by run id, like ``langsmith.Client.list_feedback``, and logs the calls."""

    def __init__(self) -> None:
        self.feedback: list[SimpleNamespace] = []
        self.calls: list[dict[str, Any]] = []

    def add(self, run_id: str, score: Any, key: str = "user_score") -> None:
        self.feedback.append(SimpleNamespace(id=uuid.uuid4(), run_id=uuid.UUID(run_id), key=key, score=score))

    def list_feedback(self, *, run_ids: Sequence[Any] | None = None, **kwargs: Any) -> Iterable[Any]:
        self.calls.append({"run_ids": list(run_ids or []), **kwargs})
        wanted = {str(r) for r in run_ids or []}
        keys = kwargs.get("feedback_key")
        return iter([f for f in self.feedback if str(f.run_id) in wanted and (keys is None or f.key in keys)])


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _runs(lib: SkillLibrary, n: int) -> tuple[Evolver, list[str]]:
    lib.add_skill("tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be terse."), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    for _ in range(30):
        evo.selector.update("tone", "tone@1", 1.0)
        evo.selector.update("tone", NULL_ARM, 0.0)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[SkillMiddleware(evo, reward=None)])
    run_ids = [str(uuid.uuid4()) for _ in range(n)]
    for rid in run_ids:
        agent.invoke({"messages": [HumanMessage(content="book Oslo on 2025-03-04")]}, {"run_id": rid})
    return evo, run_ids


def _beta(lib: SkillLibrary) -> float:
    return {p.arm: p.beta for p in lib.posteriors("tone")}["tone@1"]


def test_scores_on_recorded_runs_become_rewards_once(lib: SkillLibrary) -> None:
    evo, runs = _runs(lib, 4)
    client = FakeLangSmith()
    assert isinstance(client, FeedbackClient)
    client.add(runs[0], 1)  # five stars
    client.add(runs[1], 3)
    client.add(runs[1], 5)  # two reviewers: the mean
    client.add(runs[2], None)  # a comment without a score
    client.add(str(uuid.uuid4()), 5)  # a run skillevo never saw
    beta = _beta(lib)
    report = apply_langsmith_feedback(evo, client, scale=(1, 5), batch=3)
    by_run = {lib.episode(e).metadata["run_id"]: r for e, r in report.applied.items()}
    assert by_run == {runs[0]: 0.0, runs[1]: 0.75}
    assert report.looked_up == 4 and report.ignored == 1
    assert [len(c["run_ids"]) for c in client.calls] == [3, 1]  # only recorded runs, in batches
    assert {r for c in client.calls for r in c["run_ids"]} == set(runs)
    rewards = {e.metadata["run_id"]: e.reward for e in lib.episodes()}
    assert rewards == {runs[0]: 0.0, runs[1]: 0.75, runs[2]: None, runs[3]: None}
    assert _beta(lib) == pytest.approx(beta + 1.0 + 0.25)  # credited like any delayed reward
    # The nightly job again: the rewarded episodes are not looked up or credited twice.
    client.add(runs[3], True, key="thumbs")
    again = apply_langsmith_feedback(evo, client, keys=["thumbs"])
    assert list(again.applied.values()) == [1.0] and again.looked_up == 2
    assert client.calls[-1]["feedback_key"] == ["thumbs"]


def test_since_limits_the_episodes_read(lib: SkillLibrary) -> None:
    evo, runs = _runs(lib, 2)
    client = FakeLangSmith()
    for rid in runs:
        client.add(rid, 1.0)
    later = datetime.fromtimestamp(time.time() + 60, UTC)
    assert apply_langsmith_feedback(evo, client, since=later).applied == {}
    assert client.calls == []
    assert len(apply_langsmith_feedback(evo, client, since=0.0).applied) == 2


def test_bad_arguments_and_a_failing_client(lib: SkillLibrary) -> None:
    evo, _ = _runs(lib, 1)
    for bad in ({"scale": (5, 1)}, {"batch": 0}, {"since": "yesterday"}):
        with pytest.raises(ConfigError):
            apply_langsmith_feedback(evo, FakeLangSmith(), **bad)  # type: ignore[arg-type]

    class Down(FakeLangSmith):
        def list_feedback(self, *, run_ids: Sequence[Any] | None = None, **kwargs: Any) -> Iterable[Any]:
            raise ConnectionError("LangSmith is down")

    report = apply_langsmith_feedback(evo, Down())
    assert report.applied == {} and report.ignored == 1 and lib.episodes()[0].reward is None


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"client": None}, id="no-client"),
        pytest.param({"client": object()}, id="not-a-client"),
        pytest.param({"evo": "evo"}, id="evo-text"),
        pytest.param({"scale": ("a", "b")}, id="scale-text"),
        pytest.param({"scale": 5}, id="scale-number"),
        pytest.param({"scale": (1, 2, 3)}, id="scale-three"),
        pytest.param({"batch": "10"}, id="batch-text"),
        pytest.param({"batch": True}, id="batch-bool"),
        pytest.param({"keys": "user_score"}, id="keys-text"),
        pytest.param({"keys": [1]}, id="keys-numbers"),
    ],
)
def test_an_argument_of_the_wrong_kind_is_one_config_error_even_with_nothing_to_look_up(
    lib: SkillLibrary, bad: dict[str, Any]
) -> None:
    # With no episode to look up, a None client was accepted (and failed only on the first night
    # there was one); a scale of text was a ValueError, a batch of text a TypeError, and keys
    # "user_score" asked for the feedback keys "u", "s", "e", ...
    evo = Evolver(lib, miner=None, seed=0)
    args: dict[str, Any] = {"evo": evo, "client": FakeLangSmith(), **bad}
    with pytest.raises(ConfigError) as info:
        apply_langsmith_feedback(args.pop("evo"), args.pop("client"), **args)
    assert "\n" not in str(info.value)
