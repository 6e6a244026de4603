"""Which unit an argument's declaration says it counts in: the last word of its name, its description.

A repair that reads ``"12.5 kg"`` as 12.5 is only right where the argument counts in kilograms: a
cast proven on one tool's argument is offered to another only where that argument's own
declaration says the same unit and no other (`_transfer`). Spellings of one unit are one unit
(``kg``, ``kilograms``); a word of two meanings in a name is no unit there (``price_min`` is a
minimum, not minutes: only a description that names minutes makes it a time), and the unit of a
rate (``beats per minute``) is the rate's, not its second word's.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["canonical_unit", "says_a_scale", "units_said"]

#: Spellings of common units, by the unit they mean (lower-case). A unit not here is matched as
#: written (``bpm``, ``tablets``): only its own word says it.
_SPELLINGS: Final = {
    "s": ("s", "sec", "secs", "second", "seconds"),
    "min": ("min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
    "wk": ("wk", "wks", "week", "weeks"),
    "mo": ("mo", "mos", "month", "months"),
    "yr": ("yr", "yrs", "year", "years"),
    "ms": ("ms", "millisecond", "milliseconds"),
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"),
    "g": ("g", "gram", "grams", "gramme", "grammes"),
    "mg": ("mg", "milligram", "milligrams"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "oz": ("oz", "ounce", "ounces"),
    "t": ("tonne", "tonnes", "ton", "tons"),
    "km": ("km", "kilometer", "kilometers", "kilometre", "kilometres"),
    "m": ("m", "meter", "meters", "metre", "metres"),
    "cm": ("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    "mm": ("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
    "mi": ("mi", "mile", "miles"),
    "ft": ("ft", "foot", "feet"),
    "l": ("l", "liter", "liters", "litre", "litres"),
    "ml": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "c": ("c", "°c", "celsius", "centigrade"),
    "f": ("f", "°f", "fahrenheit"),
    "k": ("kelvin",),
    "pct": ("percent", "percentage", "pct"),
    "bpm": ("bpm",),
    "cent": ("cent", "cents", "pence", "centavos", "centimes"),
}
_CANONICAL: Final = {word: unit for unit, words in _SPELLINGS.items() for word in words}
#: Name words that are a unit in one name and something else in another (``timeout_min`` /
#: ``price_min``, ``distance_m`` / ``revenue_m``): no unit from the name alone.
_AMBIGUOUS_IN_NAMES: Final = frozenset({"min", "m", "t", "mo"})
#: Words of a description read: letters, maybe after a degree sign.
_WORD = re.compile(r"°?[^\W\d_]+")
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_MAX_DESCRIPTION = 2000
#: A scale said in words rather than by a unit: a currency's minor unit, a count in thousands.
_SCALE_WORDS = re.compile(
    r"\b(?:(?:minor|smallest|lowest)\s+(?:currency\s+)?units?|basis\s+points?|thousands|millions|billions)\b",
    re.IGNORECASE,
)


def canonical_unit(word: str) -> str:
    """The unit `word` spells (``"Kilograms"`` -> ``"kg"``); a word not known as a unit, lower-cased."""
    low = word.strip().lower()
    return _CANONICAL.get(low, low)


def units_said(name: str, description: object, own: str | None = None) -> set[str]:
    """The units (canonical, `canonical_unit`) an argument's name and description say it counts in.

    The name says the unit its last word spells, when it has several words and that word has one
    meaning (`_AMBIGUOUS_IN_NAMES`). The description says each unit it names outside a rate (the
    word after ``per``, and the unit before it, belong to the rate); a word of one letter there is
    read only as `own` (``"h"`` in a description is no unit unless an ``h`` unit is asked about).
    `own`: a unit not in the spelling table (``"bpm"``, ``"tablets"``) also counted when written.
    """
    out: set[str] = set()
    words = _NAME_WORD.findall(name)
    if len(words) > 1:
        last = words[-1].lower()
        if last not in _AMBIGUOUS_IN_NAMES and (last in _CANONICAL or last == own):
            out.add(canonical_unit(last))
    if isinstance(description, str):
        tokens = [t.lower() for t in _WORD.findall(description[:_MAX_DESCRIPTION])]
        for i, token in enumerate(tokens):
            in_rate = (i > 0 and tokens[i - 1] == "per") or (i + 1 < len(tokens) and tokens[i + 1] == "per")
            if in_rate or (len(token) == 1 and canonical_unit(token) != own):
                continue
            if token in _CANONICAL or token == own:
                out.add(canonical_unit(token))
    return out


def says_a_scale(name: str, description: object) -> bool:
    """Whether an argument's declaration says it counts in a unit or at a scale (``amount`` "in cents",
    ``timeout_ms``, "in the smallest currency unit", "in thousands"): a number sent for it in another
    number type may be written in another unit (``368.0`` dollars for cents), so it is no plain cast."""
    if units_said(name, description):
        return True
    return isinstance(description, str) and _SCALE_WORDS.search(description[:_MAX_DESCRIPTION]) is not None
