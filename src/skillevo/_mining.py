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
   when the arguments have the failing shape) and a guidance text. When none does, the
   corrections that changed the same arguments as the newest one may get their own rule, if it
   leaves every other correction's values alone (`synthesize_apart`: one signature can stand for
   mistakes in several arguments when the message names none). Corrections made under another
   policy version (an announced change, `Evolver.policy_version`) are kept apart: a new policy's
   mistakes may need another rule, and the old policy's corrections must not veto it.
2. **Structured errors** that say what to do without a correction: rate limits and transient errors
   (retry with back-off, honouring Retry-After), unexpected arguments (drop them), enum values in
   the wrong case (change case), numbers sent as strings (cast), missing arguments and allowed
   values (guidance).

Learned text is built, not copied: guidance comes from templates filled with validated facts
(identifiers, a JSON type, a value's shape, made-up examples of that shape, values the tool declared
as a small closed set: `_guidance_facts`, `_structured`, `_shape`), and every text passes
`clean_guidance`, which refuses one holding a concrete value of the failed call. Notes quote the
error's signature (instance values already replaced), through `quote_untrusted`.
"""

from __future__ import annotations

import hashlib
import re
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._detect import detect_failure, error_signature, same_signature
from ._duplicates import duplicate_of
from ._errors import NotFoundError, SkillevoError
from ._guidance_facts import clean_guidance, declared_values, observed_values, repair_guidance
from ._instance_data import mask_data
from ._message_names import introduced_names, message_name, message_names_fit
from ._models import (
    GUIDANCE_MAX_CHARS,
    SKILL_NAME_RE,
    ChangeCase,
    CoerceArg,
    Event,
    EventKind,
    RenameArg,
    Repair,
    Strategy,
    Trigger,
    TriggerKind,
)
from ._named_fix import synthesize_named
from ._prose import hidden_in, mentions_address
from ._repair import apply_repair, precondition_holds, same_args
from ._repair_proof import added_in_two_episodes, adds_instance_value, event_args, still_holds
from ._shape import strings_in
from ._store import SkillStore
from ._store_common import scrub_strategy
from ._stored_repair import repair_ops_refusal
from ._structured import structured_rule
from ._task_data import adds_left_out, sent_otherwise
from ._trigger_rate import error_category, evidence_policy, trigger_rate
from ._untrusted import (
    clean_text,
    declared_name,
    has_hidden,
    is_mixed_script,
    looks_like_injection,
    quote_untrusted,
)
from ._vouch import SUGGESTED, UNVOUCHED, suggested_constant, unvouched_constant

__all__ = ["CheckResult", "Miner", "Proposal", "RuleMiner", "check_proposal", "observed_win"]



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
    #: Set by a miner whose guidance a model wrote (`LLMMiner` does; a miner of your own that asks a
    #: model should too): such words reach no prompt until a person approves the version
    #: (`skillevo._probation.text_unvouched`); its repair is tested like any other.
    model_written: bool = False


class CheckResult(BaseModel):
    """The verdict of `check_proposal`."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    reason: str = ""
    trigger_rate: float | None = None
    #: the stored version a refused proposal duplicates (its id), if that is the reason
    duplicate_of: str | None = None


class Miner(ABC):
    """Turns logged failures into skill proposals."""

    name: str = "miner"
    #: Whether the running Evolver's catalog declares a tool (set by the Evolver; None: no catalog is
    #: known, so no tool counts as declared). A miner sees only the run's events otherwise.
    declares_tool: Callable[[str], bool] | None = None

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


def _is_success(event: Event) -> bool:
    if event.kind != EventKind.TOOL_RESULT:
        return False
    return detect_failure(event.data.get("result")) is None


def _unparsed(event: Event) -> bool:
    """A failed call whose arguments did not parse in full: its recorded ones are only what did, so
    a later call's values correct nothing the model wrote (every value would read as a constant)."""
    return event.kind == EventKind.TOOL_ERROR and event.data.get("unparsed") is True


