"""Mining failures into skills: assertions of the form "when tool T fails with error class E, do S".

Event data this module reads (written by the Evolver, redacted before storage):

* ``tool_call``   tool=T, data ``{"call": n, "args": {...}}``
* ``tool_result`` tool=T, data ``{"call": n, "args": {...}, "result": ...}``
* ``tool_error``  tool=T, data ``{"call": n, "args": {...}, "error": msg, "error_type": cls,
  "signature": error_signature(msg)}``

`RuleMiner` (deterministic, no model) finds two kinds of evidence:

1. **Correction pairs**: a failed call of T followed, in the same episode, by a successful call of T
   with different arguments: the agent fixed its own mistake. `synthesize` looks for the smallest
   DSL edit mapping every stored failed call of that (tool, error class) to its correction; if one
   holds on all of them it becomes a repair skill with a precondition (apply it before the call
   when the arguments have the failing shape) and a guidance text. Corrections made under another
   policy version (an announced change, `Evolver.policy_version`) are kept apart: a new policy's
   mistakes may need another rule, and the old policy's corrections must not veto it.
2. **Structured errors** that say what to do without a correction: rate limits and transient errors
   (retry with back-off, honouring Retry-After), unexpected arguments (drop them), enum values in
   the wrong case (change case), numbers sent as strings (cast), missing arguments and allowed
   values (guidance).

Text from tools is untrusted: only identifiers and short plain tokens are lifted from error
messages, always through `quote_untrusted`, and never an instruction.
"""

from __future__ import annotations

