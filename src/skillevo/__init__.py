"""skillevo: online skill evolution for agent frameworks.

Mine tool failures into testable trigger -> strategy skills, keep every version in a library, and
choose versions per call by Thompson sampling against a "no skill" arm.

This module is what user code imports: the `Evolver` and its library, the configuration, the models
you construct or read (skills, triggers, strategies, repairs and their operations, episodes and
events), the default selector, miners and sandbox, the nightly job and the library diff, and the
errors. Public submodules: `skillevo.adapters` (the contract framework adapters implement),
`skillevo.extend` (the store, selector, miner and sandbox ABCs), `skillevo.testing` (scripted
models and fakes for your own tests), `skillevo.grpo` (the offline GRPO data). Modules whose names
start with ``_`` are private and change without notice.
"""

from . import _logsafe  # noqa: F401  (skillevo's loggers redact their records from the first import)
from ._config import PolicyConfig, SkillevoConfig, load_config
from ._diff import LibraryDiff, library_diff
from ._errors import (
    ConfigError,
    LibraryError,
    MinerError,
    NotFoundError,
    SandboxError,
    SandboxNotRun,
    SandboxUnavailable,
    SchemaVersionError,
    SkillevoError,
    SkillFormatError,
)
from ._evolver import EpisodeContext, Evolver, GroupContext, current_episode
from ._library import SkillLibrary
from ._lifecycle import LifecycleConfig
from ._llm_miner import LLMMiner
from ._mining import Miner, Proposal, RuleMiner
from ._models import (
    NULL_ARM,
    Affix,
    Applied,
    ArgCondition,
    ChangeCase,
    CoerceArg,
    ConformArg,
    DropArg,
    Episode,
    Event,
    EventKind,
    MapValue,
    Origin,
    Pad,
    PosteriorState,
    ReformatDate,
    RenameArg,
    Repair,
    Retry,
    SetArg,
    Skill,
    SkillVersion,
    Strategy,
    Strip,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from ._sandbox import ProcessSandbox, Sandbox
from ._selection import Selector, ThompsonSelector
from ._store import SkillStore
from ._surface import present_as
from ._train import TrainLockedError, TrainReport, run_train

__version__ = "0.1.0"

__all__ = [
    "NULL_ARM",
    "Affix",
    "Applied",
    "ArgCondition",
    "ChangeCase",
    "CoerceArg",
    "ConfigError",
    "ConformArg",
    "DropArg",
    "Episode",
    "EpisodeContext",
    "Event",
    "EventKind",
    "Evolver",
    "GroupContext",
    "LLMMiner",
    "LibraryDiff",
    "LibraryError",
    "LifecycleConfig",
    "MapValue",
    "Miner",
    "MinerError",
    "NotFoundError",
    "Origin",
    "Pad",
    "PolicyConfig",
    "PosteriorState",
    "ProcessSandbox",
    "Proposal",
    "ReformatDate",
    "RenameArg",
    "Repair",
    "Retry",
    "RuleMiner",
    "Sandbox",
    "SandboxError",
    "SandboxNotRun",
    "SandboxUnavailable",
    "SchemaVersionError",
    "Selector",
    "SetArg",
    "Skill",
    "SkillFormatError",
    "SkillLibrary",
    "SkillStore",
    "SkillVersion",
    "SkillevoConfig",
    "SkillevoError",
    "Strategy",
    "Strip",
    "ThompsonSelector",
    "TrainLockedError",
    "TrainReport",
    "Trigger",
    "TriggerKind",
    "VersionStatus",
    "__version__",
    "current_episode",
    "library_diff",
    "load_config",
    "run_train",
]

present_as(__name__, globals(), __all__)
