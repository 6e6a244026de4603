"""A stored repair is judged again before it edits a live call: a library row is not trusted input.

`check_proposal` judges a repair when it is proposed or imported. A version can reach the library
around it: `SkillLibrary.add_skill`, a library written by a release older than a check, another
process or host sharing a PostgreSQL library. The trigger index (`_triggers`) is the one place the
per-call path reads versions from the store, so it passes every version it reads through
`StoredRepairs.vet`: a repair that fails the checks a proposal's repair must pass and that need no
store history (`repair_ops_refusal`: no secret placeholder, no address, no identifier of one party,
no date format's or pad's own text, no constant in a person's field, no parent-folder step or
added command option (`skillevo._moves`), no hidden or look-alike character) is left out of what the call
path sees — the call goes as the model sent it — logged once, and handed to a callback (the
Evolver's: taken back through the lifecycle, so ``skillevo ls`` and the history show it). The
vouch rules (`_vouch`) read the store's history and stay at proposal time.

A verdict is kept per version id, and re-judged only when the repair read under that id is another
(a row edited in place): each version costs one check per process, never one per call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._customer_keys import writes_person
from ._models import Repair, Skill, SkillVersion
from ._moves import MOVES_VALUE, moves_value
from ._own_text import written_text_refusal
from ._prose import hidden_in
from ._shape import strings_in, writes_address

__all__ = [
    "HIDDEN",
    "SENDS_SECRET",
    "WRITES_ADDRESS",
    "WRITES_PERSON",
    "StoredRepairs",
    "repair_ops_refusal",
    "stored_repair_refusal",
]

_log = logging.getLogger("skillevo")

SENDS_SECRET = "its repair sends a secret (stored redacted: a placeholder is no value)"
WRITES_ADDRESS = "its repair writes an address (e-mail, URL, phone or account number) into the call"
WRITES_PERSON = "its repair writes a constant into a field that holds a person (one customer's value, never a rule)"
HIDDEN = "its repair holds hidden, control or look-alike characters"
_UNREADABLE = "its repair could not be checked"


def repair_ops_refusal(ops: Sequence[Mapping[str, Any]]) -> str | None:
    """Why repair operations (as JSON) may not write into a call, judged on the operations alone
    (no store read); None when they may. The checks `check_proposal` runs on a proposal's repair and
    the trigger index on a stored one."""
    if any("[REDACTED:" in t for t in strings_in(list(ops))):
        return SENDS_SECRET
    if writes_address(ops):
        return WRITES_ADDRESS
    refusal = written_text_refusal(ops)
    if refusal is not None:
        return refusal
    if writes_person(ops):
        return WRITES_PERSON
    if moves_value(ops):
        return MOVES_VALUE
    return None


def stored_repair_refusal(repair: Repair) -> str | None:
    """`repair_ops_refusal` of a stored repair; a repair the checks cannot read is refused."""
    try:
        dumped = repair.model_dump(mode="json")
        refusal = repair_ops_refusal(dumped["ops"])
        # `check_proposal`'s look at the repair's own characters needs no store either: a constant
        # with a zero-width or look-alike letter ('mallory\u200b@host', a Cyrillic 'Ѕ') reads as no
        # address to the checks above and as one to a tool that drops or folds it.
        if refusal is None and hidden_in(None, _written_texts(dumped["ops"])):
            return HIDDEN
        return refusal
    except Exception:  # (a row no check can read is no repair to send: refused, never raised into a call)
        return _UNREADABLE


#: The fields of a repair operation whose strings it writes into a call (a conform's, its schema's enum).
_WRITTEN = ("value", "mapping", "text", "chars")


def _written_texts(ops: Sequence[Mapping[str, Any]]) -> list[str]:
    """The strings `ops` (as JSON) may write into a call. Not a schema's pattern, format or member
    names, which a stored schema repair copies from the tool's own declaration (a pattern of two
    scripts, ``[A-Za-zА-Яа-я]``, is a tool's rule, not a disguised constant)."""
    texts: list[str] = []
    for op in ops:
        for field in _WRITTEN:
            value = op.get(field)
            if field == "mapping" and isinstance(value, Mapping):
                value = list(value.values())  # its keys are what it reads, not what it writes
            texts.extend(strings_in(value))
        texts.extend(_enum_members(op.get("to")))
    return texts


def _enum_members(schema: Any) -> list[str]:
    """The string members of every ``enum`` in a conform's declared `schema` (what it may write)."""
    if isinstance(schema, list):
        return [m for s in schema for m in _enum_members(s)]
    if not isinstance(schema, Mapping):
        return []
    found = [m for m in schema.get("enum") or [] if isinstance(m, str)] if isinstance(schema.get("enum"), list) else []
    return found + [m for k, v in schema.items() if k != "enum" for m in _enum_members(v)]


class StoredRepairs:
    """Verdicts on the repairs of stored versions, one per version id (thread-safe).

    Args:
        refused: called once per refused version (with the reason) after it is logged; what it
            raises is logged and dropped (the call path never fails for it).
    """

    def __init__(self, refused: Callable[[SkillVersion, str], object] | None = None) -> None:
        self._refused = refused
        self._lock = threading.Lock()
        #: version id -> (the repair judged, why it is refused or None)
        self._verdicts: dict[str, tuple[Repair, str | None]] = {}

    def vet(self, skills: list[Skill]) -> list[Skill]:
        """`skills` without their versions whose repair is refused (a skill left with none is left
        out); the very list when nothing is refused."""
        out: list[Skill] | None = None
        for i, skill in enumerate(skills):
            kept = [v for v in skill.versions if self.allowed(v)]
            if len(kept) == len(skill.versions) and out is None:
                continue
            if out is None:
                out = list(skills[:i])
            if len(kept) == len(skill.versions):
                out.append(skill)
            elif kept:
                out.append(skill.model_copy(update={"versions": kept}))
        return skills if out is None else out

    def allowed(self, version: SkillVersion) -> bool:
        """Whether `version`'s repair may edit a call (a version without one may)."""
        repair = version.strategy.repair
        if repair is None:
            return True
        hit = self._verdicts.get(version.id)  # (a dict read is atomic: the per-read path takes no lock)
        if hit is not None and (hit[0] is repair or hit[0] == repair):
            return hit[1] is None
        reason = stored_repair_refusal(repair)
        with self._lock:
            before = self._verdicts.get(version.id)
            self._verdicts[version.id] = (repair, reason)
        if reason is not None and (before is None or before[1] != reason):
            self._refuse(version, reason)
        return reason is None

    def _refuse(self, version: SkillVersion, reason: str) -> None:
        _log.warning("skillevo: stored version %s is not applied to calls: %s", version.id, reason)
        if self._refused is None:
            return
        try:
            self._refused(version, reason)
        except Exception as exc:  # never the reason a call fails: it is left out all the same
            _log.debug("skillevo: refused version %s not taken back: %s", version.id, type(exc).__name__)
