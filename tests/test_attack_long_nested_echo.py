"""A secret longer than `ECHO_MAX` inside another hidden value, repeated bare elsewhere in the text.

World: a tool error names a secret under a pair whose value is itself a pair (``api_key: token:<S>``,
``password=secret=<S>``, a run ``token:token:<S>``) and repeats the value bare (``you sent <S>``). The
rules hide the outer value (``token:<S>``) and the inner one (``<S>``); to read a run of pairs in
linear time `value_spans` kept only the outermost of nested spans longer than `ECHO_MAX`, so the bare
copy of ``<S>`` was looked for as ``token:<S>`` and not found: before 2026-12-07 it stayed in the
text for 6 of 6 forms at 300 and 600 characters (4 of 4 held at 200). Now the innermost long span of
each nest is read too (still linear: a nest gives two values, not one per pair).
"""

from __future__ import annotations

import random
import string

import pytest

from skillevo._redaction import redact_text
from skillevo._secret_echo import ECHO_MAX


def _secret(n: int) -> str:
    rng = random.Random(n)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


FORMS = [
    "api_key: token:{s}\nyou sent {s}",
    "password=secret={s} rejected; got '{s}'",
    "token:token:token:{s}\nvalue {s} invalid",
]


@pytest.mark.parametrize("n", [ECHO_MAX // 2, ECHO_MAX + 44, 2 * ECHO_MAX + 88])
@pytest.mark.parametrize("form", FORMS)
def test_a_long_nested_secret_repeated_bare_is_hidden(form: str, n: int) -> None:
    secret = _secret(n)
    out = redact_text(form.format(s=secret))
    assert secret not in out
    assert secret[: ECHO_MAX // 4] not in out  # no part of it either
