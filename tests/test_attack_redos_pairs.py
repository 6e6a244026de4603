"""A run of pairs with no terminator (``password=password=...``): each pair's value is cut at its
bound and extended to the run's end, so every pair's span reaches the end of the text, and two steps
copied each span out of the text (`_not_a_secret`'s value, `_apply`'s check for a masked value): 1 MB
took 8 s (quadratic). They now read a bounded part of each span: the work per pair does not grow with
the text, and the run is still hidden whole."""

from __future__ import annotations

import pytest

from skillevo import _redaction
from skillevo._redaction import redact_text


class _Counting(str):
    """The text, counting the characters its slices copy."""

    copied = 0

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        out = str.__getitem__(self, key)
        if isinstance(key, slice):
            _Counting.copied += len(out)
        return out


@pytest.mark.parametrize("unit", ["password=", "token:", "api_key=x", "secret=>"])
def test_a_run_of_pairs_copies_a_bounded_part_of_each_span(monkeypatch: pytest.MonkeyPatch, unit: str) -> None:
    text = unit * (60_000 // len(unit))
    pairs = text.count(unit)
    _Counting.copied = 0
    real_not, real_apply = _redaction._not_a_secret, _redaction._apply
    monkeypatch.setattr(_redaction, "_not_a_secret", lambda t, *a: real_not(_Counting(t), *a))
    monkeypatch.setattr(_redaction, "_apply", lambda t, spans: real_apply(_Counting(t), spans))
    out = redact_text(text)
    assert _Counting.copied <= 2 * len(text) + 1_000 * pairs  # was about len(text) per pair
    assert "[REDACTED" in out and len(out) < len(text) + 12 * pairs


def test_a_long_value_is_still_judged_a_secret() -> None:
    # A long value cannot be a status word or a postal code: hidden, as before.
    assert "Zq8w" not in redact_text("password=" + "Zq8w" * 300)
    assert redact_text("password: required") == "password: required"
    assert redact_text("shipping pincode: 560001") == "shipping pincode: 560001"
    assert redact_text("password=***, next") == "password=***, next"
