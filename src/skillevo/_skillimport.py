"""Importing skill folders: untrusted input, checked like a mined proposal before anything is stored.

Every folder is read and parsed first (`skillevo._skillmd`, under `skillevo._skillfs`'s bounds); a
malformed folder stops the whole import with a one-line `SkillFormatError` and nothing is written.
Each parsed skill then passes, or is refused with a one-line reason while the rest still import:

1. the injection filter on every text it carries (description, guidance, body, origin note,
   trigger fields, every string of its repair, its code), after NFKC and with invisible
   characters removed;
2. `check_proposal`, the check a mined proposal passes (caps, duplicates, and the trigger rate
   against the library's stored failures when it has any); a new version of an existing skill must
   carry that skill's trigger (the one it will fire on, and be checked under);
3. for code, a smoke run in the sandbox: ``repair()`` must exist and return without error on a
   synthetic call.

What is stored is always a new *candidate* version, whatever status or posterior the folder
claims; the lifecycle decides the rest (``start_tests=True`` starts its test as it does for a
mined proposal). A version that changes calls (a repair, code) starts no test before this library
holds evidence for it (`skillevo._probation`): it waits as a candidate, and a person may approve it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import re2  # type: ignore[import-untyped]
from pydantic import ValidationError

from ._agentskill import clean_text, defines_repair, visible
from ._code_fit import SMOKE, run_checked
from ._errors import SandboxError, SandboxNotRun, SandboxUnavailable, SkillFormatError
from ._hygiene import looks_like_injection, redact
from ._models import Event, EventKind, Origin, Skill, Strategy, VersionStatus
from ._probation import IMPORT_MINER
from ._prose import mentions_address
from ._shape import strings_in
from ._skillmd import SkillDocument, current_version, parse_skill_dir
from ._store import SkillStore
from ._store_common import scrub_strategy
from ._untrusted import has_hidden

if TYPE_CHECKING:
    from ._sandbox import Sandbox

__all__ = ["ImportResult", "Refusal", "import_skills", "read_skill_folders"]

MAX_FOLDERS = 1000
#: Entries of any kind (loose files, links) the import folder may hold: each is listed and checked.
MAX_ENTRIES = 4 * MAX_FOLDERS
#: Code skills one import may hold: each costs a sandbox smoke run (up to its CPU limit, 2 s by
#: default), and 1,000 folders of 32 looping scripts would otherwise hold the importer for a day.
MAX_CODE_SKILLS = 64
_SMOKE_ERROR = "ValidationError: a synthetic call made by skillevo import to test this code skill"


@dataclass(frozen=True)
class Refusal:
    """A skill an import left out, and why (one line)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class ImportResult(list[str]):
    """The ids of the versions an import wrote (a list), with `refused`: the skills it left out and why."""

    def __init__(self, written: list[str], refused: list[Refusal]) -> None:
        super().__init__(written)
        self.refused = refused


def _texts(doc: SkillDocument) -> Iterator[tuple[str, str]]:
    yield "description", doc.description
    yield "guidance", doc.strategy.guidance or ""
    yield "SKILL.md body", doc.text
    yield "origin note", doc.origin.note
    for text in strings_in(doc.trigger.model_dump(mode="json", exclude_none=True)):
        yield "trigger", text
    if doc.strategy.repair is not None:
        for text in strings_in(doc.strategy.repair.model_dump(mode="json", exclude_none=True)):
            yield "repair", text
    yield "code", doc.strategy.code or ""


# A plain skill's Markdown body may carry images, links and HTML: none of it reaches a prompt (the
# guidance is built from the cleaned body, checked as "guidance"), so the body is checked for
# instructions with the markup syntax taken out and every word of its text kept. On RE2, as
# `clean_text`'s shapes: under Python's re each '[' of a body was a start scanned 500 characters on.
# (RE2 repeats at most 1,000 times: a link target of up to 2,000 characters is two runs of 1,000.)
_MARKUP_SYNTAX = re2.compile(r"!?\[([^\]]{0,500})\]\([^)]{0,1000}[^)]{0,1000}\)|<!--|-->|</?[A-Za-z][^>]{0,500}>")


def _one_line_trigger(doc: SkillDocument) -> str | None:
    """Why the trigger's texts cannot be stored, or None. A tool name, an error type and a pattern
    are each one line of visible characters, without backticks: each is shown (in reports, in the
    SKILL.md this library exports) as a name or a pattern, and a line break or a backtick there
    would let an imported file write a heading or a section into what the library exports."""
    trigger = doc.trigger
    for field in ("tool", "error_type", "pattern", "task_pattern"):
        text = getattr(trigger, field)
        if text is not None and (has_hidden(text) or "`" in text or "\n" in text or "\r" in text):
            return f"its trigger's {field} is not one line of visible characters without backticks"
    return None


