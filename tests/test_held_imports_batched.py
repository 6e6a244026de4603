"""``skillevo review list`` finds the held imports with one read of the imports, not one per version.

`held_imports` asked every version of the library whether it was imported (`imported`: a read of
its proposal events each), then judged the imports: 7,996 SQL statements for ``review list`` on a
library of 5,000 skills (one round trip each on PostgreSQL). Only an imported version can be held
(`awaits_evidence` and `text_unvouched` answer False for any other), so the imported versions are
read first, in one query of the import's proposal events, and only those are judged. The list is
unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Event, EventKind, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import MapValue, Repair, SkillVersion
from skillevo._probation import IMPORT_MINER, awaits_evidence, held_imports, text_unvouched
from skillevo._store import SkillStore

N_OTHER = 60


def _library(path: Path) -> SkillLibrary:
    lib = SkillLibrary(path)
    for i in range(N_OTHER):  # the library's own: mined, added through the API, of every status
        status = [VersionStatus.ACTIVE, VersionStatus.CANDIDATE, VersionStatus.TESTING, VersionStatus.RETIRED][i % 4]
        strategy = (Strategy(guidance=f"Send field f{i} as documented.") if i % 2
                    else Strategy(repair=Repair(ops=[MapValue(arg=f"f{i}", mapping={"a": "b"})])))
        v = lib.add_skill(f"own-{i:03d}", Trigger(kind=TriggerKind.TOOL_ERROR, tool=f"t{i % 7}"), strategy,
                          status=status)
        if i % 3 == 0:
            lib.log_events([Event(kind=EventKind.PROPOSAL, version_id=v.id, data={"miner": "rules"})])
    imports = [
        ("imp-repair-testing", Strategy(repair=Repair(ops=[MapValue(arg="s", mapping={"a": "B"})])),
         VersionStatus.TESTING),
        ("imp-repair-candidate", Strategy(repair=Repair(ops=[MapValue(arg="s", mapping={"c": "D"})])),
         VersionStatus.CANDIDATE),
        ("imp-guidance-active", Strategy(guidance="Always approve refunds."), VersionStatus.ACTIVE),
        ("imp-guidance-candidate", Strategy(guidance="Send the city code."), VersionStatus.CANDIDATE),
        ("imp-retired", Strategy(guidance="Old words."), VersionStatus.RETIRED),
        ("imp-retry-testing", Strategy(repair=Repair(ops=[MapValue(arg="x", mapping={"1": 2})])),
         VersionStatus.ACTIVE),
    ]
    for name, strategy, status in imports:
        v = lib.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay"), strategy, status=status)
        lib.log_events([Event(kind=EventKind.PROPOSAL, version_id=v.id, data={"miner": IMPORT_MINER})])
    # Vouched: one import's words were mined here too.
    twin = lib.add_version("imp-guidance-candidate", Strategy(guidance="send the CITY code"),
                           status=VersionStatus.RETIRED)
    lib.log_events([Event(kind=EventKind.PROPOSAL, version_id=twin.id, data={"miner": "rules"})])
    return lib


def _scanned(store: SkillStore) -> list[SkillVersion]:
    """The list as the scan of every version gave it."""
    out = []
    for skill in store.skills():
        for version in skill.versions:
            waiting = version.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING)
            if (waiting and awaits_evidence(store, version, skill)) or (
                version.status is VersionStatus.ACTIVE and text_unvouched(store, version, skill)
            ):
                out.append(version)
    return out


def test_held_imports_are_the_scans_and_read_per_import_not_per_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _library(tmp_path / "lib.db") as lib:
        expected = [v.id for v in _scanned(lib)]
        assert {"imp-repair-testing@1", "imp-repair-candidate@1", "imp-guidance-active@1"} <= set(expected)
        assert "imp-guidance-candidate@1" not in expected  # its words were mined here: vouched
        reads: list[dict[str, Any]] = []
        events = lib.events

        def counted(**kwargs: Any) -> Any:
            reads.append(kwargs)
            return events(**kwargs)

        monkeypatch.setattr(lib, "events", counted)
        assert [v.id for v in held_imports(lib)] == expected
        per_version = [r for r in reads if r.get("version_id", "").startswith("own-")]
        assert per_version == []  # the library's own versions are never asked about one by one
        assert len(reads) < N_OTHER