def correction_pairs(events: Sequence[Event]) -> list[tuple[Event, Event]]:
    """(failed call, later successful call of the same tool with other arguments), per episode.

    A call with several mistakes fails once per mistake, each error naming one: a failed call
    followed by another failed call with other arguments and *another* error signature, and later
    by a success that kept the arguments changed in between, gets a partial pair: its arguments,
    with only what changed before the next error, against them (a success event marked
    ``partial``, no id). Each error so explains its own argument; a multi-argument correction is
    learned as per-argument rules. A call whose arguments did not parse (``unparsed``) is no attempt.
    """
    pairs: list[tuple[Event, Event]] = []
    by_episode: dict[str | None, list[Event]] = {}
    for e in events:
        by_episode.setdefault(e.episode_id, []).append(e)
    for evs in by_episode.values():
        for i, err in enumerate(evs):
            if err.kind != EventKind.TOOL_ERROR or event_args(err) is None or _unparsed(err):
                continue
            following: Event | None = None
            for later in evs[i + 1 :]:
                if later.tool != err.tool or _unparsed(later):
                    continue
                if later.kind == EventKind.TOOL_ERROR:
                    if not same_args(event_args(later), event_args(err)):
                        if following is None:
                            following = later
                        continue  # another failed attempt: the correction, if any, is judged from that one
                    continue
                if _is_success(later):
                    if following is None:
                        if not same_args(event_args(later), event_args(err)):
                            pairs.append((err, later))
                    else:
                        partial = _partial_fix(err, following, later)
                        if partial is not None:
                            pairs.append((err, partial))
                    break
    return pairs


