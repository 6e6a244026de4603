"""The data model: triggers, strategies, skills, versions, episodes and events (pydantic v2).

The SQLite and PostgreSQL tables mirror these models. Content that defines a version (its strategy,
parent and origin) is immutable; status and posterior change and every status change is an event.
"""

from __future__ import annotations

import fnmatch
import re
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from ._model_base import DATE_FORMAT_MAX_CHARS, STRIP_MAX_CHARS, Frozen, bounded_text, check_regex, new_id, now
from ._regex import search
from ._sanitize import clean_text
from ._units import SIGNS, is_currency, is_unit_word

__all__ = [
    "DATE_FORMAT_MAX_CHARS",
    "NULL_ARM",
    "SCHEMA_MINER",
    "STRIP_MAX_CHARS",
    "Affix",
    "Applied",
    "ArgCondition",
    "ChangeCase",
    "CoerceArg",
    "ConformArg",
    "DropArg",
    "Episode",
    "Event",
    "EventKind",
    "MapValue",
    "Origin",
    "Pad",
    "PosteriorState",
    "ReformatDate",
    "RenameArg",
    "Repair",
    "RepairOp",
    "Retry",
    "SetArg",
    "Skill",
    "SkillVersion",
    "Strategy",
    "Strip",
    "Trigger",
    "TriggerKind",
    "VersionStatus",
    "new_id",
]

#: The arm name of "apply nothing", which competes at every call site.
NULL_ARM = "null"
#: The miner name of the candidates drawn from a tool's declared schema (`_schema_repair`).
SCHEMA_MINER = "schema"

GUIDANCE_MAX_CHARS = 600
CODE_MAX_CHARS = 20_000
#: A skill's name. Match it with ``fullmatch``: ``$`` also matches before a final line break, so
#: ``match`` took ``"refund-policy\n"`` (an imported folder's name) as a twin of ``refund-policy``.
SKILL_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


# --------------------------------------------------------------------------- triggers


class TriggerKind(StrEnum):
    """When a trigger is evaluated."""

    ALWAYS = "always"  #: every model call
    TASK_START = "task_start"  #: the first model call of an episode
    BEFORE_TOOL = "before_tool"  #: before a tool call (pre-emptive repair, tool-specific guidance)
    TOOL_ERROR = "tool_error"  #: after a tool call failed
    OBSERVATION = "observation"  #: after a tool returned; `pattern` is matched on the result text


class Trigger(Frozen):
    """When a skill applies.

    Attributes:
        kind: the moment the trigger is evaluated.
        tool: a glob on the tool name (``"*"`` for any tool).
        error_type: exception class name or error category (e.g. ``"ValidationError"``,
            ``"rate_limit"``); ``None`` matches any.
        pattern: case-insensitive regex searched in the error message / observation / last action
            (RE2 syntax, matched in linear time: no backreferences or lookaround).
        task_pattern: case-insensitive regex searched in the task text (RE2 syntax).
    """

    kind: TriggerKind = TriggerKind.TOOL_ERROR
    tool: str = Field(default="*", min_length=1, max_length=200)
    error_type: str | None = Field(default=None, max_length=200)
    pattern: str | None = Field(default=None, max_length=1000)
    task_pattern: str | None = Field(default=None, max_length=1000)

    _check_pattern = field_validator("pattern", "task_pattern")(check_regex)

    @field_validator("tool", mode="before")
    @classmethod
    def _storable_tool(cls, value: Any) -> Any:
        # A tool name is the run's text: mended as every store and every call site mends it.
        return clean_text(value) if isinstance(value, str) else value

    @property
    def tool_is_glob(self) -> bool:
        """Whether `tool` has glob characters (and so cannot be looked up by exact name)."""
        return any(c in self.tool for c in "*?[")

    def matches(
        self,
        *,
        tool: str | None = None,
        error_type: str | None = None,
        text: str | None = None,
        task: str | None = None,
    ) -> bool:
        """Whether this trigger fires for the given context (the kind is checked by the caller).

        Missing context never satisfies a condition that needs it, except `tool` for triggers on
        any tool.
        """
        if self.tool != "*" and (tool is None or not fnmatch.fnmatchcase(tool, self.tool)):
            return False
        if self.error_type is not None and (error_type or "").lower() != self.error_type.lower():
            return False
        if self.pattern is not None and (text is None or not search(self.pattern, text, ignorecase=True)):
            return False
        return self.task_matches(task)

    def task_matches(self, task: str | None) -> bool:
        """Whether the task condition alone holds (no `task_pattern`, or it is found in `task`).

        Where the rest of the trigger was already decided (its tool's error fired it, or the call
        site is its tool's), only the task scope is left to check: `matches` without the error's
        type and text would refuse every trigger that names them.
        """
        return self.task_pattern is None or (task is not None and search(self.task_pattern, task, ignorecase=True))


