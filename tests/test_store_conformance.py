"""One suite, every backend: what any SkillStore must do."""

from __future__ import annotations

import threading

import pytest

from skillevo import (
    Episode,
    Event,
    EventKind,
    NotFoundError,
    Origin,
    PosteriorState,
    SkillevoError,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._actors import LIFECYCLE, own_decision
from skillevo._errors import StatusConflictError
from skillevo._models import Applied


def _add(store: SkillLibrary, name: str, tool: str = "book_flight", kind: TriggerKind = TriggerKind.TOOL_ERROR,
         status: VersionStatus = VersionStatus.ACTIVE) -> str:
    v = store.add_skill(name, Trigger(kind=kind, tool=tool), Strategy(guidance=f"guidance of {name}"),
                        description=f"about {name}", origin=Origin(miner="test", evidence=[1, 2]), status=status)
    return v.id


def test_add_skill_and_versions(store: SkillLibrary) -> None:
    vid = _add(store, "dates")
    assert vid == "dates@1"
    v2 = store.add_version("dates", Strategy(guidance="better"), parent=vid)
    assert v2.id == "dates@2" and v2.parent == "dates@1" and v2.status is VersionStatus.CANDIDATE
    skill = store.skill("dates")
    assert [v.id for v in skill.versions] == ["dates@1", "dates@2"]
    assert skill.status is VersionStatus.ACTIVE
    assert skill.versions[0].origin.evidence == [1, 2]
    assert store.version("dates@2").strategy.guidance == "better"
    with pytest.raises(SkillevoError, match="already exists"):
        _add(store, "dates")
    with pytest.raises(NotFoundError):
        store.skill("nope")
    with pytest.raises(NotFoundError):
        store.version("nope@1")
    with pytest.raises(NotFoundError):
        store.add_version("nope", Strategy(guidance="x"))


def test_status_changes_are_logged_and_nothing_is_deleted(store: SkillLibrary) -> None:
    vid = _add(store, "dates", status=VersionStatus.TESTING)
    store.set_status(vid, VersionStatus.ACTIVE, reason="won", actor=LIFECYCLE)
    store.set_status(vid, VersionStatus.RETIRED, reason="harmful")
    assert store.version(vid).status is VersionStatus.RETIRED
    log = [e for e in store.events(kind=EventKind.LIFECYCLE, version_id=vid)]
    assert [(e.data["from"], e.data["to"]) for e in log] == [(None, "testing"), ("testing", "active"),
                                                            ("active", "retired")]
    assert log[1].data["actor"] == "lifecycle" and log[2].data["reason"] == "harmful"
    assert store.skill("dates").status is VersionStatus.RETIRED
    assert [s.name for s in store.skills(status="retired")] == ["dates"]
    assert store.skills(status=VersionStatus.ACTIVE) == []


def test_match_is_by_kind_and_tool_with_globs(store: SkillLibrary) -> None:
    _add(store, "exact", tool="book_flight")
    _add(store, "any", tool="*")
    _add(store, "glob", tool="book_*")
    _add(store, "other", tool="cancel")
    _add(store, "before", tool="book_flight", kind=TriggerKind.BEFORE_TOOL)
    _add(store, "cand", tool="book_flight", status=VersionStatus.CANDIDATE)
    names = sorted(s.name for s in store.match(TriggerKind.TOOL_ERROR, "book_flight"))
    assert names == ["any", "exact", "glob"]
    assert sorted(s.name for s in store.match(TriggerKind.TOOL_ERROR, "cancel")) == ["any", "other"]
    assert [s.name for s in store.match(TriggerKind.BEFORE_TOOL, "book_flight")] == ["before"]
    cand = store.match(TriggerKind.TOOL_ERROR, "book_flight", statuses=[VersionStatus.CANDIDATE])
    assert [s.name for s in cand] == ["cand"]


def test_transaction_rolls_back_everything(store: SkillLibrary) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            _add(store, "a")
            store.set_meta("k", "v")
            store.log_events([Event(kind=EventKind.TOOL_CALL, tool="t")])
            raise RuntimeError("boom")
    assert store.skills() == []
    assert store.get_meta("k") is None
    assert store.count_events() == 0
    with store.transaction():
        _add(store, "a")
        with store.transaction():
            store.set_meta("k", "v")
    assert store.get_meta("k") == "v" and len(store.skills()) == 1


def test_failed_write_commits_nothing(store: SkillLibrary) -> None:
    _add(store, "a")
    before = store.count_events()
    with pytest.raises(SkillevoError):
        _add(store, "a")
    assert store.count_events() == before


def test_episodes_events_and_feedback(store: SkillLibrary) -> None:
    ep = Episode(task="book a flight", group_id="g1", policy_version="m@1",
                 applied=[Applied(key="dates", arm="dates@1", propensity=0.7)], metadata={"k": [1, "x"]})
    ids = store.save_episode(ep, [Event(kind=EventKind.TOOL_CALL, tool="book", data={"args": {"d": "1/2"}}),
                                  Event(kind=EventKind.TOOL_ERROR, tool="book", data={"error": "bad"})])
    assert len(ids) == 2 and ids[1] > ids[0]
    got = store.episode(ep.id)
    assert got == ep
    assert [e.episode_id for e in store.events(episode_id=ep.id)] == [ep.id, ep.id]
    assert store.events(kind=EventKind.TOOL_ERROR, tool="book")[0].data == {"error": "bad"}
    assert store.set_reward(ep.id, 0.5).reward == 0.5
    assert store.episode(ep.id).reward == 0.5
    with pytest.raises(NotFoundError):
        store.set_reward("missing", 1.0)
    assert store.count_episodes() == 1
    assert [e.id for e in store.episodes(group_id="g1")] == [ep.id]
    assert store.episodes(since=ep.started_at + 10) == []


def test_recorded_episodes_are_read_back_in_order_with_later_writes(store: SkillLibrary) -> None:
    eps = [Episode(task=f"task {i}", metadata={"i": i}) for i in range(5)]
    for i, ep in enumerate(eps):
        store.record_episode(ep, [Event(kind=EventKind.TOOL_CALL, tool="t", data={"i": i}),
                                  Event(kind=EventKind.TOOL_RESULT, tool="t", data={"i": i})])
    eps[0].metadata["i"] = "changed after recording"  # the record is a snapshot
    # A write after the records (here a delayed reward) applies on top of them.
    assert store.set_reward(eps[4].id, 0.25).reward == 0.25
    assert store.count_episodes() == 5
    assert store.episode(eps[0].id).metadata == {"i": 0}
    assert [e.data["i"] for e in store.events(kind=EventKind.TOOL_CALL)] == [0, 1, 2, 3, 4]
    assert {e.episode_id for e in store.events()} == {ep.id for ep in eps}
    store.flush()


def test_a_recorded_episode_is_part_of_an_open_transaction(store: SkillLibrary) -> None:
    kept, dropped = Episode(task="kept"), Episode(task="dropped")
    with store.transaction():
        store.record_episode(kept, [Event(kind=EventKind.TOOL_CALL, tool="t")])
    with pytest.raises(RuntimeError), store.transaction():
        store.record_episode(dropped, [Event(kind=EventKind.TOOL_CALL, tool="t")])
        raise RuntimeError("abort")
    assert [e.id for e in store.episodes()] == [kept.id]
    assert store.count_events() == 1


def test_event_queries_and_streaming(store: SkillLibrary) -> None:
    ids = store.log_events([Event(kind=EventKind.TOOL_CALL, tool=f"t{i % 3}", data={"i": i}) for i in range(25)])
    assert ids == sorted(ids) and len(set(ids)) == 25
    assert store.count_events(EventKind.TOOL_CALL) == 25
    assert [e.data["i"] for e in store.events(after_id=ids[19])] == [20, 21, 22, 23, 24]
    assert len(store.events(tool="t1")) == 8
    assert len(store.events(limit=5)) == 5
    streamed = [e.data["i"] for e in store.iter_events(after_id=ids[4], batch=7)]
    assert streamed == list(range(5, 25))


def test_posteriors_persist_and_update_atomically(store: SkillLibrary) -> None:
    vid = _add(store, "dates")
    store.put_posterior(PosteriorState(key="dates", arm=vid, alpha=3, beta=2, observations=3, extra={"m": 1}))
    v = store.version(vid)
    assert (v.alpha, v.beta, v.observations) == (3, 2, 3)

    def bump(state: PosteriorState) -> PosteriorState:
        return state.model_copy(update={"alpha": state.alpha + 1, "observations": state.observations + 1})

    threads = [threading.Thread(target=lambda: [store.update_posterior("dates", "null", bump) for _ in range(20)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (null,) = [p for p in store.posteriors("dates") if p.arm == "null"]
    assert null.alpha == 81 and null.observations == 80
    assert {p.arm for p in store.posteriors()} == {vid, "null"}


def test_meta(store: SkillLibrary) -> None:
    assert store.get_meta("watermark") is None
    store.set_meta("watermark", "12")
    store.set_meta("watermark", "13")
    assert store.get_meta("watermark") == "13"


def test_dump_load_roundtrip(store: SkillLibrary) -> None:
    vid = _add(store, "dates")
    store.add_version("dates", Strategy(guidance="v2"), parent=vid)
    store.put_posterior(PosteriorState(key="dates", arm=vid, alpha=4, beta=1))
    ep = Episode(task="t")
    store.save_episode(ep, [Event(kind=EventKind.TOOL_CALL, tool="x")])
    store.set_meta("a", "b")
    records = list(store.dump())
    copy = SkillLibrary(":memory:")
    counts = copy.load(records)
    # meta: "a" and the library's posterior epoch (its row written by schema migration 5)
    assert counts == {"skill": 1, "version": 2, "posterior": 1, "meta": 2, "episode": 1,
                      "event": store.count_events()}
    assert [r for r in copy.dump()] == records
    with pytest.raises(SkillevoError, match="not empty"):
        copy.load(records)
    new_id = copy.log_events([Event(kind=EventKind.TOOL_CALL)])[0]
    assert new_id > max(int(r["id"]) for k, r in records if k == "event")


def test_every_store_method_is_implemented(store: SkillLibrary) -> None:
    from skillevo import SkillStore

    for name, member in vars(SkillStore).items():
        if name in SkillStore.CONCRETE:
            continue
        if (callable(member) and not name.startswith("__")) or isinstance(member, property):
            assert getattr(type(store), name) is not member, f"{type(store).__name__} does not implement {name}"


def test_posterior_increments_are_atomic_and_resets_bump_the_epoch(store: SkillLibrary) -> None:
    from skillevo._learning_sql import PosteriorIncrement

    def credit() -> None:
        for i in range(25):
            store.increment_posterior(PosteriorIncrement(key="k", arm="a", reward=float(i % 2)))

    threads = [threading.Thread(target=credit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.increment_posterior(PosteriorIncrement(key="k", arm="b", reward=1.0))
    arms, counters = store.posterior_snapshot("k")
    a, _ = arms
    assert (a.arm, a.alpha, a.beta, a.observations, a.epoch) == ("a", 49.0, 53.0, 100.0, 0)
    assert counters["k"].steps == 101 and counters["k"].detections == 0
    # A decay step reaches every arm of the key; a detected change resets the key with a new epoch.
    store.increment_posterior(PosteriorIncrement(key="k", arm="b", reward=0.0, decay=0.5))
    arms, _ = store.posterior_snapshot("k")
    assert [(p.alpha, p.beta) for p in arms] == [(25.0, 27.0), (1.5, 2.0)]
    store.increment_posterior(PosteriorIncrement(key="k", arm="a", reward=1.0, reset=True))
    arms, counters = store.posterior_snapshot("k")
    assert [(p.alpha, p.beta, p.epoch) for p in arms] == [(1.0, 1.0, 1), (1.0, 1.0, 1)]
    assert arms[0].observations == 101 and counters["k"].detections == 1
    store.reset_posteriors("k", "b")
    assert [p.epoch for p in store.posterior_snapshot("k")[0]] == [1, 2]


def test_versions_carry_their_lifecycle_counters(store: SkillLibrary) -> None:
    vid = _add(store, "dates", status=VersionStatus.TESTING)
    for n in range(3):
        ep = Episode(task=f"t{n}")
        selection = [Event(kind=EventKind.SELECTION, version_id=vid), Event(kind=EventKind.SELECTION, version_id=vid)]
        if n == 2:
            store.record_episode(ep, selection)
        else:
            store.save_episode(ep, selection)
    assert store.version(vid).selected_episodes == 3  # distinct episodes, whichever way they were written
    assert not store.version(vid).pending_review
    store.log_events([Event(kind=EventKind.LIFECYCLE, version_id=vid, data={"pending": "promote"})])
    assert store.skill("dates").versions[0].pending_review
    store.set_status(vid, VersionStatus.ACTIVE, reason="ok", actor="reviewer", kind=EventKind.REVIEW)
    assert not store.version(vid).pending_review


def test_an_episode_write_is_atomic_and_returns_its_event_ids_in_order(store: SkillLibrary) -> None:
    vid = _add(store, "dates", status=VersionStatus.TESTING)
    events = [Event(kind=EventKind.TOOL_CALL, tool=f"t{i % 3}", data={"i": i}) for i in range(12)]
    events[4] = Event(kind=EventKind.SELECTION, version_id=vid, data={"i": 4})
    ep = Episode(task="t")
    ids = store.save_episode(ep, events)
    assert ids == sorted(ids) and len(set(ids)) == 12
    assert [(e.id, e.data["i"]) for e in store.events(episode_id=ep.id)] == list(zip(ids, range(12), strict=True))
    assert store.save_episode(Episode(task="no events")) == []
    # Two counters of one version (a selection, a pending promotion) in one episode: both kept.
    both = [Event(kind=EventKind.SELECTION, version_id=vid),
            Event(kind=EventKind.LIFECYCLE, version_id=vid, data={"pending": "promote"})]
    assert len(store.save_episode(Episode(task="both"), both)) == 2
    assert store.version(vid).selected_episodes == 2 and store.version(vid).pending_review
    before = (store.count_episodes(), store.count_events())
    with pytest.raises(RuntimeError), store.transaction():
        store.save_episode(Episode(task="rolled back"), events)
        raise RuntimeError("the block fails")
    assert (store.count_episodes(), store.count_events()) == before
    assert store.version(vid).selected_episodes == 2
    ep.reward = 0.25  # saved again: the episode row is replaced
    store.save_episode(ep, events[:1])
    assert store.episode(ep.id).reward == 0.25 and store.count_episodes() == before[0]


def test_a_conditional_status_change_is_taken_once(store: SkillLibrary) -> None:
    vid = _add(store, "dates", status=VersionStatus.TESTING)
    store.set_status(vid, VersionStatus.ACTIVE, reason="won", expected=VersionStatus.TESTING)
    for status in (VersionStatus.ACTIVE, VersionStatus.REJECTED):  # the same decision again, a stale one
        with pytest.raises(StatusConflictError, match="another process decided first"):
            store.set_status(vid, status, reason="decided on an old read", expected=VersionStatus.TESTING)
    with store.transaction():  # a refused change inside a transaction leaves the rest of it alone
        other = _add(store, "other", status=VersionStatus.CANDIDATE)
        with pytest.raises(StatusConflictError):
            store.set_status(vid, VersionStatus.RETIRED, reason="stale", expected=VersionStatus.TESTING)
    assert store.version(vid).status is VersionStatus.ACTIVE and store.version(other).status is VersionStatus.CANDIDATE
    log = store.events(kind=EventKind.LIFECYCLE, version_id=vid)
    assert [(e.data["from"], e.data["to"]) for e in log] == [(None, "testing"), ("testing", "active")]


def test_a_detected_change_resets_only_the_epoch_it_was_seen_in(store: SkillLibrary) -> None:
    from skillevo._learning_sql import PosteriorIncrement

    store.increment_posterior(PosteriorIncrement("k", "a", 1.0))
    store.increment_posterior(PosteriorIncrement("k", "b", 1.0))
    store.increment_posterior(PosteriorIncrement("k", "a", 0.0, reset=True, epoch=0))  # resets the key
    store.increment_posterior(PosteriorIncrement("k", "b", 1.0))
    store.increment_posterior(PosteriorIncrement("k", "a", 0.0, reset=True, epoch=0))  # on evidence before it
    arms, counters = store.posterior_snapshot("k")
    by_arm = {p.arm: (p.alpha, p.beta, p.epoch) for p in arms}
    assert counters["k"].detections == 1 and counters["k"].steps == 5
    assert by_arm == {"a": (1.0, 2.0, 1), "b": (2.0, 1.0, 1)}  # both updates since the reset count


def test_a_pending_review_is_logged_once_per_transition_by_racing_threads(store: SkillLibrary) -> None:
    from skillevo._lifecycle import _pending_event

    vid = store.add_skill("race", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t"), Strategy(guidance="Be brief."),
                          status=VersionStatus.TESTING).id
    wrote: list[bool] = []
    start = threading.Barrier(4)

    def announce() -> None:
        start.wait()
        with own_decision():  # as the lifecycle writes it
            wrote.append(store.log_pending_review(_pending_event(vid, "null", 0.99)))

    threads = [threading.Thread(target=announce) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wrote) == [False, False, False, True]
    assert len([e for e in store.events(kind=EventKind.LIFECYCLE) if e.data.get("pending")]) == 1
    assert store.version(vid).pending_review
    other = store.add_version("race", Strategy(guidance="Be briefer."), status=VersionStatus.CANDIDATE).id
    with own_decision():
        assert not store.log_pending_review(_pending_event(other, "null", 0.99))  # not under test: nothing
