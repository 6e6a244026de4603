"""The demo world: a small travel-and-commerce back office behind ten validated tools.

Everything is in memory and generated from a seed, so two runs with the same seed see the same
customers, orders, flights and bookings. Tools validate their arguments with pydantic models
(``extra="forbid"``, strict numbers) and fail the way real APIs do: a pydantic ``ValidationError``
text, a 429 with a Retry-After, a 503, a domain error ("currency mismatch ..."). A task's reward is
computed from the backend's final state, never from what the agent says.

The world has an API version: in ``"v2"`` `search_flights` takes ``departure_date`` instead of
``date`` (the migration that ships with the policy upgrade, see docs/demo.md), and, as many HTTP
APIs do, v2 checks parameter names first and reports the first unknown one alone ("received
unknown parameter 'date'"), without saying what it expected instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

__all__ = [
    "AIRPORTS",
    "CABINS",
    "CURRENCIES",
    "REASONS",
    "TOOL_DOCS",
    "Booking",
    "Customer",
    "Order",
    "ToolError",
    "World",
    "WorldConfig",
]

AIRPORTS = ("OSL", "CPH", "ARN", "HEL", "LHR", "CDG", "FRA", "AMS", "MAD", "FCO", "JFK", "BOS")
CABINS = ("economy", "premium_economy", "business", "first")
REASONS = ("customer_request", "schedule_change", "duplicate", "medical")
CURRENCIES = ("EUR", "USD", "GBP", "NOK", "SEK")
#: units of each currency per EUR
FX = {"EUR": 1.0, "USD": 1.08, "GBP": 0.86, "NOK": 11.6, "SEK": 11.4}
PRODUCTS = (
    "rain jacket",
    "trail shoes",
    "travel adapter",
    "noise-cancelling headphones",
    "carry-on suitcase",
    "neck pillow",
    "packing cubes",
    "power bank",
    "hiking poles",
    "sleeping bag",
    "water bottle",
    "camera strap",
    "e-reader",
    "sunglasses",
    "backpack",
    "wool socks",
    "duffel bag",
    "luggage scale",
    "map case",
    "first-aid kit",
)
FIRST = ("Ada", "Bo", "Cyd", "Dana", "Eli", "Frey", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo", "Nils", "Oda")
LAST = ("Berg", "Holm", "Lind", "Moe", "Nyg", "Ruud", "Sand", "Strand", "Vik", "Aas")

PAGE_SIZE = 5


class ToolError(ValueError):
    """A tool call failed; the message is what the agent sees."""


@dataclass
class WorldConfig:
    """Knobs of the world (not of the policy).

    Attributes:
        customers: how many customers to generate.
        rate_limit_p: probability that a `search_flights` call is rejected with a 429.
        unavailable_p: probability that a `refund_order` call fails with a 503.
        retry_after_ms: the Retry-After the 429 asks for (milliseconds, so the demo stays fast).
        api_version: ``"v1"`` or ``"v2"`` (v2 renames `search_flights`'s ``date`` to ``departure_date``
            and reports an unknown parameter name alone, before validating the rest).
    """

    customers: int = 40
    rate_limit_p: float = 0.2
    unavailable_p: float = 0.12
    retry_after_ms: int = 10
    api_version: Literal["v1", "v2"] = "v1"


@dataclass
class Customer:
    id: str
    name: str
    email: str
    payment_methods: list[str]
    currency: str


@dataclass
class Order:
    id: str
    customer_id: str
    item: str
    total: float
    currency: str
    placed: str
    refunded: float = 0.0


@dataclass
class Booking:
    id: str
    customer_id: str
    flight_id: str
    cabin: str
    price: float
    currency: str
    payment_method_id: str
    status: str = "confirmed"
    cancel_reason: str | None = None


@dataclass
class Flight:
    id: str
    origin: str
    destination: str
    date: str
    departs: str
    airline: str
    prices: dict[str, float]


@dataclass
class Email:
    to: str
    subject: str
    body: str


def _h(*parts: Any) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


# ---------------------------------------------------------------------------- argument schemas

_STRICT = ConfigDict(extra="forbid")
_IATA = Field(pattern=r"^[A-Z]{3}$", description="IATA airport code, e.g. OSL")
_CUR = r"^[A-Z]{3}$"


def _iso_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"invalid date '{value}': expected format YYYY-MM-DD") from None
    if len(value) != 10:
        raise ValueError(f"invalid date '{value}': expected format YYYY-MM-DD")
    return value


class _SearchBase(BaseModel):
    model_config = _STRICT
    origin: str = _IATA
    destination: str = _IATA
    cabin: Literal["economy", "premium_economy", "business", "first"] = "economy"


def _search_model(date_field: str) -> type[BaseModel]:
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        "search_flights",
        __base__=_SearchBase,
        __validators__={"check_date": field_validator(date_field)(lambda cls, v: _iso_date(v))},
        **{date_field: (str, Field(description="departure date, YYYY-MM-DD"))},
    )
    return model


class book_flight(BaseModel):
    model_config = _STRICT
    flight_id: str = Field(pattern=r"^FL\d{5}$")
    customer_id: str = Field(pattern=r"^C\d{5}$")
    cabin: Literal["economy", "premium_economy", "business", "first"]
    payment_method_id: str = Field(pattern=r"^PM\d{6}$")


class get_booking(BaseModel):
    model_config = _STRICT
    booking_id: str = Field(pattern=r"^BK\d{6}$", description="booking reference, e.g. BK004213")


class cancel_booking(BaseModel):
    model_config = _STRICT
    booking_id: str = Field(pattern=r"^BK\d{6}$")
    reason: Literal["customer_request", "schedule_change", "duplicate", "medical"]


class lookup_customer(BaseModel):
    model_config = _STRICT
    customer_id: str = Field(pattern=r"^C\d{5}$")


class list_orders(BaseModel):
    model_config = _STRICT
    customer_id: str = Field(pattern=r"^C\d{5}$")
    page: int = Field(default=1, ge=1, strict=True)


class get_order(BaseModel):
    model_config = _STRICT
    order_id: str = Field(pattern=r"^\d{8}$", description="8-digit order number, e.g. 00412345")


class refund_order(BaseModel):
    model_config = _STRICT
    order_id: str = Field(pattern=r"^\d{8}$")
    amount: float = Field(gt=0, strict=True)
    currency: str = Field(pattern=_CUR)


class convert_currency(BaseModel):
    model_config = _STRICT
    amount: float = Field(gt=0, strict=True)
    from_currency: str = Field(pattern=_CUR)
    to_currency: str = Field(pattern=_CUR)


class send_email(BaseModel):
    model_config = _STRICT
    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$")
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)


#: one line per tool, as the model sees it
TOOL_DOCS: dict[str, str] = {
    "search_flights": "Search flights between two airports on a date; returns flights with prices for the cabin.",
    "book_flight": "Book a flight for a customer in a cabin, charged to one of the customer's payment methods.",
    "get_booking": "Get a booking by its reference (BK + 6 digits).",
    "cancel_booking": "Cancel a booking; the reason must be one of the allowed values.",
    "lookup_customer": "A customer's profile: name, e-mail, payment methods, preferred currency.",
    "list_orders": f"A customer's orders, newest first, {PAGE_SIZE} per page; follow next_page for more.",
    "get_order": "Get an order by its 8-digit order number.",
    "refund_order": "Refund (part of) an order, in the order's currency.",
    "convert_currency": "Convert an amount between currencies at today's rate.",
    "send_email": "Send an e-mail to a customer.",
}


def _format_validation(tool: str, exc: ValidationError) -> str:
    """pydantic's own text, less the documentation links and the echo of whole argument objects."""
    errors = exc.errors(include_url=False)
    lines = [f"{len(errors)} validation error{'s' if len(errors) != 1 else ''} for {tool}"]
    for err in errors:
        loc = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        value = err.get("input")
        echo = "" if isinstance(value, dict) else f" [input_value={value!r}, input_type={type(value).__name__}]"
        lines += [loc, f"  {err['msg']}{echo}"]
    return "\n".join(lines)