def _partial_fix(err: Event, nxt: Event, success: Event) -> Event | None:
    """The correction of `err` alone, when the next failed attempt `nxt` failed for another reason
    and the final `success` kept what `nxt` changed (None otherwise)."""
    bad, mid, good = event_args(err) or {}, event_args(nxt) or {}, event_args(success) or {}
    if _signature_of(nxt) == _signature_of(err):
        return None
    changed = [k for k in dict.fromkeys([*bad, *mid]) if not (k in bad and k in mid and same_args(bad[k], mid[k]))]
    if not changed or any(k in mid and (k not in good or not same_args(mid[k], good[k])) for k in changed):
        return None
    if any(k not in mid and k in good for k in changed):
        return None
    fixed = {k: v for k, v in bad.items() if k not in changed or k in mid}
    fixed.update({k: mid[k] for k in changed if k in mid})
    if same_args(fixed, good):
        return None  # the next attempt was the whole correction: the ordinary pair covers it
    return Event(
        kind=EventKind.TOOL_RESULT,
        tool=success.tool,
        episode_id=success.episode_id,
        data={"args": fixed, "result": success.data.get("result"), "partial": True},
    )


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
        # A stored signature of an older scheme matches too: it is read against the error's own text.
        errors = [
            e
            for e in store.events(kind=EventKind.TOOL_ERROR, tool=tool)
            if _signature_of(e) == signature and self._policy_of(e.episode_id, store) == policy
        ][-self.max_pairs :]
        pairs: list[tuple[Event, Event]] = []
        for episode_id in dict.fromkeys(e.episode_id for e in errors if e.episode_id):
            pairs.extend(
                (a, b)
                for a, b in correction_pairs(store.events(episode_id=episode_id))
                if _signature_of(a) == signature
            )
        return pairs

    def _from_correction(self, err: Event, fix: Event, store: SkillStore) -> Proposal | None:
        tool = declared_name(err.tool)
        if tool is None:
            return None  # a tool whose name is no identifier gets no skill: its name would reach a prompt
        category = error_category(err)
        signature = _signature_of(err)
        with self._lock:
            policy = self._policy_of(err.episode_id, store)
            key = (tool, signature, policy)
            known = self._pairs.get(key)
            if known is None:
                known = deque(self._stored_pairs(tool, signature, store, policy), maxlen=self.max_pairs)
                self._pairs[key] = known
            pairs = [(err, fix)]
            seen = {(repr(event_args(err)), repr(event_args(fix)))}
            alike: list[tuple[Event, Event]] = []  # another episode's same correction: evidence, no new pair
            for a, b in reversed(known):
                marker = (repr(event_args(a)), repr(event_args(b)))
                if (a.id is None or a.id != err.id) and marker not in seen:
                    pairs.append((a, b))
                    seen.add(marker)
                elif a.id is None or a.id != err.id:
                    alike.append((a, b))
            if not any(a is err or (a.id is not None and a.id == err.id) for a, _ in known):
                known.append((err, fix))
        arg_pairs = [(event_args(a) or {}, event_args(b) or {}) for a, b in pairs]
        previous = self._repairs.get(key)
        if previous is not None and still_holds(previous, *arg_pairs[0]):
            repair: Repair | None = previous  # the known rule explains the new pair too: no new search
        else:
            # A required argument's value is the caller's data: one correction's value is no rule.
            repair, arg_pairs = synthesize_named(pairs, arg_pairs, confirm_additions=category == "missing_arg")
        if repair is None:
            # No single rule explains every correction of this (tool, error signature): no proposal.
            return None
        # A value added for an argument the agent left out is judged as one, whatever the error's
        # wording (a JSON body saying "missing" is no class the classifier reads).
        adds = category == "missing_arg" or adds_left_out(repair, arg_pairs)
        if (adds or adds_instance_value(repair)) and not added_in_two_episodes(repair, pairs + alike):
            # Within one task a value used twice is still that task's data; a value shaped like one
            # record's (free text, an id, a phone) is, whatever the error's wording.
            return None
        if adds and sent_otherwise(repair, tool, store):
            return None  # the tool's successful calls took other values: the task's data, no constant
        self._repairs[key] = repair
        args_touched = sorted({op.arg for op in repair.ops if hasattr(op, "arg")})
        names = [tool, *(k for a, b in arg_pairs for k in (*a, *b) if isinstance(k, str))]
        observed = [v for a, b in arg_pairs for v in observed_values(a, b)]
        raw = str(err.data.get("error", ""))[:_NOW_MAX_CHARS]
        declared = [] if has_hidden(raw) else declared_values(raw, arg_pairs[0][0])
        text = repair_guidance(tool, repair, arg_pairs[0], declared)
        added = introduced_names(repair, arg_pairs[0][0])
        if not all(message_name(n, {}) for n in added) or not message_names_fit(added):
            text = None  # names the agent took from the failure are shown as an error's would be, or not at all
        guidance = clean_guidance(text, observed, declared, names)
        return Proposal(
            name=_slug(tool, category if category != "unknown" else "fix", *args_touched[:2]),
            description=f"Repair for {tool} failures of class {category}, learned from the agent's own corrections.",
            trigger=Trigger(
                kind=TriggerKind.TOOL_ERROR, tool=tool, error_type=None if category == "unknown" else category
            ),
            strategy=Strategy(guidance=guidance, repair=repair),
            evidence=[e.id for pair in pairs for e in pair if e.id is not None],
            episodes=sorted({e.episode_id for pair in pairs for e in pair if e.episode_id}),
            note=f"{len(pairs)} correction pair(s); error signature: {_signature_note(err)}",
        )

    # ------------------------------------------------------------------ structured errors

    def _from_structured(self, err: Event) -> Proposal | None:
        tool = declared_name(err.tool)
        if tool is None:
            return None
        raw = str(err.data.get("error", ""))
        message = clean_text(raw, _NOW_MAX_CHARS)
        category = error_category(err)
        if has_hidden(raw[:_NOW_MAX_CHARS]) and category not in ("rate_limit", "transient"):
            return None  # a message hiding characters (zero-width, bidi, tag characters) gives no facts
        args = event_args(err) or {}
        rule = structured_rule(tool, message, category, args, self.retry_attempts)
        if rule is None:
            return None
        names = [tool, *(k for k in args if isinstance(k, str))]
        guidance = clean_guidance(rule.guidance, observed_values(args), rule.allowed, names)
        if guidance is None and rule.repair is None:
            return None
        return Proposal(
            name=_slug(tool, rule.suffix),
            description=f"{tool}: {category} errors",
            trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool, error_type=category),
            strategy=Strategy(guidance=guidance, repair=rule.repair),
            evidence=[err.id] if err.id is not None else [],
            episodes=[err.episode_id] if err.episode_id else [],
            note=f"structured {category} error; error signature: {_signature_note(err)}",
        )


_NOW_MAX_CHARS = 8000


def _signature_of(event: Event) -> str:
    """The event's error signature in the current scheme: the stored one when it is current (or
    equals the older scheme's signature of the stored text), else recomputed from the stored text."""
    stored = event.data.get("signature")
    message = str(event.data.get("error", ""))
    current = error_signature(message)
    if stored == current or not isinstance(stored, str) or same_signature(stored, message, current):
        return current
    return stored


def _signature_note(err: Event) -> str:
    """The error's signature, quoted as data, with the message's instance data masked.

    A signature replaces numbers but keeps words, and is lower-cased: a customer's name or city in
    the message ("for the order of Alice Moreau") would go into the note, and with it into every
    export and report. So it is computed again from the message with `mask_data` applied first
    (the call's values, tokens with two digits, words capitalised inside a sentence), while the
    capitals that mark a name can still be read."""
    raw = str(err.data.get("error", ""))
    if not raw:
        return quote_untrusted(str(err.data.get("signature") or ""), 120)
    args = err.data.get("args")
    masked = mask_data(raw, observed_values(args if isinstance(args, dict) else {}))
    return quote_untrusted(error_signature(masked), 120)


