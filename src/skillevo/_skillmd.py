"""The Agent Skills folder format: ``<name>/SKILL.md`` (+ ``repair.json`` or ``repair.py``).

``SKILL.md`` has YAML front matter with ``name``, ``description`` and skillevo's own fields under
``metadata.skillevo`` (trigger, status, origin), then the sections *When to use* (the trigger in
words), *Strategy* (the guidance text, verbatim) and *Examples* (derived, for human readers).
A declarative repair sits beside it as ``repair.json``; a code strategy as ``repair.py``.

Export writes the *current* version of each skill (the active one, else the newest); the full
history stays in the library. Export is a pure function of the skill's content (no timestamps, no
database ids), so export -> import -> export is byte-identical. Import validates every folder
before writing anything, and writes all of them in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._errors import SkillFormatError
from ._models import SKILL_NAME_RE, Origin, Repair, Skill, SkillVersion, Strategy, Trigger, VersionStatus
from ._redaction import redact_text
from ._store import SkillStore
from ._store_common import scrub_origin, scrub_strategy

__all__ = ["SkillDocument", "export_skills", "import_skills", "parse_skill_dir", "parse_skill_md", "render_skill"]

_NO_GUIDANCE = "(No prompt guidance: this skill acts through its repair file.)"
_MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class SkillDocument:
    """One skill as read from (or written to) a SKILL.md folder."""

    name: str
    description: str
    trigger: Trigger
    strategy: Strategy
    status: VersionStatus
    origin: Origin


def current_version(skill: Skill) -> SkillVersion | None:
    """The version an export writes: the active one, else the newest."""
    return skill.active() or (skill.versions[-1] if skill.versions else None)


def _describe_trigger(trigger: Trigger) -> str:
    moments = {
        "always": "On every model call",
        "task_start": "At the start of a task",
        "before_tool": "Before calling",
        "tool_error": "When a call fails:",
        "observation": "When a tool returns, on",
    }
    parts = [moments[trigger.kind.value]]
    parts.append("any tool" if trigger.tool == "*" else f"`{trigger.tool}`")
    if trigger.error_type:
        parts.append(f"with error type `{trigger.error_type}`")
    if trigger.pattern:
        parts.append(f"where the text matches `{trigger.pattern}`")
    if trigger.task_pattern:
        parts.append(f"for tasks matching `{trigger.task_pattern}`")
    return " ".join(parts) + "."


def _describe_repair(repair: Repair) -> list[str]:
    lines = []
    for op in repair.ops:
        fields = op.model_dump(mode="json", exclude={"op"})
        detail = ", ".join(f"{k}={json.dumps(v, sort_keys=True)}" for k, v in fields.items())
        lines.append(f"- `{op.op}` {detail}")
    if repair.precondition:
        conds = "; ".join(
            json.dumps(c.model_dump(mode="json", exclude_none=True), sort_keys=True) for c in repair.precondition
        )
        lines.append(f"- applied before the call when: {conds}")
    else:
        lines.append("- applied only after the call failed")
    return lines


def render_skill(skill: Skill, version: SkillVersion) -> dict[str, str]:
    """The files of one exported skill: ``{"SKILL.md": ..., "repair.json"?: ..., "repair.py"?: ...}``."""
    strategy = version.strategy
    meta: dict[str, Any] = {
        "trigger": skill.trigger.model_dump(mode="json", exclude_none=True),
        "status": version.status.value,
        "origin": {"miner": version.origin.miner, "note": version.origin.note},
    }
    front = {
        "name": skill.name,
        "description": skill.description or f"{strategy.kind} skill {skill.name}",
        "metadata": {"skillevo": meta},
    }
    header = yaml.safe_dump(front, sort_keys=True, allow_unicode=True, default_flow_style=False, width=100)
    body = [
        "---",
        header.rstrip("\n"),
        "---",
        "",
        f"# {skill.name}",
        "",
        "## When to use",
        "",
        _describe_trigger(skill.trigger),
        "",
        "## Strategy",
        "",
        strategy.guidance if strategy.guidance is not None else _NO_GUIDANCE,
        "",
        "## Examples",
        "",
    ]
    if strategy.repair is not None:
        body.append("Repair (`repair.json`):")
        body.extend(_describe_repair(strategy.repair))
    elif strategy.code is not None:
        body.append("Code repair (`repair.py`), run only in skillevo's sandbox.")
    else:
        body.append("Guidance only.")
    files = {"SKILL.md": "\n".join(body) + "\n"}
    if strategy.repair is not None:
        files["repair.json"] = (
            json.dumps(strategy.repair.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True) + "\n"
        )
    if strategy.code is not None:
        files["repair.py"] = strategy.code if strategy.code.endswith("\n") else strategy.code + "\n"
    return files


def _field_from_error(exc: ValidationError, prefix: str) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    field = f"{prefix}.{loc}" if loc else prefix
    value = err.get("input")
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return field, f"{err['msg']} (got {shown})"


def _sections(text: str, path: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip().lower()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v).strip("\n") for k, v in sections.items()}


def parse_skill_md(
    text: str,
    path: str = "SKILL.md",
    *,
    repair_json: str | None = None,
    repair_py: str | None = None,
    folder_name: str | None = None,
) -> SkillDocument:
    """Parse one SKILL.md (and its repair file's text). Raises only `SkillFormatError`."""
    try:
        return _parse(text, path, repair_json, repair_py, folder_name)
    except SkillFormatError:
        raise
    except Exception as exc:  # anything unforeseen in untrusted input still gets our error type
        raise SkillFormatError(path, None, f"cannot parse: {type(exc).__name__}: {exc}") from None


def _parse(
    text: str, path: str, repair_json: str | None, repair_py: str | None, folder_name: str | None
) -> SkillDocument:
    if not isinstance(text, str):
        raise SkillFormatError(path, None, "not text")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SkillFormatError(path, "front matter", "must start with a '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SkillFormatError(path, "front matter", "no closing '---' line") from None
    try:
        front = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        first = " ".join(str(exc).split())[:160]
        raise SkillFormatError(path, "front matter", f"invalid YAML: {first}") from None
    if not isinstance(front, dict):
        raise SkillFormatError(path, "front matter", "must be a YAML mapping")
    name = front.get("name")
    if not isinstance(name, str) or not SKILL_NAME_RE.match(name):
        raise SkillFormatError(path, "name", f"must be 1-64 lowercase letters, digits and hyphens (got {name!r})")
    if folder_name is not None and folder_name != name:
        raise SkillFormatError(path, "name", f"{name!r} differs from its folder name {folder_name!r}")
    description = front.get("description", "")
    if not isinstance(description, str) or len(description) > 1024:
        raise SkillFormatError(path, "description", "must be a string of at most 1024 characters")
    metadata = front.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise SkillFormatError(path, "metadata", "must be a mapping")
    meta = metadata.get("skillevo") or {}
    if not isinstance(meta, dict):
        raise SkillFormatError(path, "metadata.skillevo", "must be a mapping")
    try:
        trigger = Trigger.model_validate(meta.get("trigger") or {"kind": "always"})
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, "metadata.skillevo.trigger")) from None
    try:
        status = VersionStatus(meta.get("status", "candidate"))
    except ValueError:
        raise SkillFormatError(
            path, "metadata.skillevo.status", f"must be one of {[s.value for s in VersionStatus]}"
        ) from None
    try:
        origin = Origin.model_validate(meta.get("origin") or {"miner": "import"})
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, "metadata.skillevo.origin")) from None

    body = "\n".join(lines[end + 1 :])
    sections = _sections(body, path)
    if "strategy" not in sections:
        raise SkillFormatError(path, "Strategy", "missing '## Strategy' section")
    guidance_text = sections["strategy"].strip()
    guidance = None if guidance_text in ("", _NO_GUIDANCE) else guidance_text

    repair = None
    if repair_json is not None:
        repair_path = str(Path(path).with_name("repair.json"))
        try:
            repair = Repair.model_validate_json(repair_json)
        except ValidationError as exc:
            raise SkillFormatError(repair_path, *_field_from_error(exc, "repair")) from None
    try:
        strategy = Strategy(guidance=guidance, repair=repair, code=repair_py or None)
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, "strategy")) from None
    return SkillDocument(name, description, trigger, strategy, status, origin)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise SkillFormatError(str(path), None, f"larger than {_MAX_FILE_BYTES // 1024} KiB")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SkillFormatError(str(path), None, "not UTF-8 text") from None
    except OSError as exc:
        raise SkillFormatError(str(path), None, f"cannot read: {exc.strerror or exc}") from None


