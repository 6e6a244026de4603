"""The Agent Skills folder format, both ways: ``<name>/SKILL.md`` plus skillevo's own file beside it.

**Export** writes, for each skill's current version (the active one, else the newest), a folder
that an Agent Skills validator accepts (https://agentskills.io/specification): ``SKILL.md`` with
front matter ``name``, ``description`` and a string-to-string ``metadata`` map, then the sections
*When to use* (the trigger in words), *Strategy* (the guidance text) and *Examples*; skillevo's own
data (trigger, repair, version, posteriors, history) goes in ``skillevo.json`` beside it, and a
code strategy in ``scripts/repair.py``. Export is a pure function of the library's content (no
timestamps, no database ids).

**Import** reads three kinds of folder (see `parse_skill_dir`): skillevo's export (``skillevo.json``
present), skillevo's first dialect (``metadata.skillevo`` in the front matter, ``repair.json`` or
``repair.py`` beside), and any plain Agent Skills folder (`skillevo._agentskill`). Folders are read
under `skillevo._skillfs`'s bounds; statuses and posteriors in a file are never trusted (see
`skillevo._skillimport`, which checks and stores what is parsed here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import ValidationError

from ._agentskill import defines_repair, derive_trigger, guidance_from_body, script_skill_name
from ._errors import LibraryError, SkillFormatError
from ._export_fs import ExportFolder
from ._models import SKILL_NAME_RE, Origin, Repair, Skill, SkillVersion, Strategy, Trigger, TriggerKind, VersionStatus
from ._redaction import redact_text
from ._skillfs import SkillFolder, load_front_matter, load_json, read_skill_folder, split_front_matter
from ._store import SkillStore
from ._store_common import scrub_origin, scrub_strategy
from ._untrusted import infix_code

__all__ = [
    "SKILLEVO_FILE",
    "ExportResult",
    "SkillDocument",
    "current_version",
    "export_skills",
    "parse_skill_dir",
    "parse_skill_md",
    "render_skill",
]

SKILLEVO_FILE = "skillevo.json"
FORMAT = "skillevo.skill/1"
CODE_FILE = "scripts/repair.py"
_NO_GUIDANCE = "(No prompt guidance: this skill acts through its repair file.)"
_LEGACY_FILES = ("repair.json", "repair.py")
_MAX_COMPATIBILITY = 500


@dataclass(frozen=True)
class SkillDocument:
    """One skill as read from a folder: what import checks and stores.

    Attributes:
        dialect: ``"skillevo"`` (skillevo.json), ``"skillevo-v0"`` (metadata.skillevo),
            ``"agent-skill"`` (a plain folder) or ``"agent-skill-script"`` (a plain folder's script).
        path: the file it was read from, for messages.
        text: every other text of the source a reader or a model may see (the SKILL.md body),
            for the injection filter.
    """

    name: str
    description: str
    trigger: Trigger
    strategy: Strategy
    origin: Origin
    dialect: str = "skillevo"
    path: str = "SKILL.md"
    text: str = ""


def current_version(skill: Skill) -> SkillVersion | None:
    """The version an export writes: the active one, else the newest."""
    return skill.active() or (skill.versions[-1] if skill.versions else None)


# --------------------------------------------------------------------------- export


def _describe_trigger(trigger: Trigger) -> str:
    # Every field is stored text (a tool's name, a pattern, an imported file's values): each is one
    # inert code span, so none can open a heading or a section of its own in the exported SKILL.md.
    moments = {
        "always": "On every model call",
        "task_start": "At the start of a task",
        "before_tool": "Before calling",
        "tool_error": "When a call fails:",
        "observation": "When a tool returns, on",
    }
    parts = [moments[trigger.kind.value]]
    parts.append("any tool" if trigger.tool == "*" else infix_code(trigger.tool))
    if trigger.error_type:
        parts.append(f"with error type {infix_code(trigger.error_type)}")
    if trigger.pattern:
        parts.append(f"where the text matches {infix_code(trigger.pattern, 1000)}")
    if trigger.task_pattern:
        parts.append(f"for tasks matching {infix_code(trigger.task_pattern, 1000)}")
    return " ".join(parts) + "."


def _describe_repair(repair: Repair) -> list[str]:
    lines = []
    for op in repair.ops:
        fields = op.model_dump(mode="json", exclude={"op"})
        detail = ", ".join(f"{k}={json.dumps(v, sort_keys=True)}" for k, v in fields.items())
        lines.append(f"- `{op.op}` {infix_code(detail, 2000)}")
    if repair.precondition:
        conds = "; ".join(
            json.dumps(c.model_dump(mode="json", exclude_none=True), sort_keys=True) for c in repair.precondition
        )
        lines.append(f"- applied before the call when: {infix_code(conds, 2000)}")
    else:
        lines.append("- applied only after the call failed")
    return lines


def _skillevo_data(skill: Skill, version: SkillVersion) -> dict[str, Any]:
    strategy: dict[str, Any] = {"kind": version.strategy.kind}
    if version.strategy.repair is not None:
        strategy["repair"] = version.strategy.repair.model_dump(mode="json", exclude_none=True)
    if version.strategy.code is not None:
        strategy["code"] = CODE_FILE
    return {
        "format": FORMAT,
        "name": skill.name,
        "trigger": skill.trigger.model_dump(mode="json", exclude_none=True),
        "strategy": strategy,
        "origin": {"miner": version.origin.miner, "note": version.origin.note},
        # Informational: an import never trusts these (every imported version starts as a candidate).
        "version": {
            "id": version.id,
            "parent": version.parent,
            "status": version.status.value,
            "posterior": {"alpha": version.alpha, "beta": version.beta, "observations": version.observations},
        },
        "history": [
            {"id": v.id, "kind": v.strategy.kind, "status": v.status.value, "alpha": v.alpha, "beta": v.beta}
            for v in skill.versions
        ],
    }


def render_skill(skill: Skill, version: SkillVersion) -> dict[str, str]:
    """The files of one exported skill: ``SKILL.md``, ``skillevo.json`` and, for code, ``scripts/repair.py``."""
    strategy = version.strategy
    front = {
        "name": skill.name,
        # The specification wants what the skill does and when to use it: say so when no one wrote it.
        "description": skill.description
        or f"A {strategy.kind} skill learned by skillevo. {_describe_trigger(skill.trigger)}"[:1024],
        # The specification's metadata is a map of strings to strings: nothing nested here.
        "metadata": {
            "skillevo-kind": strategy.kind,
            "skillevo-status": version.status.value,
            "skillevo-version": version.id,
        },
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
        body.append(f"Repair (in `{SKILLEVO_FILE}`):")
        body.extend(_describe_repair(strategy.repair))
    elif strategy.code is not None:
        body.append(f"Code repair (`{CODE_FILE}`), run only in skillevo's sandbox.")
    else:
        body.append("Guidance only.")
    data = _skillevo_data(skill, version)
    files = {
        "SKILL.md": "\n".join(body) + "\n",
        SKILLEVO_FILE: json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
    }
    if strategy.code is not None:
        files[CODE_FILE] = strategy.code if strategy.code.endswith("\n") else strategy.code + "\n"
    return files


class ExportResult(list[Path]):
    """The folders an export wrote (a list), with `left_out`: the skills it withdrew (no version an
    agent may use: see `export_skills`)."""

    def __init__(self, written: list[Path], left_out: list[str]) -> None:
        super().__init__(written)
        self.left_out = left_out



def _withdraw(root: ExportFolder, name: str, files: tuple[str, ...]) -> None:
    """Remove the files an earlier export wrote for skill `name` (only from a folder that is
    skillevo's export, known by its `skillevo.json`; the folder and other files stay)."""
    folder = root.existing(name)
    if folder is None:
        return
    with folder:
        if not folder.has_file(SKILLEVO_FILE):
            return
        for filename in (*files, *_LEGACY_FILES):
            folder.remove_path(PurePosixPath(filename).parts)


def _in_use(store: SkillStore, skill: Skill, version: SkillVersion) -> bool:
    """Whether skillevo itself would give `version` to an agent: active, approved where review is
    gated (`is_approved`), and its words not held (`text_unvouched`: an import's or a model's text
    nobody vouched for). The agents that read an exported folder load every SKILL.md in it, so a
    candidate, a rejected or retired version, or a held text written there would skip the review."""
    from ._probation import text_unvouched
    from ._review_gate import is_approved

    return (version.status is VersionStatus.ACTIVE and is_approved(store, version)
            and not text_unvouched(store, version, skill))


def export_skills(
    store: SkillStore, directory: str | Path, names: list[str] | None = None, *, all_statuses: bool = False
) -> ExportResult:
    """Write each skill's current version as ``<directory>/<name>/``; returns the folders written.

    A skill whose current version is rejected or retired is left out (and the files an earlier
    export wrote for it removed), unless it is named in `names` or `all_statuses` is set: the
    agents that read the folder load every SKILL.md in it, whatever status it states."""
    from ._probation import description_unvouched

    # A skill whose row does not read is refused, not left out: an export that looks whole is not.
    unreadable = [(n, why) for n, why in store.unreadable_skills().items() if names is None or n in names]
    if unreadable:
        name, why = unreadable[0]
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        raise LibraryError(f"export refused: skill {name!r}{more} does not read: {why}; nothing was written "
                           "(fix or remove the row, or export the other skills by name)")
    written, left_out = [], []
    # Files go in through `ExportFolder`: DIR may hold entries planted by others (links, hard links,
    # FIFOs), and an export must replace them, never write through them.
    with ExportFolder.root(Path(directory)) as root:
        for skill in store.skills():
            if names is not None and skill.name not in names:
                continue
            version = current_version(skill)
            if version is None:
                continue
            if names is None and not all_statuses and not _in_use(store, skill, version):
                _withdraw(root, skill.name, ("SKILL.md", SKILLEVO_FILE, CODE_FILE))
                left_out.append(skill.name)
                continue
            # Redacted again on the way out, whatever was stored (older rows, or a rule added since).
            version = version.model_copy(
                update={"strategy": scrub_strategy(version.strategy), "origin": scrub_origin(version.origin)}
            )
            # What is served carries no import's description nobody approved: the generated one instead
            # (a named or `all_statuses` export writes what is stored, held words included).
            held = names is None and not all_statuses and description_unvouched(store, skill, version)
            description = "" if held else redact_text(skill.description)
            files = render_skill(skill.model_copy(update={"description": description}), version)
            with root.folder(skill.name) as folder:
                for stale in _LEGACY_FILES:
                    folder.remove(stale)
                for filename, content in files.items():
                    folder.write_path(PurePosixPath(filename).parts, content)
                if CODE_FILE not in files:
                    folder.remove_path(PurePosixPath(CODE_FILE).parts)
            written.append(Path(directory) / skill.name)
    return ExportResult(written, left_out)


# --------------------------------------------------------------------------- import


def _field_from_error(exc: ValidationError, prefix: str) -> tuple[str, str]:
    err = exc.errors()[0]
    parts = [str(p) for p in err["loc"]]
    # A value nested hundreds of levels deep would name a path thousands of characters long.
    loc = ".".join(parts[:8]) + (f"...({len(parts) - 8} more levels)" if len(parts) > 8 else "")
    field = f"{prefix}.{loc}" if loc else prefix
    shown = repr(err.get("input"))
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return field, " ".join(f"{err['msg']} (got {shown})".split())


def _sections(text: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip().lower()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v).strip("\n") for k, v in sections.items()}


@dataclass(frozen=True)
class _Front:
    name: str
    description: str
    metadata: dict[str, Any]
    body: str


def _front(text: str, path: str, folder_name: str | None) -> _Front:
    if not isinstance(text, str):
        raise SkillFormatError(path, None, "not text")
    source, body = split_front_matter(text.removeprefix("\ufeff"), path)
    front = load_front_matter(source, path)
    name = front.get("name")
    if not isinstance(name, str) or not SKILL_NAME_RE.fullmatch(name):
        raise SkillFormatError(path, "name", f"must be 1-64 lowercase letters, digits and hyphens (got {name!r})")
    if folder_name is not None and folder_name != name:
        raise SkillFormatError(path, "name", f"{name!r} differs from its folder name {folder_name!r}")
    description = front.get("description", "")
    if not isinstance(description, str) or len(description) > 1024:
        raise SkillFormatError(path, "description", "must be a string of at most 1024 characters")
    compatibility = front.get("compatibility")
    if compatibility is not None and (not isinstance(compatibility, str) or len(compatibility) > _MAX_COMPATIBILITY):
        raise SkillFormatError(path, "compatibility", f"must be a string of at most {_MAX_COMPATIBILITY} characters")
    metadata = front.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise SkillFormatError(path, "metadata", "must be a mapping")
    return _Front(name, description, metadata, body)


def _strategy_guidance(body: str, path: str) -> str | None:
    sections = _sections(body)
    if "strategy" not in sections:
        raise SkillFormatError(path, "Strategy", "missing '## Strategy' section")
    text = sections["strategy"].strip()
    return None if text in ("", _NO_GUIDANCE) else text


def _repair(data: Any, path: str, prefix: str) -> Repair:
    try:
        return Repair.model_validate(data)
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, prefix)) from None