def _injected(doc: SkillDocument) -> str | None:
    line = _one_line_trigger(doc)
    if line is not None:
        return line
    for field, text in _texts(doc):
        if field == "SKILL.md body":
            text = _MARKUP_SYNTAX.sub(lambda m: f" {m.group(1) or ''} ", text)
        if text and (looks_like_injection(text) or looks_like_injection(clean_text(text))):
            return f"its {field} reads like an instruction injection"
        if field in ("description", "guidance") and text and mentions_address(visible(text)):
            # Read as written: the stored form hides a spelled-out e-mail address as a customer's
            # value (`_customer_mask`), which no longer reads as where data would go.
            return f"its {field} names an address (URL, e-mail, host): where data would go"
    return None


def _sanitised(doc: SkillDocument) -> SkillDocument | str:
    """`doc` with its stored texts in NFKC, without invisible characters, and redacted (its strategy as the
    store keeps it); or why it cannot be."""

    def fix(text: str) -> str:
        return str(redact(visible(text))).strip()

    guidance = fix(doc.strategy.guidance) if doc.strategy.guidance else None
    try:
        # As the store will keep it (its repair values and code redacted too): the checks and the
        # smoke run judge the strategy that is stored, not the file's.
        strategy = scrub_strategy(
            Strategy(guidance=guidance or None, repair=doc.strategy.repair, code=doc.strategy.code)
        )
        origin = Origin(miner=doc.origin.miner, note=fix(doc.origin.note))
    except ValidationError as exc:
        return "once normalised and redacted: " + " ".join(str(exc.errors()[0]["msg"]).split())
    return replace(doc, description=fix(doc.description)[:1024], strategy=strategy, origin=origin)


def _smoke(doc: SkillDocument, sandbox: Sandbox | None) -> str | None:
    code = doc.strategy.code
    if code is None:
        return None
    if not defines_repair(code):
        return "its code defines no repair(tool, args, error)"
    if sandbox is None:
        return "a code skill, and no sandbox to test it in"
    tool = "tool" if doc.trigger.tool_is_glob else doc.trigger.tool
    try:  # as a live call runs it: a plug-in's own exception or an answer that is not strict JSON fails
        run_checked(sandbox.run_repair, SMOKE, code, tool, {}, _SMOKE_ERROR)
    except SandboxUnavailable as exc:  # the host's engine, not the skill: nothing ran, nothing to judge it by
        why = " ".join(str(exc).removeprefix("code skills cannot run: ").split())[:300]
        return f"its smoke run could not run: code skills cannot run here ({why}); import it again once they can"
    except SandboxNotRun as exc:
        why = " ".join(str(exc).removeprefix("code skill not run: ").split())[:300]
        return f"its smoke run could not run ({why}); import it again once code skills run here"
    except SandboxError as exc:
        return "failed its sandbox smoke run: " + " ".join(str(exc).split())[:300]
    return None


def _refusal(
    doc: SkillDocument, existing: Skill | None, store: SkillStore, sandbox: Sandbox | None, min_trigger_rate: float
) -> str | None:
    from ._mining import Proposal, check_proposal

    if existing is not None and existing.trigger != doc.trigger:
        # A version lives under its skill's trigger: checked under the file's own trigger, then
        # stored under another, it would skip the trigger-rate check where it really fires.
        return f"a skill named {doc.name!r} already exists with another trigger; import it under a new name"

    proposal = Proposal(
        name=doc.name, description=doc.description, trigger=doc.trigger, strategy=doc.strategy, note=doc.origin.note
    )
    verdict = check_proposal(proposal, store, min_trigger_rate=min_trigger_rate)
    if not verdict.ok:
        return verdict.reason or "refused by the proposal check"
    return _smoke(doc, sandbox)


def _folders(root: Path) -> list[Path]:
    if not root.is_dir():
        raise SkillFormatError(str(root), None, "not a directory")
    if (root / "SKILL.md").exists() or (root / "SKILL.md").is_symlink():
        return [root]
    folders = []
    seen = 0
    try:
        # Counted while listing: the whole listing, sorted, and a check of each entry cost 13 s for
        # 100,000 loose files beside one skill folder before they were bounded.
        with os.scandir(root) as listed:
            for entry in listed:
                seen += 1
                if seen > MAX_ENTRIES:
                    raise SkillFormatError(str(root), None, f"more than {MAX_ENTRIES} entries in one import folder")
                if entry.is_dir(follow_symlinks=False) or entry.is_symlink():
                    folders.append(root / entry.name)
                    if len(folders) > MAX_FOLDERS:
                        raise SkillFormatError(str(root), None, f"more than {MAX_FOLDERS} skill folders in one import")
    except OSError as exc:
        raise SkillFormatError(str(root), None, f"cannot list: {exc.strerror or exc}") from None
    folders.sort()
    if not folders:
        # A wrong folder (empty, loose files) is the user's mistake, not an import of nothing.
        raise SkillFormatError(str(root), None, "no SKILL.md in it or in a subfolder: not a folder of skills")
    return folders