import hashlib
import re
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ._detect import classify_error, detect_failure, retry_after
from ._errors import NotFoundError, SkillevoError
from ._hygiene import looks_like_injection, quote_untrusted
from ._models import (
    GUIDANCE_MAX_CHARS,
    SKILL_NAME_RE,
    ArgCondition,
    ChangeCase,
    CoerceArg,
    DropArg,
    Event,
    EventKind,
    RenameArg,
    Repair,
    Retry,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from ._repair import apply_repair, precondition_holds, same_args, synthesize
from ._store import SkillStore

__all__ = ["CheckResult", "Miner", "Proposal", "RuleMiner", "check_proposal", "observed_win"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,60}$")
_TOKEN = re.compile(r"^[\w .:/+\-]{1,40}$")


class Proposal(BaseModel):
    """A candidate skill proposed by a miner, with the evidence behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=SKILL_NAME_RE.pattern)
    description: str = Field(default="", max_length=1024)
    trigger: Trigger
    strategy: Strategy
    evidence: list[int] = Field(default_factory=list)
    episodes: list[str] = Field(default_factory=list)
    note: str = Field(default="", max_length=2000)


class CheckResult(BaseModel):
    """The verdict of `check_proposal`."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    reason: str = ""
    trigger_rate: float | None = None


class Miner(ABC):
    """Turns logged failures into skill proposals."""

    name: str = "miner"

    @abstractmethod
    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        """Proposals supported by `events` (typically one finished episode) and the stored history."""

    def repair_now(self, tool: str, args: dict[str, Any], error_type: str, message: str) -> Repair | None:
        """A repair that this one error spells out, to retry the failed call with at once (None: none).

        The Evolver asks on a failed call that no stored skill repairs, so that a mistake the error
        message fully explains (a misnamed argument, a number sent as a string) costs one retried
        call instead of a model turn. The retry's outcome is logged like any other; the skill itself
        is still mined at the episode's end, from the failed call and its successful retry, and
        tested like every candidate. The default proposes nothing.
        """
        return None


def _slug(*parts: str) -> str:
    text = "-".join(p for p in parts if p)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > 64:
        digest = hashlib.sha1(slug.encode()).hexdigest()[:6]
        slug = slug[:57].rstrip("-") + "-" + digest
    return slug or "skill"


def _args(event: Event) -> dict[str, Any] | None:
    args = event.data.get("args")
    return dict(args) if isinstance(args, dict) else None


def _category(event: Event) -> str:
    message = str(event.data.get("error", ""))
    return classify_error(message, str(event.data.get("error_type", "")))


def _is_success(event: Event) -> bool:
    if event.kind != EventKind.TOOL_RESULT:
        return False
    return detect_failure(event.data.get("result")) is None


def correction_pairs(events: Sequence[Event]) -> list[tuple[Event, Event]]:
    """(failed call, later successful call of the same tool with other arguments), per episode."""
    pairs: list[tuple[Event, Event]] = []
    by_episode: dict[str | None, list[Event]] = {}
    for e in events:
        by_episode.setdefault(e.episode_id, []).append(e)
    for evs in by_episode.values():
        for i, err in enumerate(evs):
            if err.kind != EventKind.TOOL_ERROR or _args(err) is None:
                continue
            for later in evs[i + 1 :]:
                if later.tool != err.tool:
                    continue
                if later.kind == EventKind.TOOL_ERROR:
                    if not same_args(_args(later), _args(err)):
                        break  # another failed attempt: the correction, if any, is judged from that one
                    continue
                if _is_success(later):
                    if not same_args(_args(later), _args(err)):
                        pairs.append((err, later))
                    break
    return pairs


class RuleMiner(Miner):
    """The default miner: deterministic rules, no model.

    Args:
        max_pairs: how many stored correction pairs of one (tool, error class) a synthesis checks.
        retry_attempts: attempts of a mined retry repair.
    """

    name = "rule"

    def __init__(self, *, max_pairs: int = 50, retry_attempts: int = 3) -> None:
        self.max_pairs = max_pairs
        self.retry_attempts = retry_attempts
        # Correction pairs per (tool, error signature): read from the store once per key, then kept
        # up to date from the episodes this miner sees, so mining stays linear in the events.
        self._pairs: dict[tuple[str, str, str | None], deque[tuple[Event, Event]]] = {}
        self._repairs: dict[tuple[str, str, str | None], Repair] = {}
        self._policies: dict[str, str | None] = {}  # episode id -> policy version, bounded
        self._lock = threading.Lock()

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        """Proposals from correction pairs and structured errors in `events`."""
        proposals: dict[str, Proposal] = {}
        corrected: set[int] = set()
        for err, fix in correction_pairs(events):
            proposal = self._from_correction(err, fix, store)
            if proposal is not None:
                proposals.setdefault(proposal.name, proposal)
                corrected.add(id(err))
        for err in events:
            if err.kind != EventKind.TOOL_ERROR or err.tool is None or id(err) in corrected:
                continue
            proposal = self._from_structured(err)
            if proposal is not None:
                proposals.setdefault(proposal.name, proposal)
        return list(proposals.values())

    def repair_now(self, tool: str, args: dict[str, Any], error_type: str, message: str) -> Repair | None:
        """The repair of the structured-error rules, when it applies to these arguments and changes them.

        Only edits that keep the caller's values qualify: renames, casts and case changes. Not a
        dropped argument (it may be a misnamed one whose value would be lost, and the tool's default
        used silently) and not a retry with back-off (waiting is the learned skill's choice).
        """
        err = Event(
            kind=EventKind.TOOL_ERROR,
            tool=tool,
            # On the per-call error path: a huge message (a dumped page, a stack trace) is read only so far.
            data={"args": dict(args), "error": message[:_NOW_MAX_CHARS], "error_type": error_type},
        )
        proposal = self._from_structured(err)
        repair = proposal.strategy.repair if proposal is not None else None
        if repair is None or not all(isinstance(op, RenameArg | CoerceArg | ChangeCase) for op in repair.ops):
            return None
        try:
            if not precondition_holds(repair, args) or same_args(apply_repair(repair, args), args):
                return None
        except SkillevoError:
            return None
        return repair

    # ------------------------------------------------------------------ correction pairs

    def _policy_of(self, episode_id: str | None, store: SkillStore) -> str | None:
        """The policy version an episode ran under (None when unknown)."""
        if not episode_id:
            return None
        if episode_id in self._policies:
            return self._policies[episode_id]
        try:
            version = store.episode(episode_id).policy_version
        except NotFoundError:
            version = None
        if len(self._policies) > 50_000:
            self._policies.clear()
        self._policies[episode_id] = version
        return version

    def _stored_pairs(
        self, tool: str, signature: str, store: SkillStore, policy: str | None = None
    ) -> list[tuple[Event, Event]]:
        errors = [
            e
            for e in store.events(kind=EventKind.TOOL_ERROR, tool=tool)
            if e.data.get("signature") == signature and self._policy_of(e.episode_id, store) == policy
        ][-self.max_pairs :]
        pairs: list[tuple[Event, Event]] = []
        for episode_id in dict.fromkeys(e.episode_id for e in errors if e.episode_id):
            pairs.extend(
                (a, b)
                for a, b in correction_pairs(store.events(episode_id=episode_id))
                if a.data.get("signature") == signature
            )
        return pairs

    def _from_correction(self, err: Event, fix: Event, store: SkillStore) -> Proposal | None:
        tool = err.tool or ""
        category = _category(err)
        signature = str(err.data.get("signature", ""))
        with self._lock:
            policy = self._policy_of(err.episode_id, store)
            key = (tool, signature, policy)
            known = self._pairs.get(key)
            if known is None:
                known = deque(self._stored_pairs(tool, signature, store, policy), maxlen=self.max_pairs)
                self._pairs[key] = known
            pairs = [(err, fix)]
            seen = {(repr(_args(err)), repr(_args(fix)))}
            for a, b in reversed(known):
                marker = (repr(_args(a)), repr(_args(b)))
                if (a.id is None or a.id != err.id) and marker not in seen:
                    pairs.append((a, b))
                    seen.add(marker)
            if not any(a is err or (a.id is not None and a.id == err.id) for a, _ in known):
                known.append((err, fix))
        arg_pairs = [(_args(a) or {}, _args(b) or {}) for a, b in pairs]
        previous = self._repairs.get(key)
        if previous is not None and _still_holds(previous, *arg_pairs[0]):
            repair: Repair | None = previous  # the known rule explains the new pair too: no new search
        else:
            # A required argument's value is the caller's data: one correction's value is no rule.
            repair = synthesize(arg_pairs, confirm_additions=category == "missing_arg")
        if repair is None:
            # No single rule explains every correction of this (tool, error signature): no proposal.
            return None
        self._repairs[key] = repair
        args_touched = sorted({op.arg for op in repair.ops if hasattr(op, "arg")})
        guidance = _repair_guidance(tool, repair, arg_pairs[0])
        return Proposal(
            name=_slug(tool, category if category != "unknown" else "fix", *args_touched[:2]),
            description=f"Repair for {tool} failures of class {category}, learned from the agent's own corrections.",
            trigger=Trigger(
                kind=TriggerKind.TOOL_ERROR, tool=tool, error_type=None if category == "unknown" else category
            ),
            strategy=Strategy(guidance=guidance, repair=repair),
            evidence=[e.id for pair in pairs for e in pair if e.id is not None],
            episodes=sorted({e.episode_id for pair in pairs for e in pair if e.episode_id}),
            note=f"{len(pairs)} correction pair(s); error signature: {signature[:120]}",
        )

    # ------------------------------------------------------------------ structured errors

    def _from_structured(self, err: Event) -> Proposal | None:
        tool = err.tool or ""
        message = str(err.data.get("error", ""))
        category = _category(err)
        args = _args(err) or {}
        evidence = [err.id] if err.id is not None else []
        episodes = [err.episode_id] if err.episode_id else []

        def proposal(suffix: str, guidance: str, repair: Repair | None = None) -> Proposal:
            return Proposal(
                name=_slug(tool, suffix),
                description=f"{tool}: {category} errors",
                trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool, error_type=category),
                strategy=Strategy(guidance=guidance[:GUIDANCE_MAX_CHARS], repair=repair),
                evidence=evidence,
                episodes=episodes,
                note=f"structured {category} error: {quote_untrusted(message, 120)}",
            )

        if category in ("rate_limit", "transient"):
            wait = retry_after(message)
            repair = Repair(ops=[Retry(max_attempts=self.retry_attempts, backoff_s=wait or 0.5)])
            return proposal(
                f"retry-{category}",
                f"When `{tool}` fails with a {category.replace('_', ' ')} error, wait and retry the same call "
                "(honour Retry-After) instead of changing the arguments or giving up.",
                repair,
            )
        named = _fields_named(message)
        if category == "missing_arg":
            # A missing argument is one the call lacks: names it has, and its values, are not it.
            given = {str(v) for v in args.values() if isinstance(v, str | int | float)}
            fields = [f for f in named if f not in args and f not in given]
        else:
            fields = [f for f in named if f in args]
        renames = _renames(message, args)
        if renames:
            rename = Repair(
                ops=[RenameArg(arg=a, to=b) for a, b in renames.items()],
                precondition=[ArgCondition(arg=a, present=True) for a in renames],
            )
            return proposal(
                "-".join([category, *sorted(renames)[:2]]), _repair_guidance(tool, rename, (args, {})), rename
            )
        if category == "extra_arg":
            extra = [f for f in _fields_named(message) if f in args]
            if extra:
                ops = [DropArg(arg=f) for f in extra[:5]]
                pre = [ArgCondition(arg=f, present=True) for f in extra[:5]]
                return proposal(
                    "drop-" + "-".join(extra[:2]),
                    f"`{tool}` does not accept {', '.join(f'`{f}`' for f in extra[:5])}: leave "
                    f"{'it' if len(extra) == 1 else 'them'} out.",
                    Repair(ops=ops, precondition=pre),
                )
        allowed = _allowed_values(message)
        if category == "enum" and allowed:
            for f in fields or list(args):
                value = args.get(f)
                if not isinstance(value, str):
                    continue
                for case in ("lower", "upper", "title"):
                    if getattr(value, case)() in allowed and value not in allowed:
                        regex = r".*[A-Z].*" if case == "lower" else r".*[a-z].*" if case == "upper" else None
                        return proposal(
                            f"{f}-case",
                            f"`{tool}`: `{f}` values are {case}-case, "
                            f"e.g. {quote_untrusted(getattr(value, case)(), 40)}.",
                            Repair(
                                ops=[ChangeCase(arg=f, to=case)],
                                precondition=[ArgCondition(arg=f, regex=regex)] if regex else None,
                            ),
                        )
            shown = ", ".join(quote_untrusted(v, 30) for v in allowed[:8])
            what = f"`{fields[0]}`" if fields else "the value"
            return proposal(
                f"{fields[0] if fields else 'value'}-allowed",
                f"`{tool}`: {what} must be one of {shown}. DO use one of these exactly. DON'T invent variants.",
            )
        if category == "type":
            for f in fields:
                value = args.get(f)
                numeric = _numeric_target(message)
                if numeric == "int" and isinstance(value, float) and value.is_integer():
                    return proposal(
                        f"{f}-int",
                        f"`{tool}`: send `{f}` as a JSON integer (`{int(value)}`, not `{value}`).",
                        Repair(ops=[CoerceArg(arg=f, to="int")], precondition=[ArgCondition(arg=f, type="float")]),
                    )
                if isinstance(value, str) and value.strip().lower() in ("true", "false") and _BOOL.search(message):
                    return proposal(
                        f"{f}-bool",
                        f"`{tool}`: send `{f}` as a JSON boolean (true/false), not a string.",
                        Repair(ops=[CoerceArg(arg=f, to="bool")], precondition=[ArgCondition(arg=f, type="str")]),
                    )
                if isinstance(value, str) and numeric is not None:
                    try:
                        float(value)
                    except ValueError:
                        continue
                    return proposal(
                        f"{f}-{numeric}",
                        f"`{tool}`: send `{f}` as a JSON {'integer' if numeric == 'int' else 'number'}, not a string.",
                        Repair(
                            ops=[CoerceArg(arg=f, to=numeric)],
                            precondition=[ArgCondition(arg=f, type="str")],
                        ),
                    )
        if category == "missing_arg" and fields:
            names = ", ".join(f"`{f}`" for f in fields[:5])
            return proposal(
                "required-" + "-".join(fields[:2]),
                f"`{tool}` requires {names}: always include {'it' if len(fields) == 1 else 'them'} in the call.",
            )
        return None