def _strategy(guidance: str | None, repair: Repair | None, code: str | None, path: str) -> Strategy:
    try:
        return Strategy(guidance=guidance, repair=repair, code=code or None)
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, "strategy")) from None


def _trigger(data: Any, path: str, prefix: str) -> Trigger:
    try:
        return Trigger.model_validate(data)
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, prefix)) from None


def _origin(data: Any, path: str, prefix: str) -> Origin:
    if not isinstance(data, dict):
        raise SkillFormatError(path, prefix, "must be a mapping")
    note = data.get("note", "")
    if not isinstance(note, str):
        raise SkillFormatError(path, f"{prefix}.note", "must be a string")
    try:
        # Only the note is kept: evidence ids point into the exporter's database, not this one.
        return Origin(miner="import", note=note)
    except ValidationError as exc:
        raise SkillFormatError(path, *_field_from_error(exc, prefix)) from None


def _referenced(folder: SkillFolder | None, ref: Any, path: str, field: str) -> str:
    """The text of a file the skillevo block names: inside the folder, among the files read, no ``..``."""
    if not isinstance(ref, str) or not ref:
        raise SkillFormatError(path, field, "must be a relative path")
    pure = PurePosixPath(ref)
    if pure.is_absolute() or ".." in pure.parts or "\\" in ref:
        raise SkillFormatError(path, field, f"{ref!r} leaves the skill folder: refused")
    key = pure.as_posix()
    if folder is None or key not in folder.texts:
        raise SkillFormatError(path, field, f"{ref!r} is not a file of this folder (repair.py or scripts/*.py)")
    return folder.texts[key]