def read_skill_folders(directory: str | Path) -> list[SkillDocument]:
    """Parse every skill folder under `directory` (or `directory` itself), touching no library.

    Raises:
        SkillFormatError: a folder is missing, malformed or breaks a bound.
    """
    docs: list[SkillDocument] = []
    seen: set[str] = set()
    code = 0
    for folder in _folders(Path(directory)):
        for doc in parse_skill_dir(folder):
            if doc.name in seen:
                raise SkillFormatError(doc.path, "name", f"{doc.name!r} appears twice")
            seen.add(doc.name)
            docs.append(doc)
            code += doc.strategy.code is not None
        # Counted as read, not after: reading and parsing a script costs as much as a fraction of a
        # second, and an import past the bound would otherwise be read whole before its refusal.
        if code > MAX_CODE_SKILLS:
            raise SkillFormatError(
                str(directory), None,
                f"more than {MAX_CODE_SKILLS} code skills in one import (each is smoke-run): split it",
            )
    return docs


def import_skills(
    store: SkillStore,
    directory: str | Path,
    *,
    sandbox: Sandbox | Literal["default"] | None = "default",
    min_trigger_rate: float = 0.5,
    start_tests: bool = False,
) -> ImportResult:
    """Import every skill folder under `directory` (or `directory` itself if it is one).

    Args:
        store: the library to write to.
        directory: a folder of ``<name>/SKILL.md`` folders, or one such folder.
        sandbox: runs the smoke test of code skills (default `ProcessSandbox()`); ``None``
            refuses every code skill.
        min_trigger_rate: the proposal check's minimum trigger rate on stored failures.
        start_tests: start each new candidate's test at once (as the Evolver does for a mined
            proposal); otherwise it waits as a candidate for the lifecycle or a reviewer.

    Returns:
        The ids of the versions written (a list), with ``.refused``: each skill left out and why.
        A skill whose current strategy is already the imported one is left unchanged (neither).

    Raises:
        SkillFormatError: a folder is malformed or breaks a bound; nothing is written then.
    """
    if sandbox == "default":
        from ._sandbox import ProcessSandbox

        sandbox = ProcessSandbox()
    docs = read_skill_folders(directory)
    existing = {s.name: s for s in store.skills()}
    accepted: list[SkillDocument] = []
    refused: list[Refusal] = []
    for raw in docs:
        # The filter reads the texts as written; what is stored is their visible, redacted form.
        reason = _injected(raw)
        sanitised = _sanitised(raw)
        if isinstance(sanitised, str):
            reason, doc = reason or sanitised, raw
        else:
            doc = sanitised
        current = current_version(existing[doc.name]) if doc.name in existing else None
        if reason is None and current is not None and current.strategy == doc.strategy:
            continue
        if reason is None:
            reason = _refusal(doc, existing.get(doc.name), store, sandbox, min_trigger_rate)
        if reason is None:
            accepted.append(doc)
        else:
            refused.append(Refusal(doc.name, " ".join(reason.split())))
    written: list[str] = []
    log: list[Event] = []
    with store.transaction():
        for doc in accepted:
            if doc.name not in existing:
                v = store.add_skill(
                    doc.name, doc.trigger, doc.strategy, description=doc.description, origin=doc.origin,
                    status=VersionStatus.CANDIDATE,
                )
            else:
                current = current_version(existing[doc.name])
                v = store.add_version(
                    doc.name, doc.strategy, parent=current.id if current else None, origin=doc.origin,
                    status=VersionStatus.CANDIDATE,
                )
            written.append(v.id)
            log.append(Event(kind=EventKind.PROPOSAL, version_id=v.id,
                             data={"name": doc.name, "miner": IMPORT_MINER, "kind": doc.strategy.kind}))
        for refusal in refused:
            log.append(Event(kind=EventKind.PROPOSAL_REJECTED,
                             data={"name": refusal.name, "reason": refusal.reason, "miner": IMPORT_MINER}))
        if log:
            store.log_events(log)
    if start_tests and written:
        from ._lifecycle import Lifecycle
        from ._review_gate import gated_since
        from ._selection import ThompsonSelector

        # On a library review holds back, a test runs in shadow (an import without evidence included).
        review = "required" if gated_since(store) is not None else "auto"
        lifecycle = Lifecycle(store, ThompsonSelector(), review=review)
        for version_id in written:
            lifecycle.start(version_id)
    return ImportResult(written, refused)
