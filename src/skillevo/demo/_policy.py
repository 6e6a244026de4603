"""The simulated policy: a competent agent with characteristic, seeded mistakes.

The policy knows how to solve each task (the task's plan) and makes, per call, the mistakes its
version is prone to, at the configured rates. After an error message it corrects itself with
probability ``p_fix`` (one more model turn), otherwise it repeats the call as it was; after
``max_attempts`` failed attempts at one step it gives up. A 429/503 is retried as it was with
probability ``p_retry``.

**Comprehension model.** At every turn the policy reads the extra text in its system message
(skillevo's guidance, or a baseline's notes), item by item (lines starting with "- "). An item
*addresses* a mistake class when it names one of the class's tools, one of its arguments and one of
its cue words (e.g. `search_flights` + `date` + "format"). If some item addresses a class, the
policy avoids that mistake with probability ``p_follow = p_follow_max / (1 + extra_tokens /
attention_tokens)``: longer prompts are followed less reliably. Nothing else in the text matters.

All randomness comes from a `random.Random` the caller seeds per episode.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._tasks import Call, Ctx, Giveup, Task

__all__ = [
    "MISTAKES",
    "POLICY_V1",
    "POLICY_V2",
    "Action",
    "EpisodePolicy",
    "MistakeClass",
    "SimPolicy",
    "addressed_classes",
]


@dataclass(frozen=True)
class MistakeClass:
    """A characteristic mistake: where it happens and which guidance words address it."""

    name: str
    kind: str
    tools: tuple[str, ...]
    args: tuple[str, ...]
    cues: tuple[str, ...]
    description: str


MISTAKES: dict[str, MistakeClass] = {
    m.name: m
    for m in (
        MistakeClass(
            "date_format",
            "format",
            ("search_flights",),
            ("date", "departure_date"),
            ("format", "yyyy", "iso"),
            "writes dates US-style (03/14/2025) instead of ISO 2025-03-14",
        ),
        MistakeClass(
            "cabin_case",
            "enum/case",
            ("search_flights", "book_flight"),
            ("cabin",),
            ("case", "lower", "economy"),
            "capitalises enum values (Economy)",
        ),
        MistakeClass(
            "currency_case",
            "enum/case",
            ("refund_order", "convert_currency"),
            ("currency", "from_currency", "to_currency"),
            ("case", "upper"),
            "writes currency codes in lower case (eur)",
        ),
        MistakeClass(
            "booking_prefix",
            "id shape",
            ("get_booking", "cancel_booking"),
            ("booking_id",),
            ("prefix", "bk"),
            "drops the BK prefix of booking references (004213)",
        ),
        MistakeClass(
            "order_padding",
            "id shape",
            ("get_order", "refund_order"),
            ("order_id",),
            ("pad", "digit", "zero", "format"),
            "drops the leading zeros of order numbers (412345)",
        ),
        MistakeClass(
            "amount_string",
            "type",
            ("refund_order", "convert_currency"),
            ("amount",),
            ("number", "float", "string", "coerce"),
            "sends amounts as strings ('49.90')",
        ),
        MistakeClass(
            "date_arg_name",
            "naming",
            ("search_flights",),
            ("departure_date",),
            ("argument", "name"),
            "calls the date argument departure_date (the v2 name) under API v1",
        ),
        MistakeClass(
            "reason_freetext",
            "guidance only",
            ("cancel_booking",),
            ("reason",),
            ("one of", "customer_request", "medical"),
            "writes the cancellation reason in its own words ('illness (BK004213)') instead of an allowed value",
        ),
        MistakeClass(
            "pagination",
            "semantic (no error)",
            ("list_orders",),
            ("next_page", "page", "pages"),
            ("page",),
            "reads only the first page of list_orders",
        ),
    )
}


class SimPolicy(BaseModel):
    """A policy version: its mistake rates and its behaviour after errors.

    Attributes:
        version: the policy's name (recorded as skillevo's policy_version).
        rates: probability of each mistake class per eligible call (per episode for pagination).
        p_fix: probability of correcting a mistake after its error message.
        p_retry: probability of retrying after a 429/503 rather than giving up.
        p_follow_max: probability of following guidance that addresses a mistake, with no prompt cost.
        attention_tokens: extra prompt tokens at which following drops to half.
        max_attempts: failed attempts at one step before the policy gives up.
        api: the API version the policy was built for (its tool-argument names).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    rates: dict[str, float]
    p_fix: float = Field(default=0.6, ge=0, le=1)
    p_retry: float = Field(default=0.9, ge=0, le=1)
    p_follow_max: float = Field(default=0.9, ge=0, le=1)
    attention_tokens: float = Field(default=800.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    api: Literal["v1", "v2"] = "v1"


POLICY_V1 = SimPolicy(
    version="sim-agent@1",
    rates={
        "date_format": 0.35,
        "cabin_case": 0.3,
        "currency_case": 0.25,
        "booking_prefix": 0.3,
        "order_padding": 0.3,
        "amount_string": 0.05,
        "date_arg_name": 0.45,
        "reason_freetext": 0.4,
        "pagination": 0.6,
    },
)

POLICY_V2 = SimPolicy(
    version="sim-agent@2",
    rates={
        "date_format": 0.05,
        "cabin_case": 0.1,
        "currency_case": 0.35,
        "booking_prefix": 0.1,
        "order_padding": 0.4,
        "amount_string": 0.4,
        "date_arg_name": 0.0,
        "reason_freetext": 0.25,
        "pagination": 0.5,
    },
    api="v2",
)

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _items(text: str) -> list[str]:
    parts = re.split(r"(?m)^\s*-\s+", text)
    return [p for p in parts if p.strip()]


def addressed_classes(extra_text: str) -> set[str]:
    """The mistake classes some item of `extra_text` addresses (tool + argument + cue word)."""
    out: set[str] = set()
    for item in _items(extra_text):
        words = {w.lower() for w in _WORD.findall(item)}
        low = item.lower()
        for m in MISTAKES.values():
            if any(t in words for t in m.tools) and any(a in words for a in m.args) and any(c in low for c in m.cues):
                out.add(m.name)
    return out


@dataclass
class Action:
    """What the model says on one turn: tool calls, or a final answer."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    final: str | None = None
    failed: bool = False


#: how the policy words each cancellation reason when it slips (it adds the booking reference)
_REASON_PHRASES: dict[str, tuple[str, ...]] = {
    "customer_request": ("customer request", "customer asked to cancel", "change of plans", "requested by customer"),
    "schedule_change": ("schedule change", "flight time changed", "airline rescheduled", "time change"),
    "duplicate": ("duplicate booking", "booked twice", "double booking", "duplicate"),
    "medical": ("illness", "traveller is ill", "medical emergency", "sick"),
}

_TRANSIENT = re.compile(r"\b(429|503)\b|temporarily unavailable|rate limit", re.I)


class EpisodePolicy:
    """The policy on one task: call `act` once per model turn.

    Args:
        config: the policy version.
        task: the task (its plan is the policy's competence).
        rng: the episode's random stream.
    """

    def __init__(self, config: SimPolicy, task: Task, rng: random.Random) -> None:
        self.config = config
        self.task = task
        self.rng = rng
        self.ctx = Ctx()
        self._pages_decided = False
        self.plan = task.plan(self.ctx)
        self.turns = 0
        self.done = False
        self._intended: Call | None = None
        self._emitted: dict[str, Any] | None = None
        self._attempts = 0
        self._recovering = False
        self._covered: set[str] = set()
        self._p_follow = 0.0

    # ------------------------------------------------------------------ reading the prompt

    def _read(self, extra_text: str, extra_tokens: int) -> None:
        self._covered = addressed_classes(extra_text) if extra_text else set()
        cfg = self.config
        self._p_follow = cfg.p_follow_max / (1.0 + extra_tokens / cfg.attention_tokens)

    def _slips(self, name: str) -> bool:
        rate = self.config.rates.get(name, 0.0)
        if rate <= 0.0:
            return False
        if name in self._covered and self.rng.random() < self._p_follow:
            return False
        return self.rng.random() < rate

    # ------------------------------------------------------------------ mistakes

    def _schema_args(self, call: Call) -> dict[str, Any]:
        args = dict(call.args)
        if call.tool == "search_flights" and self.config.api == "v2" and "date" in args:
            args["departure_date"] = args.pop("date")
        return args

    def _with_mistakes(self, call: Call) -> dict[str, Any]:
        args = self._schema_args(call)
        tool = call.tool
        if tool == "search_flights":
            # One slip per argument: a US-style date, or (API v1) the v2 name for it.
            key = "date" if "date" in args else "departure_date"
            if self._slips("date_format"):
                y, m, d = str(args[key]).split("-")
                args[key] = f"{m}/{d}/{y}"
            elif key == "date" and self._slips("date_arg_name"):
                args["departure_date"] = args.pop("date")
        if "cabin" in args and tool in MISTAKES["cabin_case"].tools and self._slips("cabin_case"):
            args["cabin"] = str(args["cabin"]).capitalize()
        if tool in MISTAKES["currency_case"].tools:
            keys = [k for k in ("currency", "from_currency", "to_currency") if k in args]
            if keys and self._slips("currency_case"):
                for k in keys:
                    args[k] = str(args[k]).lower()
        if "booking_id" in args and self._slips("booking_prefix"):
            args["booking_id"] = str(args["booking_id"]).removeprefix("BK")
        if "order_id" in args and tool in MISTAKES["order_padding"].tools and self._slips("order_padding"):
            args["order_id"] = str(args["order_id"]).lstrip("0") or "0"
        if "amount" in args and self._slips("amount_string"):
            args["amount"] = f"{float(args['amount']):.2f}"
        if tool == "cancel_booking" and "reason" in args and self._slips("reason_freetext"):
            # Free text that quotes the booking: never the same string twice, so no value map learned
            # from earlier corrections covers it; only knowing the allowed values prevents it.
            phrase = self.rng.choice(_REASON_PHRASES[str(args["reason"])])
            args["reason"] = f"{phrase} ({call.args['booking_id']})"
        return args

    # ------------------------------------------------------------------ turns

    def act(self, extra_text: str, results: Sequence[tuple[str, bool]], extra_tokens: int | None = None) -> Action:
        """The next turn, given the extra system-prompt text and the results of the previous turn's calls.

        Args:
            extra_text: guidance or notes appended to the system prompt ("" for none).
            results: ``(content, is_error)`` for each call of the previous action.
            extra_tokens: the size of `extra_text` in tokens (estimated from its length if None).
        """
        self.turns += 1
        tokens = extra_tokens if extra_tokens is not None else (len(extra_text) + 3) // 4
        self._read(extra_text, tokens)
        if self.done:
            return Action(final="Done.")
        if self._intended is None:
            return self._advance(None)
        content, is_error = results[-1] if results else ("", True)
        if not is_error:
            try:
                parsed = json.loads(content)
            except ValueError:
                parsed = content
            self._attempts = 0
            return self._advance(parsed)
        if _TRANSIENT.search(content):
            if self.rng.random() < self.config.p_retry:
                return self._emit(self._intended.tool, dict(self._emitted or {}))
            return self._give_up("The service is unavailable right now; please try again later.")
        self._attempts += 1
        if self._attempts >= self.config.max_attempts:
            return self._give_up(f"I could not complete the request: {content[:120]}")
        if self.rng.random() < self.config.p_fix:
            return self._fix()
        return self._emit(self._intended.tool, dict(self._emitted or {}))

    def _fix(self) -> Action:
        assert self._intended is not None
        call = self._intended
        correct = self._schema_args(call)
        return self._emit(call.tool, correct)

    def _emit(self, tool: str, args: dict[str, Any]) -> Action:
        self._emitted = args
        return Action(calls=[(tool, args)])

    def _give_up(self, text: str) -> Action:
        self.done = True
        return Action(final=text, failed=True)

    def _advance(self, result: Any) -> Action:
        try:
            item = self.plan.send(result) if self._intended is not None else next(self.plan)
        except StopIteration as stop:
            self.done = True
            return Action(final=f"Done. {stop.value or ''}".strip())
        while True:
            if isinstance(item, Giveup):
                return self._give_up(item.text)
            assert isinstance(item, Call)
            if item.tool == "list_orders" and not self._pages_decided:
                self._pages_decided = True
                self.ctx.follows_pages = not self._slips("pagination")
            self._intended = item
            self._attempts = 0
            return self._emit(item.tool, self._with_mistakes(item))
