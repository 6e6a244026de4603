"""Task templates of the demo world: what a user asks, how a competent agent would do it, how to check it.

Each template renders a task from the world's data. A task carries:

* ``text``: the request as a user writes it (dates in words, ids as printed on receipts);
* ``plan``: a generator that yields the tool calls a careful agent makes (correct arguments) and
  receives each call's parsed result, so later calls can use earlier results; the simulated policy
  adds its characteristic mistakes on top (see `_policy.py`);
* ``verify(world)``: the reward, computed from the backend's final state.

Templates are grouped in families; each family has several templates (different goals and
phrasings), 43 in all.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from ._world import AIRPORTS, CABINS, PAGE_SIZE, REASONS, World

__all__ = ["TEMPLATES", "Call", "Giveup", "Plan", "Task", "Template", "make_task"]


@dataclass(frozen=True)
class Call:
    """One intended tool call (correct arguments) and what it is for."""

    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Giveup:
    """The agent concludes without finishing (e.g. it did not find the order on the first page)."""

    text: str


# A plan yields calls and receives each call's parsed result; it returns the final answer.
Plan = Generator["Call | Giveup", Any, str]


@dataclass
class Ctx:
    """Per-episode behaviour the plan consults (sampled by the policy)."""

    follows_pages: bool = True


@dataclass
class Task:
    """One task instance."""

    id: str
    template: str
    family: str
    text: str
    plan: Callable[[Ctx], Plan]
    verify: Callable[[World], bool]
    params: dict[str, Any] = field(default_factory=dict)  # facts about the instance, for tests and docs


@dataclass(frozen=True)
class Template:
    """A task template: a family, a goal variant and a phrasing."""

    id: str
    family: str
    build: Callable[[World, random.Random, str], Task]


def _date_words(iso: str, style: int) -> str:
    d = dt.date.fromisoformat(iso)
    if style == 0:
        return f"{d.day} {d.strftime('%B')} {d.year}"
    if style == 1:
        return f"{d.strftime('%B')} {d.day}, {d.year}"
    return f"{d.strftime('%a')} {d.day} {d.strftime('%b')} {d.year}"


def _future_date(rng: random.Random) -> str:
    return (dt.date(2025, 11, 1) + dt.timedelta(days=rng.randrange(0, 120))).isoformat()


# ---------------------------------------------------------------------------- flights

_Flights = list[dict[str, Any]]


def _cheapest(fs: _Flights) -> dict[str, Any]:
    return min(fs, key=lambda f: (f["price"], f["departs"]))


def _earliest(fs: _Flights) -> dict[str, Any]:
    return min(fs, key=lambda f: str(f["departs"]))


def _latest(fs: _Flights) -> dict[str, Any]:
    return max(fs, key=lambda f: str(f["departs"]))


_PICK: dict[str, tuple[str, Callable[[_Flights], dict[str, Any]]]] = {
    "cheapest": ("the cheapest", _cheapest),
    "earliest": ("the earliest", _earliest),
    "latest": ("the last", _latest),
}
_CABIN_WORDS = {"economy": "economy", "premium_economy": "premium economy", "business": "business", "first": "first"}


def _search_book(world: World, o: str, d: str, date: str, cabin: str, cid: str, pick: str) -> Generator[Call, Any, str]:
    res = yield Call("search_flights", {"origin": o, "destination": d, "date": date, "cabin": cabin})
    flight = _PICK[pick][1](res["flights"])
    cust = yield Call("lookup_customer", {"customer_id": cid})
    booked = yield Call(
        "book_flight",
        {
            "flight_id": flight["flight_id"],
            "customer_id": cid,
            "cabin": cabin,
            "payment_method_id": cust["default_payment_method"],
        },
    )
    return str(booked["booking_id"])


def _expected_flight(world: World, o: str, d: str, date: str, cabin: str, pick: str) -> str:
    fs = [
        {"flight_id": f.id, "departs": f"{f.date}T{f.departs}", "price": f.prices[cabin]}
        for f in world.flights_on(o, d, date)
    ]
    return str(_PICK[pick][1](fs)["flight_id"])


def _booked(world: World, before: set[str], cid: str, fid: str, cabin: str) -> str | None:
    cust = world.customers[cid]
    for bid, b in world.bookings.items():
        if bid in before:
            continue
        if (
            b.customer_id == cid
            and b.flight_id == fid
            and b.cabin == cabin
            and b.payment_method_id in cust.payment_methods
        ):
            return bid
    return None


def _book_template(
    pick: str, cabin: str | None, notify: bool, phrasing: int
) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        o, d = rng.sample(AIRPORTS, 2)
        date = _future_date(rng)
        cab = cabin or rng.choice(CABINS[:3])
        cid = rng.choice(list(world.customers))
        when = _date_words(date, phrasing % 3)
        what = _PICK[pick][0]
        texts = [
            f"Book {what} {_CABIN_WORDS[cab]} flight from {o} to {d} on {when} for customer {cid}.",
            f"Customer {cid} needs to fly {o} to {d} on {when}. Put them on {what} {_CABIN_WORDS[cab]} option.",
            f"Please get {cid} a {_CABIN_WORDS[cab]} seat {o}->{d}, {when}; choose {what} flight.",
        ]
        text = texts[phrasing % len(texts)]
        if notify:
            text += " Then e-mail them the booking reference."
        before = set(world.bookings)
        emails_before = len(world.emails)

        def plan(ctx: Ctx) -> Plan:
            bid = yield from _search_book(world, o, d, date, cab, cid, pick)
            if notify:
                cust = world.customers[cid]
                yield Call(
                    "send_email",
                    {"to": cust.email, "subject": "Your flight booking", "body": f"Your booking reference is {bid}."},
                )
            return f"Booked: {bid}."

        def verify(w: World) -> bool:
            fid = _expected_flight(w, o, d, date, cab, pick)
            bid = _booked(w, before, cid, fid, cab)
            if bid is None:
                return False
            if notify:
                email = w.customers[cid].email
                return any(e.to == email and bid in e.body for e in w.emails[emails_before:])
            return True

        return Task(tid, "", "book", text, plan, verify, {"customer": cid})

    return build


# ---------------------------------------------------------------------------- bookings

_REASON_WORDS = {
    "customer_request": ("the customer asked us to", "they changed their plans"),
    "schedule_change": ("the airline moved the departure time", "of the schedule change"),
    "duplicate": ("it was booked twice by mistake", "it is a duplicate"),
    "medical": ("the traveller is ill", "of a medical emergency"),
}


def _cancel_template(notify: bool, phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        live = sorted(b for b, v in world.bookings.items() if v.status == "confirmed")
        bid = rng.choice(live)
        reason = rng.choice(REASONS)
        why = _REASON_WORDS[reason][phrasing % 2]
        texts = [
            f"Cancel booking {bid} because {why}.",
            f"Booking {bid} has to be cancelled: {why}.",
            f"Please cancel {bid} — {why}.",
        ]
        text = texts[phrasing % len(texts)]
        if notify:
            text += " Let the customer know by e-mail."
        emails_before = len(world.emails)

        def plan(ctx: Ctx) -> Plan:
            booking = yield Call("get_booking", {"booking_id": bid})
            yield Call("cancel_booking", {"booking_id": bid, "reason": reason})
            if notify:
                cust = yield Call("lookup_customer", {"customer_id": booking["customer_id"]})
                yield Call(
                    "send_email",
                    {"to": cust["email"], "subject": "Booking cancelled", "body": f"Booking {bid} was cancelled."},
                )
            return f"Cancelled {bid}."

        def verify(w: World) -> bool:
            b = w.bookings[bid]
            if b.status != "cancelled" or b.cancel_reason != reason:
                return False
            if notify:
                email = w.customers[b.customer_id].email
                return any(e.to == email and bid in e.body for e in w.emails[emails_before:])
            return True

        return Task(tid, "", "cancel", text, plan, verify)

    return build


def _status_template(phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        bid = rng.choice(sorted(world.bookings))
        texts = [
            f"The traveller on booking {bid} forgot their departure time. E-mail it to them.",
            f"Send the customer of {bid} an e-mail with their flight's departure time.",
        ]
        emails_before = len(world.emails)

        def plan(ctx: Ctx) -> Plan:
            booking = yield Call("get_booking", {"booking_id": bid})
            cust = yield Call("lookup_customer", {"customer_id": booking["customer_id"]})
            yield Call(
                "send_email",
                {
                    "to": cust["email"],
                    "subject": "Your departure",
                    "body": f"Your flight departs {booking['departs']}.",
                },
            )
            return "Sent."

        def verify(w: World) -> bool:
            b = w.bookings[bid]
            f = w.flights[b.flight_id]
            email = w.customers[b.customer_id].email
            return any(e.to == email and f"{f.date}T{f.departs}" in e.body for e in w.emails[emails_before:])

        return Task(tid, "", "status", texts[phrasing % len(texts)], plan, verify)

    return build


def _rebook_template(phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        live = sorted(b for b, v in world.bookings.items() if v.status == "confirmed")
        bid = rng.choice(live)
        b = world.bookings[bid]
        f = world.flights[b.flight_id]
        new_date = _future_date(rng)
        when = _date_words(new_date, phrasing % 3)
        texts = [
            f"Move booking {bid} to {when}: cancel it (schedule change) and book the cheapest flight on the same "
            "route and cabin that day.",
            f"The customer on {bid} wants to travel on {when} instead. Cancel the old booking as a schedule change "
            "and rebook the cheapest same-cabin flight.",
        ]
        before = set(world.bookings)
        o, d, cabin, cid = f.origin, f.destination, b.cabin, b.customer_id

        def plan(ctx: Ctx) -> Plan:
            yield Call("get_booking", {"booking_id": bid})
            yield Call("cancel_booking", {"booking_id": bid, "reason": "schedule_change"})
            new = yield from _search_book(world, o, d, new_date, cabin, cid, "cheapest")
            return f"Rebooked as {new}."

        def verify(w: World) -> bool:
            if w.bookings[bid].status != "cancelled" or w.bookings[bid].cancel_reason != "schedule_change":
                return False
            fid = _expected_flight(w, o, d, new_date, cabin, "cheapest")
            return _booked(w, before, cid, fid, cabin) is not None

        return Task(tid, "", "rebook", texts[phrasing % len(texts)], plan, verify)

    return build


# ---------------------------------------------------------------------------- orders


def _find_order(ctx: Ctx, cid: str, match: Callable[[dict[str, Any]], bool]) -> Generator[Call | Giveup, Any, Any]:
    page = 1
    while True:
        res = yield Call("list_orders", {"customer_id": cid, "page": page})
        for o in res["orders"]:
            if match(o):
                return o
        if res["next_page"] is None:
            return None
        if not ctx.follows_pages:
            # The characteristic semantic slip: page 1 is taken for the whole history.
            return None
        page = int(res["next_page"])


def _refund_item_template(phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        # Mostly orders beyond the first page: the task is about the customer's history.
        cid = rng.choice([c for c in world.customers if len(world.customer_orders(c)) > 5])
        orders = world.customer_orders(cid)
        order = rng.choice(orders[5:]) if rng.random() < 0.8 else rng.choice(orders[:5])
        when = _date_words(order.placed, phrasing % 3)
        texts = [
            f"Customer {cid} returned the {order.item} they bought on {when}. Refund that order in full.",
            f"{cid} sent back a {order.item} (ordered {when}); please issue a full refund.",
            f"Full refund for the {order.item} customer {cid} ordered on {when}, please.",
        ]
        refunds_before = len(world.refunds)

        def plan(ctx: Ctx) -> Plan:
            found = yield from _find_order(ctx, cid, lambda o: o["item"] == order.item and o["placed"] == order.placed)
            if found is None:
                yield Giveup(f"I could not find an order of a {order.item} for {cid}.")
                return ""
            yield Call(
                "refund_order", {"order_id": found["order_id"], "amount": found["total"], "currency": found["currency"]}
            )
            return "Refunded."

        def verify(w: World) -> bool:
            return (
                any(r[0] == order.id and abs(r[1] - order.total) < 0.005 for r in w.refunds[refunds_before:])
                and abs(w.orders[order.id].refunded - order.total) < 0.005
            )

        page = orders.index(order) // PAGE_SIZE + 1
        return Task(tid, "", "refund_item", texts[phrasing % len(texts)], plan, verify, {"order_page": page})

    return build


def _count_orders_template(phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        cid = rng.choice([c for c in world.customers if len(world.customer_orders(c)) > 5])
        n = len(world.customer_orders(cid))
        texts = [
            f"Customer {cid} wants to know how many orders they have placed with us. E-mail them the number.",
            f"E-mail {cid} the total number of orders on their account.",
        ]
        emails_before = len(world.emails)

        def plan(ctx: Ctx) -> Plan:
            count = 0
            page = 1
            while True:
                res = yield Call("list_orders", {"customer_id": cid, "page": page})
                count += len(res["orders"])
                if res["next_page"] is None or not ctx.follows_pages:
                    break
                page = int(res["next_page"])
            cust = yield Call("lookup_customer", {"customer_id": cid})
            yield Call(
                "send_email",
                {"to": cust["email"], "subject": "Your orders", "body": f"You have placed {count} orders."},
            )
            return "Sent."

        def verify(w: World) -> bool:
            email = w.customers[cid].email
            return any(e.to == email and f" {n} orders" in e.body for e in w.emails[emails_before:])

        return Task(tid, "", "count_orders", texts[phrasing % len(texts)], plan, verify)

    return build


def _refund_id_template(pct: int, phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        oid = rng.choice(sorted(o for o, v in world.orders.items() if v.refunded == 0))
        texts = [
            f"Refund {pct}% of order {oid}.",
            f"Order {oid}: the customer gets {pct}% of the price back. Process it.",
            f"Please process a {pct}% refund on order number {oid}.",
        ]
        refunds_before = len(world.refunds)
        order = world.orders[oid]
        want = round(order.total * pct / 100, 2)

        def plan(ctx: Ctx) -> Plan:
            o = yield Call("get_order", {"order_id": oid})
            yield Call(
                "refund_order",
                {"order_id": oid, "amount": round(o["total"] * pct / 100, 2), "currency": o["currency"]},
            )
            return "Refunded."

        def verify(w: World) -> bool:
            return any(r[0] == oid and abs(r[1] - want) < 0.005 for r in w.refunds[refunds_before:])

        return Task(tid, "", "refund_id", texts[phrasing % len(texts)], plan, verify)

    return build


def _refund_notify_template(phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        choices = sorted(
            o
            for o, v in world.orders.items()
            if v.refunded == 0 and v.currency != world.customers[v.customer_id].currency
        )
        oid = rng.choice(choices)
        order = world.orders[oid]
        cust = world.customers[order.customer_id]
        texts = [
            f"Refund order {oid} in full and e-mail the customer the amount in their preferred currency.",
            f"Give a full refund on {oid}; tell the customer by e-mail how much that is in their own currency.",
        ]
        refunds_before = len(world.refunds)
        emails_before = len(world.emails)
        want = f"{world.convert(order.total, order.currency, cust.currency):.2f} {cust.currency}"

        def plan(ctx: Ctx) -> Plan:
            o = yield Call("get_order", {"order_id": oid})
            yield Call("refund_order", {"order_id": oid, "amount": o["total"], "currency": o["currency"]})
            c = yield Call("lookup_customer", {"customer_id": o["customer_id"]})
            conv = yield Call(
                "convert_currency",
                {"amount": o["total"], "from_currency": o["currency"], "to_currency": c["preferred_currency"]},
            )
            yield Call(
                "send_email",
                {
                    "to": c["email"],
                    "subject": "Refund issued",
                    "body": f"We refunded {conv['amount']:.2f} {conv['currency']} for order {oid}.",
                },
            )
            return "Done."

        def verify(w: World) -> bool:
            refunded = any(r[0] == oid and abs(r[1] - order.total) < 0.005 for r in w.refunds[refunds_before:])
            told = any(e.to == cust.email and want in e.body for e in w.emails[emails_before:])
            return refunded and told

        return Task(tid, "", "refund_notify", texts[phrasing % len(texts)], plan, verify)

    return build


def _quote_template(phrasing: int) -> Callable[[World, random.Random, str], Task]:
    def build(world: World, rng: random.Random, tid: str) -> Task:
        cid = rng.choice(list(world.customers))
        cust = world.customers[cid]
        src = rng.choice([c for c in ("EUR", "USD", "GBP", "NOK", "SEK") if c != cust.currency])
        amount = float(rng.choice((25, 40, 75, 120, 250, 499)))
        texts = [
            f"Customer {cid} asks what {amount:.0f} {src} is in their preferred currency. E-mail them the answer.",
            f"E-mail {cid} how much {amount:.0f} {src} comes to in the currency on their profile.",
        ]
        emails_before = len(world.emails)
        want = f"{world.convert(amount, src, cust.currency):.2f} {cust.currency}"

        def plan(ctx: Ctx) -> Plan:
            c = yield Call("lookup_customer", {"customer_id": cid})
            conv = yield Call(
                "convert_currency", {"amount": amount, "from_currency": src, "to_currency": c["preferred_currency"]}
            )
            yield Call(
                "send_email",
                {
                    "to": c["email"],
                    "subject": "Currency quote",
                    "body": f"{amount:.2f} {src} is {conv['amount']:.2f} {conv['currency']} today.",
                },
            )
            return "Sent."

        def verify(w: World) -> bool:
            return any(e.to == cust.email and want in e.body for e in w.emails[emails_before:])

        return Task(tid, "", "quote", texts[phrasing % len(texts)], plan, verify)

    return build


def _templates() -> list[Template]:
    out: list[Template] = []
    for pick in ("cheapest", "earliest", "latest"):
        for cabin in (None, "business", "premium_economy"):
            for notify in (False, True):
                out.append(
                    Template(
                        f"book-{pick}-{cabin or 'any'}{'-notify' if notify else ''}",
                        "book",
                        _book_template(pick, cabin, notify, len(out)),
                    )
                )
    for notify in (False, True):
        for ph in range(3):
            out.append(Template(f"cancel{'-notify' if notify else ''}-{ph}", "cancel", _cancel_template(notify, ph)))
    for ph in range(2):
        out.append(Template(f"status-{ph}", "status", _status_template(ph)))
        out.append(Template(f"rebook-{ph}", "rebook", _rebook_template(ph)))
        out.append(Template(f"count-orders-{ph}", "count_orders", _count_orders_template(ph)))
        out.append(Template(f"refund-notify-{ph}", "refund_notify", _refund_notify_template(ph)))
        out.append(Template(f"quote-{ph}", "quote", _quote_template(ph)))
    for ph in range(3):
        out.append(Template(f"refund-item-{ph}", "refund_item", _refund_item_template(ph)))
    for pct in (100, 50, 20):
        for ph in range(2):
            out.append(Template(f"refund-{pct}pct-{ph}", "refund_id", _refund_id_template(pct, ph)))
    return out


#: every template (43)
TEMPLATES: list[Template] = _templates()


def make_task(world: World, index: int, seed: int) -> Task:
    """Task `index` of the run seeded `seed`: a template and its parameters drawn from the world's data."""
    rng = random.Random(f"task|{seed}|{index}")
    template = TEMPLATES[rng.randrange(len(TEMPLATES))]
    task = template.build(world, rng, f"t{seed}-{index}")
    task.template = template.id
    return task
