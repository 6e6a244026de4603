"""skillevo: online skill evolution for agent frameworks.

Mine tool failures into testable trigger -> strategy skills, keep every version in a library, and
choose versions per call by Thompson sampling against a "no skill" arm.
"""

from ._config import PolicyConfig, SkillevoConfig, load_config
from ._detect import Failure, detect_failure, error_signature
from ._diff import LibraryDiff, library_diff
from ._errors import (
    ConfigError,
    LibraryError,
    MinerError,
    NotFoundError,
    SandboxError,
    SchemaVersionError,
    SkillevoError,
    SkillFormatError,
)
from ._evolver import EpisodeContext, Evolver, GroupContext
from ._hygiene import quote_untrusted, redact
from ._library import SkillLibrary
from ._lifecycle import Lifecycle, LifecycleConfig, Transition
from ._llm_miner import LLMMiner
from ._mining import CheckResult, Miner, Proposal, RuleMiner, check_proposal
from ._models import (
    NULL_ARM,
    Applied,
    ArgCondition,
    Episode,
    Event,
    EventKind,
    Origin,
    PosteriorState,
    Repair,
    Skill,
    SkillVersion,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from ._sandbox import ProcessSandbox, Sandbox
from ._selection import Selector, ThompsonSelector
from ._store import SkillStore
from ._train import TrainLockedError, TrainReport, run_train

__version__ = "0.1.0"

__all__ = [
    "NULL_ARM",
    "Applied",
    "ArgCondition",
    "CheckResult",
    "ConfigError",
    "Episode",
    "EpisodeContext",
    "Event",
    "EventKind",
    "Evolver",
    "Failure",
    "GroupContext",
    "LLMMiner",
    "LibraryDiff",
    "LibraryError",
    "Lifecycle",
    "LifecycleConfig",
    "Miner",
    "MinerError",
    "NotFoundError",
    "Origin",
    "PolicyConfig",
    "PosteriorState",
    "ProcessSandbox",
    "Proposal",
    "Repair",
    "RuleMiner",
    "Sandbox",
    "SandboxError",
    "SchemaVersionError",
    "Selector",
    "Skill",
    "SkillFormatError",
    "SkillLibrary",
    "SkillStore",
    "SkillVersion",
    "SkillevoConfig",
    "SkillevoError",
    "Strategy",
    "ThompsonSelector",
    "TrainLockedError",
    "TrainReport",
    "Transition",
    "Trigger",
    "TriggerKind",
    "VersionStatus",
    "__version__",
    "check_proposal",
    "detect_failure",
    "error_signature",
    "library_diff",
    "load_config",
    "quote_untrusted",
    "redact",
    "run_train",
]
