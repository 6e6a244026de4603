"""`skillevo.__all__` is the public contract: a change to it must be deliberate."""

from __future__ import annotations

import skillevo

EXPECTED = sorted(skillevo.__all__)


def test_all_names_exist() -> None:
    for name in skillevo.__all__:
        assert hasattr(skillevo, name), name


def test_public_surface_is_pinned() -> None:
    pinned = {
        "NULL_ARM", "Applied", "ArgCondition", "ConfigError", "Episode", "Event", "EventKind", "LibraryError",
        "MinerError", "NotFoundError", "Origin", "PosteriorState", "Repair", "SandboxError", "SchemaVersionError",
        "Skill", "SkillFormatError", "SkillLibrary", "SkillStore", "SkillVersion", "SkillevoError", "Strategy",
        "Trigger", "TriggerKind", "VersionStatus", "__version__",
    }
    assert pinned <= set(skillevo.__all__)
    assert set(skillevo.__all__) == set(PUBLIC)


PUBLIC = [
    "Applied", "ArgCondition", "CheckResult", "ConfigError", "Episode", "EpisodeContext", "Event",
    "EventKind", "Evolver", "Failure", "GroupContext", "LLMMiner", "LibraryError", "Lifecycle",
    "LifecycleConfig", "Miner", "MinerError", "NULL_ARM", "NotFoundError", "Origin", "PosteriorState",
    "ProcessSandbox", "Proposal", "Repair", "RuleMiner", "Sandbox", "SandboxError", "SchemaVersionError",
    "Selector", "Skill", "SkillFormatError", "SkillLibrary", "SkillStore", "SkillVersion", "SkillevoError",
    "Strategy", "ThompsonSelector", "Transition", "Trigger", "TriggerKind", "VersionStatus", "__version__",
    "check_proposal", "detect_failure", "error_signature", "quote_untrusted", "redact",
    # the nightly job, its config and the library diff (issue 8)
    "LibraryDiff", "PolicyConfig", "SkillevoConfig", "TrainLockedError", "TrainReport", "library_diff",
    "load_config", "run_train",
]