def _still_holds(repair: Repair, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    try:
        fixed = same_args(apply_repair(repair, bad), good)
    except Exception:  # an op that cannot apply to these arguments: the rule does not hold here
        return False
    if not fixed:
        return False
    return repair.precondition is None or (precondition_holds(repair, bad) and not precondition_holds(repair, good))


def _fields_named(message: str) -> list[str]:
    """Argument names an error message points at (pydantic loc lines, quoted names), identifiers only."""
    found: list[str] = []
    for m in re.finditer(r"(?m)^\s*([A-Za-z_][\w.]{0,60})\s*(?:$|:)", message):
        found.append(m.group(1))
    for m in re.finditer(r"['\"`]([A-Za-z_][\w.]{0,60})['\"`]", message):
        found.append(m.group(1))
    for m in re.finditer(r"\b(?:field|argument|parameter|property|key)\s+['\"`]?([A-Za-z_][\w.]{0,60})", message, re.I):
        found.append(m.group(1))
    # A name with "..." in it was elided (a capped message): it names nothing.
    return [f for f in dict.fromkeys(found) if _IDENT.match(f) and "..." not in f and f.lower() not in _NOT_FIELDS]


#: Words the patterns above catch that name no argument ("Field required", "argument missing").
_NOT_FIELDS = frozenset({"error", "input", "type", "value", "required", "missing", "is", "not", "must", "should"})


_NOW_MAX_CHARS = 8000
_MISSING_WORDS = re.compile(r"missing|field required|is a required|required (argument|field|parameter|property)", re.I)
_EXTRA_WORDS = re.compile(
    r"unexpected|extra (fields|inputs?)|not permitted|additional properties|unknown (field|argument|parameter)|"
    r"unrecogni[sz]ed",
    re.I,
)
_BOOL = re.compile(r"\bbool(ean)?\b", re.I)
_NAME_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _name_words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for part in re.split(r"[_\-.\s]+", name) for w in _NAME_WORDS.findall(part))