# --------------------------------------------------------------------------- repairs


class _Op(Frozen):
    arg: str = Field(min_length=1, max_length=200, description="argument name; dots address nested keys")


class SetArg(_Op):
    """Set an argument to a constant (adds it when missing)."""

    op: Literal["set"] = "set"
    value: JsonValue

    @model_serializer(mode="wrap")
    def _null_is_a_value(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        # A dump that leaves out None fields (what the store and exports write) would drop the very
        # value a "set to null" repair sets, and the stored version would no longer read back.
        data = handler(self)
        if isinstance(data, dict) and "value" not in data and not info.exclude:
            data["value"] = None
        return data


class RenameArg(_Op):
    """Rename an argument (key rename)."""

    op: Literal["rename"] = "rename"
    to: str = Field(min_length=1, max_length=200)


class DropArg(_Op):
    """Remove an argument."""

    op: Literal["drop"] = "drop"


class CoerceArg(_Op):
    """Cast an argument's value to another JSON type.

    With `unit`, a string ``"<number><unit>"`` or ``"<number> <unit>"`` (``"48h"``, ``"3 days"``;
    a currency symbol may also precede it, ``"$12"``) is read as the number, unit dropped, and cast
    to `to` (``int`` or ``float``); with `grouping`, the digits may be grouped by threes with that
    separator (``"1,200"``; the decimal mark is then ``,`` after a ``.`` grouping, else ``.``); with
    `prefix`, the text before an id's number is dropped (``"P-0042"`` -> ``42``). A
    value with any other unit or grouping, or one the cast would round, is left as it is. Mined only
    when every correction of the argument maps the text to exactly that number (an identity scale:
    never cents to dollars, minutes to hours, or ``"1,5"`` to 1.5 unless corrections show it).
    With `duration`, a length of time (``"90 minutes"``, ``"1.5 hours"``, ``"PT1H30M"``) is read as
    the number of that unit it lasts; mined only when a correction gives exactly that number.
    ``to="duration"`` rewrites a length in unit words as an ISO 8601 duration with the same numbers
    (``"36 hours"`` -> ``"PT36H"``), and, with `duration`, a plain number as that many units
    (``36`` -> ``"PT36H"``, mined only from a correction of a plain number).
    With `scale` (and `within`), a number is multiplied by ``10**scale`` (a percent for a fraction,
    units for cents) when it lies outside the decades `within` and the result inside (`_scale`);
    mined only when corrections give exactly that number, never offered by a schema or a name alone.
    With `separator`, ``to="list"`` cuts one text of items into the list of them (``"a, b"`` ->
    ``["a", "b"]``) and ``to="str"`` writes a list of texts as one (``_casts``); anything else is left.
    """

    op: Literal["coerce"] = "coerce"
    to: Literal["int", "float", "str", "bool", "duration", "list"]
    unit: str | None = Field(default=None, min_length=1, max_length=34)
    grouping: Literal[",", ".", " ", "'"] | None = None
    prefix: str | None = Field(default=None, min_length=1, max_length=16, pattern=r"^[^\d\s]+$")
    duration: Literal["s", "min", "h", "d"] | None = None
    separator: Literal[",", ";", "|", "\n", ", ", "; ", " | ", " "] | None = None
    scale: Literal[-3, -2, 2, 3] | None = None
    within: tuple[float, float] | None = None

    @property
    def reads_number(self) -> bool:
        """Whether the cast reads a number written for people (a `unit`, `grouping`, `prefix` or `duration`)."""
        return any(v is not None for v in (self.unit, self.grouping, self.prefix, self.duration))

    @model_validator(mode="after")
    def _unit_ok(self) -> Self:
        if (self.to == "list" and self.separator is None) or (
            self.separator is not None and (self.to not in ("list", "str") or self.reads_number)
        ):
            raise ValueError("coerce: a separator cuts a text into a list (to list) or joins a list into one (to str)")
        if (self.scale is None) != (self.within is None) or (self.scale is not None and (
            self.to not in ("int", "float") or self.reads_number or self.separator is not None
            or not 0 < self.within[0] < self.within[1])):  # type: ignore[index]
            raise ValueError("coerce: a scale rescales a plain number (to int or float) into its corrected decades")
        if self.to == "duration":
            if self.unit or self.grouping or self.prefix:
                raise ValueError("coerce: an ISO 8601 duration is written without a unit, grouping or prefix")
            return self
        if self.reads_number and self.to not in ("int", "float"):
            raise ValueError("coerce: a unit, grouping or prefix is read only for a cast to int or float")
        if self.prefix is not None and not self.prefix.strip(SIGNS):
            raise ValueError("coerce: a prefix of signs only would drop the number's sign")
        if self.unit is not None and not (is_unit_word(self.unit) or is_currency(self.unit)):
            raise ValueError("coerce: a unit is a word of letters (maybe after a degree sign, maybe per another word), "
                             "or one currency symbol")
        if self.duration is not None and (self.unit or self.grouping or self.prefix):
            raise ValueError("coerce: a duration is read alone, without a unit, grouping or prefix")
        return self


class MapValue(_Op):
    """Replace specific values (keys are the old values as strings)."""

    op: Literal["map"] = "map"
    mapping: dict[str, JsonValue] = Field(min_length=1)


class ReformatDate(_Op):
    """Re-format a date string; `from_format` ``None`` means: try the common formats (a date two of them
    read differently, ``03/04/2026``, is not read). Each format is at most `DATE_FORMAT_MAX_CHARS`
    long: ``strftime`` writes a directive up to 12 times as long, so one repair could send megabytes."""

    op: Literal["reformat_date"] = "reformat_date"
    from_format: str | None = None
    to_format: str = "%Y-%m-%d"

    _bounded = field_validator("from_format", "to_format")(bounded_text(DATE_FORMAT_MAX_CHARS))


class Pad(_Op):
    """Pad a value (as a string) to `width` with `fill` (zero-pad by default).

    With `after`, only an id's number is padded: a value that is `after` followed by digits gets
    zeros between the two until the digits are `width` long (``"E42"`` -> ``"E0042"``); any other
    value is left as it is. Mined only from corrections that insert zeros there, which keeps the number.
    """

    op: Literal["pad"] = "pad"
    width: int = Field(ge=1, le=256)
    fill: str = Field(default="0", min_length=1, max_length=1)
    side: Literal["left", "right"] = "left"
    after: str | None = Field(default=None, min_length=1, max_length=16, pattern=r"^\D+$")

    @model_validator(mode="after")
    def _after_ok(self) -> Self:
        if self.after is not None and (self.fill != "0" or self.side != "left"):
            raise ValueError("pad: a prefix's digits are padded with leading zeros only")
        return self


class Strip(_Op):
    """Strip white space (or `chars`) from both ends of a string value."""

    op: Literal["strip"] = "strip"
    chars: str | None = None

    _bounded = field_validator("chars")(bounded_text(STRIP_MAX_CHARS))


class Affix(_Op):
    """Add or remove a prefix or suffix."""

    op: Literal["add_prefix", "remove_prefix", "add_suffix", "remove_suffix"]
    text: str = Field(min_length=1, max_length=200)


class ChangeCase(_Op):
    """Change the case of a string value."""

    op: Literal["case"] = "case"
    to: Literal["lower", "upper", "title", "capitalize"]


class ConformArg(_Op):
    """Convert the argument to its declared JSON schema `to` when that loses nothing and only one
    value can be meant (``123`` -> ``"123"``, ``"a"`` -> ``["a"]``, an enum member's case); else leave it."""

    op: Literal["conform"] = "conform"
    to: dict[str, JsonValue] = Field(description="the argument's declared schema: type, items, enum, pattern, format")

    @field_validator("to")
    @classmethod
    def _bounded(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        from ._conform import compact_schema

        if len(repr(value)) > 8000:
            raise ValueError("conform: the declared schema is too large")
        return compact_schema(value)


class Retry(Frozen):
    """Retry the same call after a pause (transient errors, rate limits)."""

    op: Literal["retry"] = "retry"
    max_attempts: int = Field(default=3, ge=1, le=10)
    backoff_s: float = Field(default=0.5, ge=0.0, le=60.0)
    factor: float = Field(default=2.0, ge=1.0, le=10.0)
    honour_retry_after: bool = True
    max_wait_s: float = Field(default=30.0, ge=0.0, le=600.0)


RepairOp = Annotated[
    SetArg | RenameArg | DropArg | CoerceArg | MapValue | ReformatDate | Pad | Strip | Affix | ChangeCase | ConformArg
    | Retry,
    Field(discriminator="op"),
]


class ArgCondition(Frozen):
    """A test on one argument; a repair's precondition is a list of these, all of which must hold."""

    arg: str = Field(min_length=1, max_length=200)
    present: bool | None = None
    regex: str | None = Field(default=None, max_length=1000, description="full match on str(value)")
    type: Literal["int", "float", "str", "bool", "null", "list", "dict"] | None = None

    _check = field_validator("regex")(check_regex)


class Repair(Frozen):
    """Declarative argument edits, applied in order.

    Attributes:
        ops: the edits.
        precondition: when set, the repair is also applied *before* a call whose arguments satisfy
            every condition (pre-emptive repair); when ``None`` it is applied only after a failure.
    """

    ops: list[RepairOp] = Field(min_length=1, max_length=20)
    precondition: list[ArgCondition] | None = None


# --------------------------------------------------------------------------- strategy / skill


class Strategy(Frozen):
    """What a skill does: prompt guidance, a declarative repair, sandboxed code, or a mix."""

    guidance: str | None = Field(default=None, min_length=1, max_length=GUIDANCE_MAX_CHARS)
    repair: Repair | None = None
    code: str | None = Field(
        default=None,
        min_length=1,
        max_length=CODE_MAX_CHARS,
        description="source defining `repair(tool, args, error) -> dict | None`; runs only in the sandbox",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.guidance is None and self.repair is None and self.code is None:
            raise ValueError("a strategy needs at least one of guidance, repair or code")
        return self

    @property
    def kind(self) -> str:
        """``"repair"``, ``"code"`` or ``"guidance"``: what the strategy is credited as."""
        if self.repair is not None:
            return "repair"
        if self.code is not None:
            return "code"
        return "guidance"


class VersionStatus(StrEnum):
    """Where a version is in its lifecycle."""

    CANDIDATE = "candidate"
    TESTING = "testing"
    ACTIVE = "active"
    REJECTED = "rejected"
    RETIRED = "retired"

    @property
    def live(self) -> bool:
        """Whether versions in this status can be selected."""
        return self in (VersionStatus.TESTING, VersionStatus.ACTIVE)


class Origin(Frozen):
    """Where a version came from: the miner and the evidence it used."""

    miner: str = Field(default="manual", max_length=200)
    evidence: list[int] = Field(default_factory=list, description="event ids")
    episodes: list[str] = Field(default_factory=list, description="episode ids")
    note: str = Field(default="", max_length=2000)


class SkillVersion(Frozen):
    """One immutable version of a skill, with its current status and posterior.

    Attributes:
        id: ``"<skill>@<number>"``.
        alpha, beta, observations: the selector's posterior for this version at the skill's scope
            (a snapshot as of reading).
        selected_episodes: distinct recorded episodes whose selection events name this version
            (a stored counter, kept with the events: the lifecycle's N).
        pending_review: it won its test under required review and no review has answered yet.
    """

    id: str
    skill: str
    number: int = Field(ge=1)
    strategy: Strategy
    parent: str | None = None
    origin: Origin = Field(default_factory=Origin)
    status: VersionStatus = VersionStatus.CANDIDATE
    created_at: float = Field(default_factory=now)
    alpha: float = 1.0
    beta: float = 1.0
    observations: float = 0.0
    selected_episodes: int = 0
    pending_review: bool = False

    @property
    def mean(self) -> float:
        """Posterior mean."""
        return self.alpha / (self.alpha + self.beta)


class Skill(Frozen):
    """A named line of versions sharing one trigger.

    `status` is the most advanced status among the versions (active > testing > candidate >
    retired > rejected).
    """

    name: str
    description: str = Field(default="", max_length=1024)
    trigger: Trigger
    created_at: float = Field(default_factory=now)
    status: VersionStatus = VersionStatus.CANDIDATE
    versions: list[SkillVersion] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SKILL_NAME_RE.fullmatch(value):
            raise ValueError(
                f"skill names are 1-64 lowercase letters, digits and inner hyphens, not {value!r}"
            )
        return value

    def live_versions(self) -> list[SkillVersion]:
        """The versions that can be selected (testing or active)."""
        return [v for v in self.versions if v.status.live]

    def active(self) -> SkillVersion | None:
        """The active version (the incumbent), if any."""
        return next((v for v in reversed(self.versions) if v.status is VersionStatus.ACTIVE), None)


# --------------------------------------------------------------------------- episodes / events


class Applied(Frozen):
    """One selection made during an episode: at call site `key`, `arm` was chosen."""

    key: str
    arm: str = Field(description="a version id, or NULL_ARM")
    propensity: float = Field(ge=0.0, le=1.0)
    kind: Literal["guidance", "repair", "code"] = "guidance"
    candidate: bool = Field(default=False, description="assigned by a within-group comparison")
    repairs: bool = Field(
        default=False,
        description="the site's versions carry a repair or code (chosen first for their guidance or not): "
        "its episode reward is kept for the promotion check",
    )
    credited: bool = Field(
        default=False, description="settled at the episode's end (guidance on one tool: by that tool's calls)"
    )


class Episode(BaseModel):
    """One run of the agent on one task."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_id)
    task: str = ""
    group_id: str | None = None
    policy_version: str | None = None
    started_at: float = Field(default_factory=now)
    finished_at: float | None = None
    reward: float | None = None
    applied: list[Applied] = Field(default_factory=list)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("task", "group_id", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        # A task is whatever the user or the framework sent (a lone surrogate fails pydantic's str
        # check, and the episode would be lost): mended as the store mends text.
        return clean_text(value) if isinstance(value, str) else value


class EventKind(StrEnum):
    """What an event records."""

    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    TOOL_ERROR = "tool_error"
    REPAIR = "repair"
    GUIDANCE = "guidance"
    SELECTION = "selection"
    CREDIT = "credit"
    LIFECYCLE = "lifecycle"
    REVIEW = "review"
    PROPOSAL = "proposal"
    PROPOSAL_REJECTED = "proposal_rejected"
    FEEDBACK = "feedback"
    POLICY_CHANGE = "policy_change"
    TRAIN = "train"
    SHADOW = "shadow"  #: what an unapproved version would have done, and how that turned out


class Event(BaseModel):
    """An append-only log record (tool calls, errors, repairs, lifecycle transitions, reviews ...).

    Arguments, results and error texts in `data` are redacted before an event is stored.
    """

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    ts: float = Field(default_factory=now)
    kind: EventKind
    episode_id: str | None = None
    tool: str | None = None
    version_id: str | None = None
    data: dict[str, JsonValue] = Field(default_factory=dict)
    # The (data object, tool) the redaction engine produced for this event, set where it was built:
    # the store boundary skips events whose data is still that very object (see _store_common).
    _scrubbed: tuple[Any, str | None] | None = PrivateAttr(default=None)


class PosteriorState(BaseModel):
    """A selector's persisted state for one arm at one key.

    `alpha`/`beta` are the (possibly discounted) Beta parameters; `observations` counts every update
    ever made (never discounted); `extra` holds mode-specific state (change detectors, memory M);
    `epoch` grows at every reset, so a process caching the state knows to drop its local history.
    """

    model_config = ConfigDict(extra="forbid")

    key: str
    arm: str
    alpha: float = Field(default=1.0, gt=0.0)
    beta: float = Field(default=1.0, gt=0.0)
    observations: float = Field(default=0.0, ge=0.0)
    updated_at: float = Field(default_factory=now)
    extra: dict[str, Any] = Field(default_factory=dict)
    epoch: int = Field(default=0, ge=0)