def _from_skillevo_file(front: _Front, folder: SkillFolder, path: str) -> SkillDocument:
    json_path = str(Path(path).with_name(SKILLEVO_FILE))
    data = load_json(folder.texts[SKILLEVO_FILE], json_path)
    if not isinstance(data, dict):
        raise SkillFormatError(json_path, None, "must be a JSON object")
    if data.get("format") != FORMAT:
        raise SkillFormatError(json_path, "format", f"must be {FORMAT!r} (got {data.get('format')!r})")
    if data.get("name") != front.name:
        raise SkillFormatError(json_path, "name", f"{data.get('name')!r} differs from SKILL.md's {front.name!r}")
    trigger = _trigger(data.get("trigger") or {}, json_path, "trigger")
    strategy = data.get("strategy") or {}
    if not isinstance(strategy, dict):
        raise SkillFormatError(json_path, "strategy", "must be a mapping")
    repair = _repair(strategy["repair"], json_path, "strategy.repair") if "repair" in strategy else None
    code = _referenced(folder, strategy["code"], json_path, "strategy.code") if "code" in strategy else None
    origin = _origin(data.get("origin") or {}, json_path, "origin")
    guidance = _strategy_guidance(front.body, path)
    return SkillDocument(
        front.name, front.description, trigger, _strategy(guidance, repair, code, path), origin,
        "skillevo", path, front.body,
    )