def _reported(message: str, words: re.Pattern[str], present: bool, args: dict[str, Any]) -> list[str]:
    """Names the lines matching `words` report (quoted in the line, at its start before a colon as
    in ``seats: Field required``, or alone on the line before, as pydantic prints locations), kept
    when they are (`present`) or are not in `args`."""
    lines = message.splitlines()
    found: list[str] = []
    for i, line in enumerate(lines):
        if not words.search(line):
            continue
        names = re.findall(r"['\"`]([A-Za-z_][\w.\-]{0,60})['\"`]", line)
        lead = re.match(r"\s*([A-Za-z_][\w.\-]{0,60})\s*:", line)
        if lead:
            names.append(lead.group(1))
        if i > 0 and _IDENT.match(lines[i - 1].strip()):
            names.append(lines[i - 1].strip())
        found.extend(n for n in names if (n in args) is present)
    return list(dict.fromkeys(found))


def _renames(message: str, args: dict[str, Any]) -> dict[str, str]:
    """Misnamed arguments an error spells out: {sent name: expected name}.

    The message must report a sent argument as unexpected and another as missing; the sent one is
    renamed to the missing one it matches (the same words in another case style, or its words the
    start or end of the other's: ``token`` -> ``access_token``), only when exactly one matches
    either way. Unrelated extra and missing arguments stay for the model: moving a value between
    them would be a guess.
    """
    extra = _reported(message, _EXTRA_WORDS, True, args)
    missing = _reported(message, _MISSING_WORDS, False, args) if extra else []
    if not missing:
        return {}

    def related(a: str, b: str) -> bool:
        short, long_ = sorted((_name_words(a), _name_words(b)), key=len)
        if not short or short == long_:
            return bool(short)
        n = len(short)
        return long_[:n] == short or long_[-n:] == short

    out: dict[str, str] = {}
    for f in extra:
        matches = [m for m in missing if related(f, m)]
        if len(matches) == 1 and sum(related(g, matches[0]) for g in extra) == 1 and matches[0] not in out.values():
            out[f] = matches[0]
    return out


