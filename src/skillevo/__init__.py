"""skillevo: online skill evolution for agent frameworks.

Mine tool failures into testable trigger -> strategy skills, keep every version in a library, and
choose versions per call by Thompson sampling against a "no skill" arm.
"""

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
from ._library import SkillLibrary
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
from ._selection import Selector, ThompsonSelector
from ._store import SkillStore

__version__ = "0.1.0"

__all__ = [
    "NULL_ARM",
    "Applied",
    "ArgCondition",
    "ConfigError",
    "Episode",
    "Event",
    "EventKind",
    "LibraryError",
    "MinerError",
    "NotFoundError",
    "Origin",
    "PosteriorState",
    "Repair",
    "SandboxError",
    "SchemaVersionError",
    "Selector",
    "Skill",
    "SkillFormatError",
    "SkillLibrary",
    "SkillStore",
    "SkillVersion",
    "SkillevoError",
    "Strategy",
    "ThompsonSelector",
    "Trigger",
    "TriggerKind",
    "VersionStatus",
    "__version__",
]
