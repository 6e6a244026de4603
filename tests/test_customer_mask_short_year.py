"""A birth date with a two-digit year keeps a pseudonym that reads as the same date as its ISO form.

privacy8 masks a person's numeric date part by part: a year of four digits becomes ``1970``, a day
above 12 ``28``; but a two-digit year was read as a day (``84`` -> ``28``), so ``19/07/84`` was stored
as ``28/07/28`` (2028) while its correction ``1984-07-19`` was stored as ``1970-07-28``: the re-format
an agent's corrections teach (``%d/%m/%y`` -> ISO) no longer proved on the pseudonyms, and was never
learned. A two-digit year after the day and month is now ``70`` (read as 1970).
"""

from __future__ import annotations

from datetime import datetime

from skillevo._customer_mask import mask_customers, pseudonym
from skillevo._repair import synthesize


def test_a_two_digit_year_masks_to_the_year_its_iso_form_masks_to() -> None:
    short = pseudonym("19/07/84")
    assert short == "28/07/70"
    assert datetime.strptime(short, "%d/%m/%y").strftime("%Y-%m-%d") == pseudonym("1984-07-19")
    assert pseudonym("14/07/05") == "28/07/70"  # a year of 12 or less is no month here
    assert pseudonym(short) == short  # masked twice: the same


def test_the_reformat_of_a_birth_date_is_still_learned_from_the_pseudonyms() -> None:
    pairs = [
        (mask_customers({"date_of_birth": bad}), mask_customers({"date_of_birth": good}))
        for bad, good in (("19/07/84", "1984-07-19"), ("06/11/91", "1991-11-06"))
    ]
    repair = synthesize(pairs)
    assert repair is not None and repair.ops[0].op == "reformat_date", repair