def _allowed_values(message: str) -> list[str]:
    m = re.search(
        r"(?:(?:must|should) be(?: either| one of)?|expected(?: one of)?|one of|allowed values?|valid options?)"
        r"\s*:?\s*[\[({]?([^\]\)}\n]{1,400})",
        message,
        re.I,
    )
    if not m:
        dm = re.search(r"did you mean\s+['\"`]?([\w .:/+\-]{1,40}?)['\"`]?\s*\??$", message, re.I | re.M)
        return [dm.group(1)] if dm and _TOKEN.match(dm.group(1)) else []
    # A Python set or list printed in the message ("{'economy', 'business'}"): brackets are no part of a value.
    raw = re.split(r",|\bor\b|\|", m.group(1))
    values = [v.strip().strip("'\"` {}[]()") for v in raw]
    return [v for v in values if v and _TOKEN.match(v)][:20]


def _numeric_target(message: str) -> str | None:
    if re.search(r"\bint(eger)?\b", message, re.I):
        return "int"
    if re.search(r"\b(float|number|decimal)\b", message, re.I):
        return "float"
    return None


def _repair_guidance(tool: str, repair: Repair, example: tuple[dict[str, Any], dict[str, Any]]) -> str:
    bad, good = example
    parts = []
    for op in repair.ops:
        arg = getattr(op, "arg", "")
        if op.op == "rename":
            parts.append(f"name the argument `{op.to}`, not `{arg}`")
        elif op.op == "drop":
            parts.append(f"leave out `{arg}`")
        elif op.op == "set":
            parts.append(f"set `{arg}`")
        else:
            parts.append(f"fix the format of `{arg}` ({op.op.replace('_', ' ')})")
    text = f"When calling `{tool}`: " + "; ".join(parts) + "."
    touched = [getattr(op, "to", None) if op.op == "rename" else getattr(op, "arg", None) for op in repair.ops]
    for key in touched:
        if key and key in good and not isinstance(good[key], dict | list):
            after = apply_repair(repair, bad).get(key)
            text += f" DO: {key}={quote_untrusted(str(after), 40)}"
            orig = getattr(repair.ops[touched.index(key)], "arg", key)
            if orig in bad and not isinstance(bad[orig], dict | list):
                text += f" DON'T: {orig}={quote_untrusted(str(bad[orig]), 40)}"
            break
    return text[:GUIDANCE_MAX_CHARS]