class World:
    """The backend and its tools.

    Args:
        seed: generates the data and the world's own randomness (transient failures).
        config: world knobs.
    """

    def __init__(self, seed: int = 0, config: WorldConfig | None = None) -> None:
        self.seed = seed
        # A copy: `set_api_version` changes it, and the caller's config may be shared.
        self.config = dataclasses.replace(config) if config is not None else WorldConfig()
        self.rng = random.Random(_h("world", seed))
        self.customers: dict[str, Customer] = {}
        self.orders: dict[str, Order] = {}
        self.bookings: dict[str, Booking] = {}
        self.flights: dict[str, Flight] = {}
        self.emails: list[Email] = []
        self.refunds: list[tuple[str, float, str]] = []
        self.calls = 0
        self.failures = 0
        self._generate()
        self._models: dict[str, type[BaseModel]] = {}
        self._set_models()

    # ------------------------------------------------------------------ data

    def _generate(self) -> None:
        rng = random.Random(_h("data", self.seed))
        used: set[int] = set()
        for i in range(self.config.customers):
            cid = f"C{10000 + i * 37 + rng.randrange(30):05d}"
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = f"{name.split()[0].lower()}.{name.split()[1].lower()}{i}@example.com"
            pms = [f"PM{rng.randrange(100000, 999999):06d}" for _ in range(rng.choice((1, 2)))]
            cust = Customer(cid, name, email, pms, rng.choice(CURRENCIES))
            self.customers[cid] = cust
            n_orders = rng.randrange(3, 15)
            day = dt.date(2025, 9, 30)
            for _ in range(n_orders):
                while True:
                    # Below 10^7: every order number has at least one leading zero.
                    num = rng.randrange(100000, 9999999)
                    if num not in used:
                        used.add(num)
                        break
                day -= dt.timedelta(days=rng.randrange(3, 40))
                oid = f"{num:08d}"
                self.orders[oid] = Order(
                    oid,
                    cid,
                    rng.choice(PRODUCTS),
                    round(rng.uniform(15, 400), 2),
                    cust.currency if rng.random() < 0.7 else rng.choice(CURRENCIES),
                    day.isoformat(),
                )
        for _ in range(self.config.customers * 2):
            cust = rng.choice(list(self.customers.values()))
            o, d = rng.sample(AIRPORTS, 2)
            date = (dt.date(2025, 11, 1) + dt.timedelta(days=rng.randrange(0, 90))).isoformat()
            flight = rng.choice(self.flights_on(o, d, date))
            cabin = rng.choice(CABINS[:3])
            bid = f"BK{rng.randrange(0, 999999):06d}"
            self.bookings[bid] = Booking(
                bid, cust.id, flight.id, cabin, flight.prices[cabin], "EUR", cust.payment_methods[0]
            )

    def flights_on(self, origin: str, destination: str, date: str) -> list[Flight]:
        """The (deterministic) schedule of one route on one day."""
        rng = random.Random(_h("flights", self.seed, origin, destination, date))
        out = []
        for k in range(rng.randrange(3, 6)):
            fid = f"FL{_h(origin, destination, date, k, self.seed) % 100000:05d}"
            base = rng.uniform(60, 420)
            flight = Flight(
                fid,
                origin,
                destination,
                date,
                f"{rng.randrange(6, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}",
                rng.choice(("SK", "DY", "LH", "BA", "AF", "KL")),
                {
                    "economy": round(base, 2),
                    "premium_economy": round(base * 1.6, 2),
                    "business": round(base * 3.1, 2),
                    "first": round(base * 5.2, 2),
                },
            )
            self.flights[fid] = flight
            out.append(flight)
        out.sort(key=lambda f: f.departs)
        return out

    def customer_orders(self, customer_id: str) -> list[Order]:
        """A customer's orders, newest first."""
        return sorted(
            (o for o in self.orders.values() if o.customer_id == customer_id), key=lambda o: o.placed, reverse=True
        )

    def convert(self, amount: float, src: str, dst: str) -> float:
        """`amount` in `src` expressed in `dst` (rounded to cents)."""
        return round(amount / FX[src] * FX[dst], 2)

    # ------------------------------------------------------------------ api version

    def _set_models(self) -> None:
        self._models = {
            "search_flights": _search_model("date" if self.config.api_version == "v1" else "departure_date"),
            "book_flight": book_flight,
            "get_booking": get_booking,
            "cancel_booking": cancel_booking,
            "lookup_customer": lookup_customer,
            "list_orders": list_orders,
            "get_order": get_order,
            "refund_order": refund_order,
            "convert_currency": convert_currency,
            "send_email": send_email,
        }

    def set_api_version(self, version: Literal["v1", "v2"]) -> None:
        """Migrate the API (v2: `search_flights` takes ``departure_date``)."""
        self.config.api_version = version
        self._set_models()

    @property
    def search_date_arg(self) -> str:
        """The name of `search_flights`' date argument under the current API version."""
        return "date" if self.config.api_version == "v1" else "departure_date"

    def schema(self, tool: str) -> type[BaseModel]:
        """The pydantic model of a tool's arguments."""
        return self._models[tool]

    @property
    def tools(self) -> list[str]:
        """Tool names."""
        return list(self._models)

    # ------------------------------------------------------------------ calls

    def call(self, tool: str, args: dict[str, Any], *, attempt_key: Any = None) -> str:
        """Run a tool; returns its JSON result text or raises `ToolError` with the message the agent sees.

        `attempt_key` seeds the world's transient failures for this call (so runs with the same
        seed see the same outages); by default a counter.
        """
        self.calls += 1
        try:
            return self._call(tool, args, attempt_key)
        except ToolError:
            self.failures += 1
            raise

    def _call(self, tool: str, args: dict[str, Any], attempt_key: Any) -> str:
        model = self._models.get(tool)
        if model is None:
            raise ToolError(f"unknown tool '{tool}'; available tools: {', '.join(self._models)}")
        if not isinstance(args, dict):
            raise ToolError(f"{tool}: arguments must be an object")
        if self.config.api_version == "v2":
            unknown = next((k for k in args if k not in model.model_fields), None)
            if unknown is not None:
                raise ToolError(f"400 Bad Request: {tool} received unknown parameter '{unknown}'")
        try:
            parsed = model.model_validate(args)
        except ValidationError as exc:
            raise ToolError(_format_validation(tool, exc)) from None
        key = attempt_key if attempt_key is not None else self.calls
        handler: Callable[[Any, Any], Any] = getattr(self, f"_t_{tool}")
        result = handler(parsed, key)
        return json.dumps(result, sort_keys=True)

    def _transient(self, tool: str, key: Any, p: float) -> bool:
        return random.Random(_h("transient", self.seed, tool, key)).random() < p

    def _t_search_flights(self, a: Any, key: Any) -> Any:
        if self._transient("search", key, self.config.rate_limit_p):
            raise ToolError(
                "429 Too Many Requests: rate limit exceeded for search_flights; "
                f"retry after {self.config.retry_after_ms} ms"
            )
        date = getattr(a, self.search_date_arg)
        if a.origin not in AIRPORTS or a.destination not in AIRPORTS:
            bad = a.origin if a.origin not in AIRPORTS else a.destination
            raise ToolError(f"unknown airport '{bad}'")
        flights = self.flights_on(a.origin, a.destination, date)
        return {
            "flights": [
                {
                    "flight_id": f.id,
                    "airline": f.airline,
                    "departs": f"{f.date}T{f.departs}",
                    "cabin": a.cabin,
                    "price": f.prices[a.cabin],
                    "currency": "EUR",
                }
                for f in flights
            ]
        }

    def _customer(self, cid: str) -> Customer:
        cust = self.customers.get(cid)
        if cust is None:
            raise ToolError(f"customer '{cid}' not found")
        return cust

    def _t_book_flight(self, a: Any, key: Any) -> Any:
        cust = self._customer(a.customer_id)
        flight = self.flights.get(a.flight_id)
        if flight is None:
            raise ToolError(f"flight '{a.flight_id}' not found; search first")
        if a.payment_method_id not in cust.payment_methods:
            raise ToolError(f"payment method '{a.payment_method_id}' does not belong to customer '{cust.id}'")
        bid = f"BK{random.Random(_h('bk', self.seed, len(self.bookings), a.flight_id)).randrange(0, 999999):06d}"
        while bid in self.bookings:
            bid = f"BK{(int(bid[2:]) + 1) % 1000000:06d}"
        b = Booking(bid, cust.id, flight.id, a.cabin, flight.prices[a.cabin], "EUR", a.payment_method_id)
        self.bookings[bid] = b
        return {"booking_id": bid, "status": "confirmed", "price": b.price, "currency": "EUR"}

    def _booking(self, bid: str) -> Booking:
        b = self.bookings.get(bid)
        if b is None:
            raise ToolError(f"booking '{bid}' not found")
        return b

    def _t_get_booking(self, a: Any, key: Any) -> Any:
        b = self._booking(a.booking_id)
        f = self.flights[b.flight_id]
        return {
            "booking_id": b.id,
            "customer_id": b.customer_id,
            "flight_id": f.id,
            "route": f"{f.origin}-{f.destination}",
            "departs": f"{f.date}T{f.departs}",
            "cabin": b.cabin,
            "price": b.price,
            "currency": b.currency,
            "status": b.status,
        }

    def _t_cancel_booking(self, a: Any, key: Any) -> Any:
        b = self._booking(a.booking_id)
        if b.status == "cancelled":
            raise ToolError(f"booking '{b.id}' is already cancelled")
        b.status = "cancelled"
        b.cancel_reason = a.reason
        return {"booking_id": b.id, "status": "cancelled", "refund": b.price, "currency": b.currency}

    def _t_lookup_customer(self, a: Any, key: Any) -> Any:
        c = self._customer(a.customer_id)
        return {
            "customer_id": c.id,
            "name": c.name,
            "email": c.email,
            "payment_methods": c.payment_methods,
            "default_payment_method": c.payment_methods[0],
            "preferred_currency": c.currency,
        }

    def _t_list_orders(self, a: Any, key: Any) -> Any:
        self._customer(a.customer_id)
        orders = self.customer_orders(a.customer_id)
        start = (a.page - 1) * PAGE_SIZE
        chunk = orders[start : start + PAGE_SIZE]
        more = start + PAGE_SIZE < len(orders)
        return {
            "orders": [
                {"order_id": o.id, "item": o.item, "total": o.total, "currency": o.currency, "placed": o.placed}
                for o in chunk
            ],
            "page": a.page,
            "next_page": a.page + 1 if more else None,
        }

    def _order(self, oid: str) -> Order:
        o = self.orders.get(oid)
        if o is None:
            raise ToolError(f"order '{oid}' not found")
        return o

    def _t_get_order(self, a: Any, key: Any) -> Any:
        o = self._order(a.order_id)
        return {
            "order_id": o.id,
            "customer_id": o.customer_id,
            "item": o.item,
            "total": o.total,
            "currency": o.currency,
            "placed": o.placed,
            "refunded": o.refunded,
        }

    def _t_refund_order(self, a: Any, key: Any) -> Any:
        if self._transient("refund", key, self.config.unavailable_p):
            raise ToolError(
                "503 Service Unavailable: the payments service is temporarily unavailable; "
                f"retry after {self.config.retry_after_ms} ms"
            )
        o = self._order(a.order_id)
        if a.currency != o.currency:
            raise ToolError(f"currency mismatch: order '{o.id}' was paid in {o.currency}, not {a.currency}")
        left = round(o.total - o.refunded, 2)
        if a.amount > left + 1e-9:
            raise ToolError(f"refund of {a.amount:.2f} exceeds the refundable balance {left:.2f} {o.currency}")
        o.refunded = round(o.refunded + a.amount, 2)
        self.refunds.append((o.id, a.amount, a.currency))
        return {"order_id": o.id, "refunded": a.amount, "currency": o.currency, "status": "refunded"}

    def _t_convert_currency(self, a: Any, key: Any) -> Any:
        for code in (a.from_currency, a.to_currency):
            if code not in FX:
                raise ToolError(f"unsupported currency '{code}'; supported: {', '.join(FX)}")
        return {"amount": self.convert(a.amount, a.from_currency, a.to_currency), "currency": a.to_currency}

    def _t_send_email(self, a: Any, key: Any) -> Any:
        self.emails.append(Email(a.to, a.subject, a.body))
        return {"status": "sent", "message_id": f"msg-{len(self.emails):05d}"}

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> dict[str, Any]:
        """Counters that verifiers compare before and after a task."""
        return {"emails": len(self.emails), "refunds": len(self.refunds), "bookings": set(self.bookings)}
