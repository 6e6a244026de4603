"""`skillevo.toml`: the configuration of the nightly job, validated with pydantic.

Every section is optional; a missing file section takes its defaults. A mistake is reported as one
line naming the file, the key path and the offending value, e.g.
``skillevo.toml: selector.discount: unknown mode 'fast' ...``.

```toml
[library]
db = "skillevo.db"            # file path (relative to this file) or postgresql:// URL
durability = "batched"         # "batched" (queued, ~0.2 s window) | "sync" (on disk when finish() returns)

[selector]
discount = "adaptive"          # "none" | "reskill" | ["fixed", 0.99] | ["window", 500]
seed = 0

[lifecycle]                    # LifecycleConfig fields, plus review
review = "canary"              # "auto" | "canary" | "required"; left out: the library's own mark
canary_share = 0.05            # "canary": share of episodes unapproved versions are live in; left out: the library's
min_updates = 5

[miner]
rule = true
llm = "my_pkg.models:complete" # optional: import path of a `complete(prompt) -> str` callable
llm_budget = 100

[train]
report_dir = "skillevo-reports"
formats = ["md", "html"]

[policy]                       # optional GRPO fine-tune (needs skillevo-trl)
enabled = false
```
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._admission import AdmissionPolicy
from ._errors import ConfigError
from ._lifecycle import LifecycleConfig
from ._small_file import read_small_text

if TYPE_CHECKING:
    from ._evolver import Evolver
    from ._library import SkillLibrary
    from ._store import SkillStore

__all__ = [
    "CONFIG_MAX_BYTES",
    "LibrarySection",
    "LifecycleSection",
    "MinerSection",
    "PolicyConfig",
    "SelectorSection",
    "SkillevoConfig",
    "TrainSection",
    "import_callable",
    "load_config",
]

#: Longest config file read (a skillevo.toml is a few KiB; a FIFO or /dev/zero is refused, not read).
CONFIG_MAX_BYTES = 1 << 20
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


ReportFormat = Literal["md", "html"]


def _default_formats() -> list[ReportFormat]:
    return ["md", "html"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_import_path(value: str | None) -> str | None:
    if value is not None and not _IMPORT_PATH.match(value):
        raise ValueError(f"must be an import path like 'package.module:function' (got {value!r})")
    return value


class LibrarySection(_Section):
    """``[library]``: where the skill library lives.

    Attributes:
        db: a file path (relative paths are resolved against the config file's folder), ``":memory:"``
            or a ``postgresql://`` URL. ``None``: ``$SKILLEVO_DB`` or ``./skillevo.db``.
        durability: ``"batched"`` or ``"sync"``, when a recorded episode is on disk (docs/library.md).
    """

    db: str | None = None
    durability: Literal["batched", "sync"] = "batched"


class SelectorSection(_Section):
    """``[selector]``: how the posteriors the lifecycle reads forget (see docs/selection.md).

    Attributes:
        discount: ``"adaptive"``, ``"none"``, ``"reskill"``, ``["fixed", gamma]`` or ``["window", n]``.
        seed: seeds every random draw.
    """

    discount: str | tuple[str, float] = "adaptive"
    seed: int = 0

    @field_validator("discount", mode="before")
    @classmethod
    def _discount(cls, value: Any) -> Any:
        from ._selection import _parse_discount

        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "window" and isinstance(value[1], float):
            value = (value[0], int(value[1])) if value[1].is_integer() else value
        try:
            _parse_discount(value)
        except ConfigError as exc:
            raise ValueError(str(exc).removeprefix("discount: ")) from None
        return value

    def discount_spec(self) -> str | tuple[str, float] | tuple[str, int]:
        """The value `ThompsonSelector(discount=...)` takes."""
        d = self.discount
        if isinstance(d, tuple) and d[0] == "window":
            return (d[0], int(d[1]))
        return d


class LifecycleSection(LifecycleConfig):
    """``[lifecycle]``: every `LifecycleConfig` threshold, plus `review` and `canary_share`.

    Attributes:
        review: ``"auto"`` tests candidates live and promotes winners at once; ``"required"``: no
            version a person has not approved changes a call or a prompt (the others run in
            shadow until ``skillevo review approve``); ``"canary"``: unapproved versions are live
            on `canary_share` of the episodes, shadow on the rest. Left out: the library's own
            mark (``"auto"`` on a library never gated); a mode weaker than the mark is refused.
        canary_share: the share of episodes ``"canary"`` tests unapproved versions on. Left out: the
            library's (0.05 unless set); one larger than a canary mark's is refused.
    """

    review: Literal["auto", "canary", "required"] | None = None
    canary_share: float | None = Field(default=None, ge=0.0, le=1.0)

    def thresholds(self) -> LifecycleConfig:
        """The `LifecycleConfig` part."""
        return LifecycleConfig.model_validate(self.model_dump(exclude={"review", "canary_share"}))

    def evolver_kwargs(self) -> dict[str, Any]:
        """``review``, ``canary_share`` and ``lifecycle`` for ``Evolver(lib, **section.evolver_kwargs())``."""
        return {"review": self.review, "canary_share": self.canary_share, "lifecycle": self.thresholds()}


class MinerSection(_Section):
    """``[miner]``: which miners the nightly job runs over the new events.

    Attributes:
        rule: run the deterministic `RuleMiner`.
        max_pairs: stored correction pairs a rule synthesis checks.
        retry_attempts: attempts of a mined retry repair.
        min_trigger_rate: the share of targeted failures a proposal must fire on.
        llm: import path (``"package.module:function"``) of a ``complete(prompt) -> str`` callable;
            when set, an `LLMMiner` runs too.
        llm_budget: the most model calls one run may make.
        llm_failures_per_episode: failures of one episode shown to the model.
    """

    rule: bool = True
    max_pairs: int = Field(default=50, ge=1, le=10_000)
    retry_attempts: int = Field(default=3, ge=1, le=10)
    min_trigger_rate: float = Field(default=0.5, ge=0.0, le=1.0)
    llm: str | None = None
    llm_budget: int = Field(default=100, ge=0)
    llm_failures_per_episode: int = Field(default=3, ge=1)

    _llm = field_validator("llm")(_check_import_path)

    def admission(self) -> AdmissionPolicy:
        """The proposal checks, for the nightly job and for an online ``evo.admission = ...``."""
        return AdmissionPolicy(min_trigger_rate=self.min_trigger_rate)


class TrainSection(_Section):
    """``[train]``: the nightly job.

    Attributes:
        report_dir: where each run writes its report (relative to the config file).
        formats: report formats: ``"md"`` and/or ``"html"``.
        compact_after_days: events older than this are folded into per-version aggregates.
        stale_after_days: an active version whose skill has not fired for this long ...
        stale_min_episodes: ... while at least this many episodes ran, is retired as stale.
        ope_min_logged: off-policy estimates are reported only with this many logged selections.
        ope_min_propensity: logged propensities are clipped to at least this (bounds IPS weights).
        lock_stale_after_s: a lock whose holder has not been heard from for this long is taken over.
        settle_s: events younger than this are left to the next run (writers still committing).
        chunk_episodes: episodes mined per committed chunk (a killed run loses at most one chunk).
    """

    report_dir: str = "skillevo-reports"
    formats: list[ReportFormat] = Field(default_factory=_default_formats)
    compact_after_days: float = Field(default=30.0, ge=0.0)
    stale_after_days: float = Field(default=30.0, ge=0.0)
    stale_min_episodes: int = Field(default=100, ge=1)
    ope_min_logged: int = Field(default=5, ge=1)
    ope_min_propensity: float = Field(default=0.01, gt=0.0, le=1.0)
    lock_stale_after_s: float = Field(default=6 * 3600.0, gt=0.0)
    settle_s: float = Field(default=5.0, ge=0.0)
    chunk_episodes: int = Field(default=500, ge=1)


class PolicyConfig(_Section):
    """``[policy]``: the optional GRPO fine-tune of the policy model (``skillevo-trl``).

    Attributes:
        enabled: run the fine-tune at the end of each ``skillevo train`` (or pass ``--policy``).
        model: local path of the model to fine-tune (no hub downloads).
        output_dir: where checkpoints go (relative to the config file).
        verifier: import path of ``fn(prompts, completions, **kw) -> list[float]`` scoring a batch
            of completions (it also receives the skill context: see docs/training.md).
        steps, learning_rate, batch_size, num_generations, max_prompt_length,
        max_completion_length: GRPO training settings.
        use_vllm: generate with vLLM (GPU only); vllm_mode: ``"colocate"`` or ``"server"``;
            vllm_server_url: the ``trl vllm-serve`` address in server mode (TRL's default when unset).
        lora: train LoRA adapters instead of all weights; lora_r: their rank.
        skill_reward_bonus: SAGE's bonus for an episode whose mined skill later helped.
        seed: seeds the run.
    """

    enabled: bool = False
    model: str | None = None
    output_dir: str = "skillevo-policy"
    verifier: str | None = None
    steps: int = Field(default=100, ge=1)
    learning_rate: float = Field(default=1e-6, gt=0.0)
    batch_size: int = Field(default=8, ge=1)
    num_generations: int = Field(default=8, ge=2)
    max_prompt_length: int = Field(default=1024, ge=1)
    max_completion_length: int = Field(default=256, ge=1)
    use_vllm: bool = False
    vllm_mode: Literal["colocate", "server"] = "colocate"
    vllm_server_url: str | None = None
    lora: bool = True
    lora_r: int = Field(default=16, ge=1)
    skill_reward_bonus: float = Field(default=1.0, ge=0.0)
    seed: int = 0

    _verifier = field_validator("verifier")(_check_import_path)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> PolicyConfig:
        if self.enabled and not self.model:
            raise ValueError("`model` (a local model path) is required when enabled = true")
        return self


class SkillevoConfig(_Section):
    """The whole ``skillevo.toml``.

    Attributes:
        path: the file it was read from (``None`` when built in code); relative paths resolve
            against its folder.
    """

    library: LibrarySection = Field(default_factory=LibrarySection)
    selector: SelectorSection = Field(default_factory=SelectorSection)
    lifecycle: LifecycleSection = Field(default_factory=LifecycleSection)
    miner: MinerSection = Field(default_factory=MinerSection)
    train: TrainSection = Field(default_factory=TrainSection)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    path: str | None = None

    def _base(self) -> Path:
        return Path(self.path).parent if self.path else Path.cwd()

    def resolve(self, value: str) -> Path:
        """`value` as a path, relative to the config file's folder."""
        p = Path(os.path.expanduser(value))
        return p if p.is_absolute() else self._base() / p

    def open_library(self) -> SkillLibrary:
        """The configured library, opened with the configured durability."""
        from ._library import SkillLibrary

        return SkillLibrary(self.db_location(), durability=self.library.durability)

    def evolver(self, lib: SkillStore | None = None, **overrides: Any) -> Evolver:
        """An `Evolver` on `lib` (default: `open_library()`) running this file's ``[selector]``,
        ``[lifecycle]`` and ``[miner]`` settings, as ``skillevo train`` does; `overrides` are `Evolver`
        keyword arguments and win (`skillevo._config_evolver`)."""
        from ._config_evolver import evolver_from_config

        return evolver_from_config(self, lib, **overrides)

    def db_location(self) -> str:
        """The library to open: ``[library].db`` (resolved), else ``$SKILLEVO_DB`` or ``./skillevo.db``."""
        from ._library import default_db

        db = self.library.db
        if db is None:
            return default_db()
        if "://" in db or db == ":memory:":
            return db
        return str(self.resolve(db))


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _lookup(data: Any, loc: tuple[int | str, ...]) -> tuple[bool, Any]:
    for part in loc:
        if isinstance(data, list) and isinstance(part, int):
            part_ok = 0 <= part < len(data)
        else:
            part_ok = isinstance(data, dict) and part in data
        if not part_ok:
            return False, None
        data = data[part]
    return True, data


def config_from_dict(data: dict[str, Any], *, source: str = "config", path: str | None = None) -> SkillevoConfig:
    """Validate a parsed TOML document; errors name `source`, the key path and the value."""
    try:
        return SkillevoConfig.model_validate({**data, "path": path})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "tuple["))))
        # Union members add their own names to the location; keep only real keys of the document.
        while loc and not _lookup(data, loc)[0] and err["type"] != "missing":
            if err["type"] == "extra_forbidden":
                break
            loc = loc[:-1]
        found, value = _lookup(data, loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see docs/train.md for the keys)"
        elif err["type"] == "missing":
            msg = "required"
        got = f" (got {value!r})" if found and not isinstance(value, dict) and err["type"] != "extra_forbidden" else ""
        if got and repr(value) in msg:
            got = ""
        where = _where(loc) or "(top level)"
        extra = f" [{len(exc.errors())} problems; this is the first]" if len(exc.errors()) > 1 else ""
        raise ConfigError(f"{source}: {where}: {msg}{got}{extra}") from None


def load_config(path: str | os.PathLike[str]) -> SkillevoConfig:
    """Read and validate a ``skillevo.toml``.

    Raises:
        ConfigError: the file is missing, is not valid TOML, or a value is invalid (the message names
            the key path and the offending value).
    """
    if not isinstance(path, str | os.PathLike):
        raise ConfigError(f"load_config: expected the path of a skillevo.toml (got {type(path).__name__})")
    p = Path(path)
    name = str(path)
    try:
        text = read_small_text(p, CONFIG_MAX_BYTES, name)
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such config file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from None
    return config_from_dict(data, source=name, path=str(p.resolve()))


def import_callable(spec: str, *, what: str) -> Callable[..., Any]:
    """Import ``"package.module:attr"``; a clear `ConfigError` naming `what` when it fails."""
    if not _IMPORT_PATH.match(spec):
        raise ConfigError(f"{what}: must be an import path like 'package.module:function' (got {spec!r})")
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{what}: cannot import {module_name!r} ({exc})") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"{what}: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ConfigError(f"{what}: {spec!r} is not callable")
    fn: Callable[..., Any] = obj
    return fn