def same_behaviour(a: Strategy, b: Strategy) -> bool:
    """Whether two strategies act the same: equal repair and code when they have one, else equal guidance.

    Mined guidance quotes the failing example, so the same repair learned from two episodes differs
    only in its example text; it is one idea (and one rejected by a reviewer stays rejected).
    """
    if a.repair is not None or a.code is not None:
        return (a.repair, a.code) == (b.repair, b.code)
    return a == b


def observed_win(proposal: Proposal, events: Sequence[Event]) -> bool:
    """Whether `events` already compared the proposal's repair with doing nothing, at one call site.

    True when a failed call among the proposal's evidence has the repair's failing shape (its
    precondition holds) and the repair turns its arguments into exactly those of the later
    successful call of the same tool: the failure is what "apply nothing" did there, the success is
    what the repair produces. Checked on the stored events, so no miner's say-so is trusted.
    """
    repair = proposal.strategy.repair
    if repair is None or not repair.precondition or not proposal.evidence:
        return False
    ids = set(proposal.evidence)
    for bad, good in correction_pairs(events):
        if bad.id is None or bad.id not in ids or bad.tool != proposal.trigger.tool:
            continue
        args = _args(bad) or {}
        try:
            if precondition_holds(repair, args) and same_args(apply_repair(repair, args), _args(good) or {}):
                return True
        except Exception:  # a repair that cannot apply to these arguments proves nothing
            continue
    return False