def parse_skill_dir(folder: Path) -> SkillDocument:
    """Parse one ``<name>/`` folder. Raises `SkillFormatError`."""
    skill_md = folder / "SKILL.md"
    if not skill_md.is_file():
        raise SkillFormatError(str(skill_md), None, "missing")
    repair_json = folder / "repair.json"
    repair_py = folder / "repair.py"
    return parse_skill_md(
        _read(skill_md),
        str(skill_md),
        repair_json=_read(repair_json) if repair_json.is_file() else None,
        repair_py=_read(repair_py) if repair_py.is_file() else None,
        folder_name=folder.name,
    )


def export_skills(store: SkillStore, directory: str | Path, names: list[str] | None = None) -> list[Path]:
    """Write each skill's current version as ``<directory>/<name>/``; returns the folders written."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for skill in store.skills():
        if names is not None and skill.name not in names:
            continue
        version = current_version(skill)
        if version is None:
            continue
        folder = root / skill.name
        folder.mkdir(exist_ok=True)
        # Redacted again on the way out, whatever was stored (older rows, or a rule added since).
        version = version.model_copy(
            update={"strategy": scrub_strategy(version.strategy), "origin": scrub_origin(version.origin)}
        )
        files = render_skill(skill.model_copy(update={"description": redact_text(skill.description)}), version)
        for stale in ("repair.json", "repair.py"):
            if stale not in files and (folder / stale).exists():
                (folder / stale).unlink()
        for filename, content in files.items():
            (folder / filename).write_text(content, encoding="utf-8")
        written.append(folder)
    return written


def import_skills(store: SkillStore, directory: str | Path) -> list[str]:
    """Import every ``<name>/SKILL.md`` folder under `directory` (or `directory` itself if it is one).

    Everything is validated first; then all skills are written in one transaction. A skill that
    already exists gets a new *candidate* version when its strategy differs. Returns the ids of versions written.
    """
    root = Path(directory)
    if not root.is_dir():
        raise SkillFormatError(str(root), None, "not a directory")
    folders = [root] if (root / "SKILL.md").is_file() else sorted(p for p in root.iterdir() if p.is_dir())
    docs = []
    seen: set[str] = set()
    for folder in folders:
        doc = parse_skill_dir(folder)
        if doc.name in seen:
            raise SkillFormatError(str(folder / "SKILL.md"), "name", f"{doc.name!r} appears twice")
        seen.add(doc.name)
        docs.append(doc)
    written: list[str] = []
    with store.transaction():
        existing = {s.name: s for s in store.skills()}
        for doc in docs:
            if doc.name not in existing:
                v = store.add_skill(
                    doc.name,
                    doc.trigger,
                    doc.strategy,
                    description=doc.description,
                    origin=doc.origin,
                    status=doc.status,
                )
                written.append(v.id)
                continue
            skill = existing[doc.name]
            current = current_version(skill)
            if current is not None and current.strategy == doc.strategy:
                continue
            # A changed strategy for a skill this library already has must win its own test.
            v = store.add_version(
                doc.name,
                doc.strategy,
                parent=current.id if current else None,
                origin=doc.origin,
                status=VersionStatus.CANDIDATE,
            )
            written.append(v.id)
    return written
