"""Credit that isolates a repair's effect: judged on the outcome it can affect.

A call often carries two mistakes and the tool reports one at a time. A repair that fixed the
first one, in a call that then fails on the second, did its job: charging it the failure (as the
null arm is charged at the same site) teaches the bandit nothing and keeps good repairs near 0.1.
So a repair arm, and the null arm at the same site, are credited with a failure only when the
failure is *attributable* to their site: the error is one the skill's trigger is about
(`attributable`). A failure that is not is set aside (`Parked`) with the call; when the call is
repaired again and retried in the episode, the arms ride along and are credited with the retry's
outcome (the earlier edits are still in the retried arguments); when nothing retries it, they get
no credit from that call. A success credits every arm waiting on the call, as before. A skill whose
trigger names no error (schema candidates) is charged every failure but a rate limit, an outage
or an authorisation error, which no argument causes or fixes. Whatever its trigger, an arm is
judged on its site's arguments (`site_args`: those its versions' edits touch, one set for every arm
at the site, the null arm's included): a failure whose error names arguments of the call, none of
them the site's, is set aside the same way (`names_elsewhere`; pydantic reports every argument it
rejects, so the repaired one was accepted); an error that names none of the call's arguments is
judged as above. The converse holds for a repair that edited the call: an error about arguments
naming one of its site's arguments is charged to it whatever its class (`names_own_edit`: a stale
rename's new name reported "unknown parameter" is the rename's doing, not another class's error),
and such an error of another class than its trigger's is undone at once (`_own_edits`). A pre-emptive
repair charged a failure is not applied again to the same call (the same arguments as sent) in that
episode: a model re-issuing the call after the error gets it through as it meant it. Nor is one
that wrote a constant into the call (a set or a value map) whose call failed on any error about
arguments, charged or set aside: a value the caller never sent can cause any kind of error (a
wrong card id: "card not registered"), and re-applying it would make every re-issue fail the same
way, uncharged. An error that names only other arguments (`names_elsewhere`) says the tool
accepted the constant: it is applied again to the model's repeat of the call. The rescue after an
error (the episode chose the null arm at the site) follows the same rule: no null-arm charge, no
rescue, for a failure that names only other arguments.

The call-level outcome does not see everything a repair changes (a repaired value the tool accepts
but that is semantically wrong fails nothing at that call), so promotion also needs the episode
reward not to drop: each repair site keeps a second posterior, keyed ``<skill>#episode``, of the
rewards of the episodes in which each arm was chosen there (`CreditLedger.credit_episode`), and a version under
test is promoted only when its episodes do not score worse than the null arm's (`reward_holds`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._conform import name_key
from ._detect import NOT_ABOUT_ARGUMENTS, classify_error
from ._guidance_facts import fields_named, without_echo
from ._models import NULL_ARM, RenameArg, Repair, Trigger

if TYPE_CHECKING:
    from ._selection import Selector

__all__ = [
    "EPISODE_SUFFIX",
    "about_arguments",
    "attributable",
    "episode_key",
    "error_names",
    "names_elsewhere",
    "names_own_edit",
    "reward_holds",
    "site_args",
]

EPISODE_SUFFIX = "#episode"
#: A compound identifier: camelCase or PascalCase (``binCode``, ``BinCode``) or words joined by ``_``/``-``.
_COMPOUND = re.compile(r"\b[A-Za-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+\b|\b[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+\b")
_CAMEL = re.compile(r"[a-z0-9][A-Z]")
#: The characters of an error read for other spellings of argument names (an error states them early).
_READ = 4096
#: Promotion is refused when P(the version's episodes score better than the null arm's) is below this.
REWARD_DROP_P = 0.1
#: Episodes on each side before the episode-reward check can refuse a promotion.
MIN_EPISODES = 5


def attributable(
    trigger: Trigger | None, tool: str, error_type: str, message: str, task: str, args: Any = ()
) -> bool:
    """Whether a failure of `tool` is one the skill with `trigger` is about (its error class and pattern).
    `args`: the failed call's arguments, read for the class as at the call (`ToolCalls.after_error`)."""
    if trigger is None or (trigger.error_type is None and trigger.pattern is None):
        return about_arguments(error_type, message, args)
    category = classify_error(message, error_type, args)
    return any(trigger.matches(tool=tool, error_type=t, text=message, task=task) for t in (error_type, category))