def check_proposal(
    proposal: Proposal,
    store: SkillStore,
    *,
    min_trigger_rate: float = 0.5,
    max_guidance_chars: int = GUIDANCE_MAX_CHARS,
    lookback: int = 200,
) -> CheckResult:
    """The checks a proposal must pass before it is tested.

    * length caps and no instruction-like text in its guidance;
    * not a duplicate of a version the library already has (same trigger and strategy), unless that
      version was retired or rejected long ago — a rejected idea is not re-proposed;
    * trigger rate: among the stored failures it targets (same tool and error class, last
      `lookback`, from episodes of the policy version its evidence came from), the share on which
      it would fire — its repair's precondition holds, or its trigger matches — must reach
      `min_trigger_rate`.
    """
    guidance = proposal.strategy.guidance or ""
    if len(guidance) > max_guidance_chars:
        return CheckResult(ok=False, reason=f"guidance longer than {max_guidance_chars} characters")
    if looks_like_injection(guidance) or looks_like_injection(proposal.description):
        return CheckResult(ok=False, reason="guidance reads like an instruction injection")
    for skill in store.skills():
        for version in skill.versions:
            if same_behaviour(version.strategy, proposal.strategy) and (
                skill.name == proposal.name or skill.trigger == proposal.trigger
            ):
                state = "already in the library" if version.status is not VersionStatus.REJECTED else "rejected before"
                return CheckResult(ok=False, reason=f"duplicate of {version.id} ({state})")
    measured = trigger_rate(
        proposal.trigger,
        proposal.strategy,
        store,
        lookback=lookback,
        policy_version=evidence_policy(proposal.episodes, store),
    )
    if measured is None:
        return CheckResult(ok=True, trigger_rate=None)
    rate, n = measured
    if rate < min_trigger_rate:
        return CheckResult(
            ok=False,
            reason=f"fires on {rate:.0%} of the {n} failures it targets (minimum {min_trigger_rate:.0%})",
            trigger_rate=rate,
        )
    return CheckResult(ok=True, trigger_rate=rate)


class _AnyPolicy:
    """`trigger_rate`'s default: failures under every policy version count."""


ANY_POLICY = _AnyPolicy()


def evidence_policy(episodes: Sequence[str], store: SkillStore) -> str | _AnyPolicy | None:
    """The policy version the episodes a proposal was mined from ran under (`ANY_POLICY` when unknown)."""
    for episode_id in episodes:
        try:
            return store.episode(episode_id).policy_version
        except NotFoundError:
            continue
    return ANY_POLICY


def trigger_rate(
    trigger: Trigger,
    strategy: Strategy,
    store: SkillStore,
    *,
    lookback: int = 200,
    policy_version: str | _AnyPolicy | None = ANY_POLICY,
) -> tuple[float, int] | None:
    """The share of the stored failures a skill targets on which it would fire, and how many it targets.

    Targets: the last `lookback` tool errors of the trigger's tool with its error class, only those
    from episodes run under `policy_version` when one is given: after an announced policy change
    the old policy's failures say nothing about which mistakes the new one makes, and a rule for a
    new mistake would otherwise be measured against failures it was never meant to fix. It fires on
    one when its repair's precondition holds for the failed call's arguments (or, without a
    precondition, when its trigger matches the error). None when the skill targets no stored
    failure, or is no tool-error skill on one named tool (the rate is then undefined).
    """
    if trigger.kind is not TriggerKind.TOOL_ERROR or not trigger.tool or trigger.tool_is_glob:
        return None
    targets = [
        e
        for e in store.events(kind=EventKind.TOOL_ERROR, tool=trigger.tool)[-lookback:]
        if trigger.error_type is None
        or _category(e) == trigger.error_type
        or str(e.data.get("error_type", "")).lower() == trigger.error_type.lower()
    ]
    if not isinstance(policy_version, _AnyPolicy):
        policies: dict[str, str | None] = {}

        def policy_of(episode_id: str | None) -> str | _AnyPolicy | None:
            if not episode_id:
                return ANY_POLICY
            if episode_id not in policies:
                try:
                    policies[episode_id] = store.episode(episode_id).policy_version
                except NotFoundError:
                    return ANY_POLICY
            return policies[episode_id]

        targets = [e for e in targets if policy_of(e.episode_id) == policy_version]
    if not targets:
        return None
    repair = strategy.repair
    if repair is not None and repair.precondition:
        fired = sum(1 for e in targets if precondition_holds(repair, _args(e) or {}))
    else:
        fired = sum(
            1
            for e in targets
            if trigger.matches(tool=e.tool, error_type=trigger.error_type, text=str(e.data.get("error", "")))
        )
    return fired / len(targets), len(targets)
