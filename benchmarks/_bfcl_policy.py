"""A scripted BFCL policy: replays the ground truth with realistic, seeded argument mistakes.

**Mistakes.** Like a real model, the policy has *characteristic* mistakes: for each (tool,
argument, mistake kind) that can apply, a seeded draw decides once per policy version whether the
policy is prone to it (share ``prone_share``); where it is prone it makes the mistake at the kind's
rate, elsewhere never. A kind applies by the argument's name, JSON type and value shape only
(derived from the tool's schema and the call, never from a particular BFCL string):

| kind | applies to | v1 | v2 |
|---|---|---|---|
| ``arg_name`` | a multi-word parameter name | snake_case <-> camelCase (``file_name`` -> ``fileName``) | its last word (``travel_date`` -> ``date``) |
| ``date_format`` | an ISO date value ``YYYY-MM-DD`` | ``MM/DD/YYYY`` | ``DD.MM.YYYY`` |
| ``enum_case`` | a one-word, single-case value (``economy``, ``START``) | Title case | the other case (``ECONOMY``, ``start``) |
| ``type_string`` | a number or boolean | sent as a string (``"20"``) | same |
| ``number_format`` | an integer of an ``integer`` parameter | -- | sent as a float (``20.0``) |
| ``id_shape`` | an ``...id`` parameter with an alphanumeric string value | ``#`` prefix | ``ID-`` prefix |
| ``missing_arg`` | a required argument | left out | same |

A drawn mistake is kept only if the tool layer or the backend rejects it (tried on a copy of the
state): mistakes a tool silently accepts are semantic failures that no error-driven learner can
see, and they would only lower every arm's success alike.

**Self-correction.** After an error message the policy fixes one of its mistakes in that call (one
whose argument the message names, else the first) with probability ``p_fix`` (one model turn
either way: it re-issues the call); after ``max_attempts`` failed attempts at one call it gives up
on it and moves on.

**Comprehension model.** At every model turn the policy reads the extra system-prompt text
(skillevo's guidance, or a baseline's notes) item by item (lines starting with "- "). An item
*addresses* a mistake when it names the mistake's tool and its argument (either name, for a wrong
argument name) as whole words. An addressed mistake is avoided with probability
``p_follow = p_follow_max / (1 + extra_tokens / attention_tokens)``: longer prompts are followed
less reliably. Nothing else in the text matters.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _bfcl_env import ToolSpec

__all__ = [
    "POLICY_V1",
    "POLICY_V2",
    "Mistake",
    "PolicyConfig",
    "addressed",
    "apply_mistakes",
    "draw_mistakes",
    "follow_probability",
    "prone",
]


@dataclass(frozen=True)
class Mistake:
    """One mistake in one call: the argument it concerns and its wrong form."""

    kind: str
    tool: str
    arg: str  # the correct argument name
    wrong_arg: str | None  # the name sent instead (arg_name), None when the argument is left out
    wrong_value: Any


@dataclass(frozen=True)
class PolicyConfig:
    """Mistake rates (per eligible argument) and behaviour of one policy version."""

    version: str
    rates: dict[str, float]
    styles: dict[str, str]
    prone_share: float = 0.3
    p_fix: float = 0.55
    max_attempts: int = 4
    max_mistakes_per_call: int = 2
    p_follow_max: float = 0.9
    attention_tokens: float = 600.0


POLICY_V1 = PolicyConfig(
    version="bfcl-policy@1",
    rates={
        "arg_name": 0.6,
        "date_format": 0.8,
        "enum_case": 0.6,
        "type_string": 0.6,
        "id_shape": 0.7,
        "missing_arg": 0.2,
    },
    styles={"arg_name": "swap", "date_format": "%m/%d/%Y", "enum_case": "title", "id_shape": "#"},
)

POLICY_V2 = PolicyConfig(
    version="bfcl-policy@2",
    rates={
        "arg_name": 0.6,
        "date_format": 0.8,
        "enum_case": 0.6,
        "type_string": 0.3,
        "number_format": 0.6,
        "id_shape": 0.7,
        "missing_arg": 0.2,
    },
    styles={"arg_name": "last", "date_format": "%d.%m.%Y", "enum_case": "flip", "id_shape": "ID-"},
)

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _words(name: str) -> list[str]:
    return [w.lower() for part in name.split("_") for w in _WORDS.findall(part)]


def _rename(name: str, style: str) -> str | None:
    words = _words(name)
    if len(words) < 2:
        return None
    if style == "last":
        return words[-1]
    if "_" in name:  # snake -> camel
        return words[0] + "".join(w.title() for w in words[1:])
    return "_".join(words)  # camel -> snake


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ONE_WORD = re.compile(r"^(?:[a-z]+(?:_[a-z]+)*|[A-Z]+(?:_[A-Z]+)*)$")
_ID_VALUE = re.compile(r"^(?=.*\d)[A-Za-z0-9]{3,}$")


def _wrong_value(kind: str, style: str, spec: ToolSpec, arg: str, value: Any) -> Any:
    """The mistaken value for `kind`, or None when the kind does not apply to this argument."""
    jtype = str(spec.properties.get(arg, {}).get("type", ""))
    if kind == "date_format" and isinstance(value, str):
        m = _ISO_DATE.match(value)
        if m:
            y, mo, d = m.groups()
            return style.replace("%Y", y).replace("%m", mo).replace("%d", d)
    elif kind == "enum_case" and isinstance(value, str) and 2 <= len(value) <= 20 and _ONE_WORD.match(value):
        flipped = value.upper() if value.islower() else value.lower()
        wrong = value.title() if style == "title" else flipped
        return wrong if wrong != value else None
    elif kind == "type_string" and isinstance(value, int | float) and jtype in ("integer", "float", "number", "boolean"):
        return str(value).lower() if isinstance(value, bool) else str(value)
    elif kind == "number_format" and isinstance(value, int) and not isinstance(value, bool) and jtype == "integer":
        return float(value)
    elif kind == "id_shape" and isinstance(value, str) and _words(arg)[-1:] == ["id"] and _ID_VALUE.match(value):
        return style + value
    return None


def prone(config: PolicyConfig, seed: int, tool: str, arg: str, kind: str) -> bool:
    """Whether this policy version (under `seed`) is prone to `kind` on `tool`'s `arg` (fixed per version)."""
    return random.Random(f"prone|{config.version}|{seed}|{tool}|{arg}|{kind}").random() < config.prone_share