def about_arguments(error_type: str, message: str, args: Any = ()) -> bool:
    """Whether a failure can be caused by a call's arguments (not a rate limit, an outage or an
    authorisation error); `args`: the failed call's arguments (``timeout must be a positive number``
    rejects an argument ``timeout``)."""
    return classify_error(message, error_type, args) not in NOT_ABOUT_ARGUMENTS


def site_args(repairs: Iterable[Repair | None]) -> frozenset[str] | None:
    """The top-level arguments the `repairs` of one site may change (a rename: both names); None when
    one of them may change more than named arguments (a retry, sandboxed code) or none is known."""
    out: set[str] = set()
    for repair in repairs:
        if repair is None:
            return None
        for op in repair.ops:
            arg = getattr(op, "arg", None)
            if not isinstance(arg, str):  # a retry is about the whole call
                return None
            out.add(arg.split(".", 1)[0])
            if isinstance(op, RenameArg):
                out.add(op.to.split(".", 1)[0])
    return frozenset(out) or None


def error_names(message: str, tool: str, args: Any) -> frozenset[str]:
    """The top-level names the error `message` of a call of `tool` with `args` names, less the
    tool's own name and the words the call sent as values (`names_elsewhere` reads them per site)."""
    sent: dict[Any, Any] = args if isinstance(args, dict) else {}
    values = {v for v in sent.values() if isinstance(v, str)}
    named = {f.split(".", 1)[0] for f in fields_named(message)}
    # A backend of another language's naming writes the caller's `bin_code` as `binCode` (and the
    # other way round): a spelling of a sent argument's name that differs only by case and word
    # separators names that argument. Only compound spellings count: a plain word is prose.
    keys = {name_key(k): k for k in sent if isinstance(k, str) and name_key(k)}
    for token in _COMPOUND.findall(_without_values(without_echo(message)[:_READ], values)) if keys else ():
        compound = "_" in token or "-" in token or _CAMEL.search(token) is not None  # ("ABC" is a word)
        if compound and token not in values and token not in sent and name_key(token) in keys:
            named.add(keys[name_key(token)])
    return frozenset(named - values - {tool})


def _without_values(message: str, values: set[str]) -> str:
    """`message` with each sent value it repeats as a whole cut out: the words of an echoed value are
    the caller's ("please check binCode" in a note), never the backend naming an argument. A value met
    inside a longer word (``bin`` in ``binCode``) is part of that word and stays."""
    for value in sorted((v for v in values if v.strip()), key=len, reverse=True):
        if value in message:
            message = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", " ", message)
    return message


def names_elsewhere(
    site: frozenset[str] | None,
    message: str,
    tool: str,
    args: Any,
    takes: Callable[[str, str], bool],
    names: frozenset[str] | None = None,
) -> bool:
    """Whether the error `message` of a call of `tool` with `args` names arguments of the call (a
    top-level name the call sent or the tool takes, `takes(tool, name)`) and none of them is the
    `site`'s: a failure of other arguments. A word the call sent as a value names no argument.
    `names`: `error_names` of the same error, read once for every site of a call."""
    if not site:
        return False
    sent: dict[Any, Any] = args if isinstance(args, dict) else {}
    named = error_names(message, tool, args) if names is None else names
    named = frozenset(f for f in named if f in site or f in sent or takes(tool, f))
    return bool(named) and named.isdisjoint(site)


def names_own_edit(
    site: frozenset[str] | None,
    error_type: str,
    message: str,
    tool: str,
    args: Any,
    names: frozenset[str] | None = None,
) -> bool:
    """Whether a failure about arguments names one of the `site`'s arguments, in a call a repair
    there edited: the edit caused it whatever class the error is (a stale rename's new name
    reported "unknown parameter" is charged to the rename, not set aside as another class's error).
    `names`: `error_names` of the same error, read once for every site of a call."""
    if not site or not about_arguments(error_type, message, args):
        return False
    named = error_names(message, tool, args) if names is None else names
    return not named.isdisjoint(site)


def episode_key(skill: str) -> str:
    """The posterior key of the episode rewards at a repair site."""
    return skill + EPISODE_SUFFIX


def reward_holds(selector: Selector, skill: str, version_id: str) -> bool:
    """Whether the episodes in which `version_id` was chosen at `skill` do not score worse than the
    null arm's (too few episodes on either side: not judged)."""
    key = episode_key(skill)
    a, b = selector.posterior(key, version_id)
    na, nb = selector.posterior(key, NULL_ARM)
    if a + b - 2.0 < MIN_EPISODES or na + nb - 2.0 < MIN_EPISODES:
        return True
    return selector.prob_better(key, version_id, NULL_ARM) >= REWARD_DROP_P