_WORD = re.compile(r"\w+")


def _wording(guidance: str | None) -> list[str] | None:
    """The words of `guidance` as a model reads them: NFKC, invisible characters dropped, case
    folded; spacing, punctuation and code marks are left out."""
    if guidance is None:
        return None
    return _WORD.findall(clean_text(guidance, GUIDANCE_MAX_CHARS * 2).casefold())


def same_behaviour(a: Strategy, b: Strategy) -> bool:
    """Whether two strategies act the same: equal repair and code when they have one, else guidance
    of the same words.

    Mined guidance carries an example of the failing call's shape, so the same repair learned from
    two episodes may differ only in its example text; it is one idea (and one rejected by a reviewer
    stays rejected). Guidance is compared by its words, not its bytes: the same text in another
    case, spacing or punctuation (an import or a miner rewording what reviewers rejected) is the
    same guidance to the model, so it is the same idea.
    """
    if a.repair is not None or a.code is not None:
        return (a.repair, a.code) == (b.repair, b.code)
    if b.repair is not None or b.code is not None:
        return False
    return _wording(a.guidance) == _wording(b.guidance)


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
        if bad.id is None or bad.id not in ids or bad.tool != proposal.trigger.tool or good.data.get("partial"):
            continue  # a partial fix was itself a failed call: no observed win
        args = event_args(bad) or {}
        try:
            if precondition_holds(repair, args) and same_args(apply_repair(repair, args), event_args(good) or {}):
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
    vouched: bool = False,
) -> CheckResult:
    """The checks a proposal must pass before it is tested.

    * length caps and no instruction-like text in its guidance; no address (URL, e-mail, host) in
      its guidance or description, and no hidden or control character in its code, repair or
      trigger, where a reviewer would read something else than what runs (`skillevo._prose`);
    * no address (e-mail, URL, phone, account number) among the constants its repair writes into
      a call (`writes_address`), no identifier of one party or place (`writes_party_id`: an
      account id, a token, a bare host, whatever field it goes to), no text a date format or a pad
      writes of its own (`skillevo._own_text`: ``to_format="mallory"``, a fill of nines), and no
      constant written into a field that holds a person (`writes_person`: a payee, a recipient); any
      other constant a closed-set word or one the agent's own calls sent unprompted (`skillevo._vouch`;
      `vouched`: the caller vouched for them elsewhere, the checks before and after still apply);
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
    if any(has_hidden(t) or is_mixed_script(t) for t in (guidance, proposal.description)):
        return CheckResult(ok=False, reason="guidance holds hidden or look-alike characters")
    if any(mentions_address(t) for t in (guidance, proposal.description)):
        return CheckResult(ok=False, reason="its guidance names an address (URL, e-mail, host): where data would go")
    try:
        # Judged as the store will keep it (redacted): a constant the store would replace by a
        # placeholder ("set api_key = [REDACTED:secret]") is no value to send.
        repair = scrub_strategy(proposal.strategy).repair
    except ValidationError:
        return CheckResult(ok=False, reason="its strategy is invalid once its secrets are redacted")
    dumped = repair.model_dump(mode="json") if repair is not None else None
    # The checks of the operations alone: the trigger index runs them again on a stored repair.
    if dumped is not None and (refusal := repair_ops_refusal(dumped["ops"])) is not None:
        return CheckResult(ok=False, reason=refusal)
    trigger = proposal.trigger.model_dump(mode="json")
    if hidden_in(proposal.strategy.code, [*strings_in(dumped), *strings_in(trigger)]):
        reason = "its code, repair or trigger holds hidden, control or look-alike characters"
        return CheckResult(ok=False, reason=reason)
    if not vouched and unvouched_constant(repair, proposal.trigger, store):
        return CheckResult(ok=False, reason=UNVOUCHED)
    if not vouched and suggested_constant(repair, proposal.trigger, store):
        return CheckResult(ok=False, reason=SUGGESTED)
    # Read by index (`_duplicates`): a skill of the proposal's name under another trigger is another
    # skill (`_admission._store` stores the proposal under its own): only a version rejected there refuses.
    duplicate = duplicate_of(proposal, store)
    if duplicate is not None:
        version_id, state = duplicate
        return CheckResult(ok=False, reason=f"duplicate of {version_id} ({state})", duplicate_of=version_id)
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