def draw_mistakes(
    config: PolicyConfig,
    spec: ToolSpec,
    args: dict[str, Any],
    rng: random.Random,
    rejected: Callable[[dict[str, Any]], bool],
    seed: int = 0,
) -> list[Mistake]:
    """The mistakes the policy makes in one call (each one rejected by the tools on its own)."""
    out: list[Mistake] = []
    for arg, value in args.items():
        for kind, rate in config.rates.items():
            if len(out) >= config.max_mistakes_per_call or any(m.arg == arg for m in out):
                break
            style = config.styles.get(kind, "")
            if kind == "arg_name":
                wrong_arg = _rename(arg, style)
                if wrong_arg is None or wrong_arg in spec.properties or wrong_arg in args:
                    continue
                mistake = Mistake(kind, spec.name, arg, wrong_arg, value)
            elif kind == "missing_arg":
                if arg not in spec.required:
                    continue
                mistake = Mistake(kind, spec.name, arg, None, None)
            else:
                wrong = _wrong_value(kind, style, spec, arg, value)
                if wrong is None:
                    continue
                mistake = Mistake(kind, spec.name, arg, arg, wrong)
            if not prone(config, seed, spec.name, arg, kind) or rng.random() >= rate:
                continue
            if rejected(apply_mistakes(args, [mistake])):
                out.append(mistake)
    return out


def apply_mistakes(args: dict[str, Any], mistakes: list[Mistake]) -> dict[str, Any]:
    """The arguments as the policy sends them (key order kept)."""
    by_arg = {m.arg: m for m in mistakes}
    out: dict[str, Any] = {}
    for arg, value in args.items():
        m = by_arg.get(arg)
        if m is None:
            out[arg] = value
        elif m.wrong_arg is not None:
            out[m.wrong_arg] = m.wrong_value
    return out


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text) is not None


def addressed(mistake: Mistake, extra: str) -> bool:
    """Whether one item of the extra prompt text names the mistake's tool and its argument."""
    names = [mistake.arg] + ([mistake.wrong_arg] if mistake.wrong_arg and mistake.wrong_arg != mistake.arg else [])
    for line in extra.splitlines():
        if not line.startswith("- "):
            continue
        if _mentions(line, mistake.tool) and any(_mentions(line, n) for n in names):
            return True
    return False


def follow_probability(config: PolicyConfig, extra_tokens: int) -> float:
    """How reliably the policy follows an item that addresses a mistake, given the prompt's length."""
    return config.p_follow_max / (1.0 + extra_tokens / config.attention_tokens)