def _from_metadata_block(
    front: _Front, meta: Any, path: str, repair_json: str | None, repair_py: str | None
) -> SkillDocument:
    if not isinstance(meta, dict):
        raise SkillFormatError(path, "metadata.skillevo", "must be a mapping")
    trigger = _trigger(meta.get("trigger") or {"kind": "always"}, path, "metadata.skillevo.trigger")
    try:
        VersionStatus(meta.get("status", "candidate"))  # checked as a well-formed file, never obeyed
    except ValueError:
        raise SkillFormatError(
            path, "metadata.skillevo.status", f"must be one of {[s.value for s in VersionStatus]}"
        ) from None
    origin = _origin(meta.get("origin") or {}, path, "metadata.skillevo.origin")
    guidance = _strategy_guidance(front.body, path)
    repair = None
    if repair_json is not None:
        repair_path = str(Path(path).with_name("repair.json"))
        repair = _repair(load_json(repair_json, repair_path, "repair"), repair_path, "repair")
    return SkillDocument(
        front.name, front.description, trigger, _strategy(guidance, repair, repair_py, path), origin,
        "skillevo-v0", path, front.body,
    )


def _from_plain(front: _Front, folder: SkillFolder | None, path: str) -> list[SkillDocument]:
    # A plain folder's metadata means nothing to skillevo: it is read (under the YAML bounds) and left.
    docs: list[SkillDocument] = []
    guidance = guidance_from_body(front.body, front.description)
    if guidance:
        docs.append(
            SkillDocument(
                front.name, front.description, derive_trigger(front.description),
                _strategy(guidance, None, None, path), Origin(miner="import"), "agent-skill", path, front.body,
            )
        )
    for rel, code in sorted((folder.texts if folder else {}).items()):
        if not rel.startswith("scripts/") or not defines_repair(code):
            continue
        script = rel.split("/", 1)[1]
        script_path = str(Path(path).parent / rel)
        docs.append(
            SkillDocument(
                script_skill_name(front.name, script),
                f"Code repair from {front.name}/{rel}"[:1024],
                Trigger(kind=TriggerKind.TOOL_ERROR, tool="*"),
                _strategy(None, None, code, script_path),
                Origin(miner="import"), "agent-skill-script", script_path, "",
            )
        )
    if not docs:
        raise SkillFormatError(path, None, "nothing to import: no description, body or scripts/*.py with repair()")
    return docs


def _parse_docs(
    text: str,
    path: str,
    folder: SkillFolder | None,
    repair_json: str | None,
    repair_py: str | None,
    folder_name: str | None,
) -> list[SkillDocument]:
    front = _front(text, path, folder_name)
    if folder is not None and SKILLEVO_FILE in folder.texts:
        return [_from_skillevo_file(front, folder, path)]
    if "skillevo" in front.metadata:
        return [_from_metadata_block(front, front.metadata["skillevo"], path, repair_json, repair_py)]
    return _from_plain(front, folder, path)


def parse_skill_md(
    text: str,
    path: str = "SKILL.md",
    *,
    repair_json: str | None = None,
    repair_py: str | None = None,
    folder_name: str | None = None,
) -> SkillDocument:
    """Parse one SKILL.md text (and a first-dialect repair file's text) into its main skill.

    Raises only `SkillFormatError`.
    """
    try:
        return _parse_docs(text, path, None, repair_json, repair_py, folder_name)[0]
    except SkillFormatError:
        raise
    except Exception as exc:  # anything unforeseen in untrusted input still gets our error type
        raise SkillFormatError(path, None, f"cannot parse: {type(exc).__name__}") from None


def parse_skill_dir(folder: Path) -> list[SkillDocument]:
    """Parse one ``<name>/`` folder into the skills it holds (a plain folder's scripts are skills of their own).

    The folder is read under `skillevo._skillfs`'s bounds. Raises `SkillFormatError`.
    """
    contents = read_skill_folder(folder)
    path = str(folder / "SKILL.md")
    if "SKILL.md" not in contents.texts:
        raise SkillFormatError(path, None, "missing")
    try:
        return _parse_docs(
            contents.texts["SKILL.md"],
            path,
            contents,
            contents.texts.get("repair.json"),
            contents.texts.get("repair.py"),
            folder.name,
        )
    except SkillFormatError:
        raise
    except Exception as exc:
        raise SkillFormatError(path, None, f"cannot parse: {type(exc).__name__}") from None
