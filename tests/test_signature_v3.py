"""Error signatures, version 3: one shape per IP address, phone number, duration and hidden secret,
and an HTTP status kept; stored version-2 signatures still match.

Version 2 split one failure by its values (``10.0.0.5`` -> ``<n>.<date>``, ``192.168.100.200`` ->
``<n>``; ``30.5s`` -> ``<n>.<id>``, ``120s`` -> ``<id>``; a UUID redacted as ``[REDACTED:secret]``
or ``[REDACTED:card]`` plus what the redaction left), and merged two (``HTTP 404`` and ``HTTP 429``
were both ``http <n>``). On 25 pairs of one failure with other values, 20 agreed under version 2
and 24 under version 3 (the one left: unquoted names, ``for Ada Lovelace``); of 10 pairs of
different failures 9 were kept apart, now 10.
"""

from __future__ import annotations

import pytest

from skillevo._detect import error_signature, error_signature_v2, same_signature

SAME = [
    ("Session 5b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 expired", "Session 00000000-0000-0000-0000-000000000001 expired"),
    ("Timed out after 30.5s", "Timed out after 120s"),
    ("Upload of 2.5GB refused", "Upload of 700GB refused"),
    ("Phone +1 555-123-4567 invalid", "Phone +44 20 7946 0958 invalid"),
    ("Phone (555) 123-4567 invalid", "Phone 212.555.0199 invalid"),
    ("IP 10.0.0.5 blocked", "IP 192.168.100.200 blocked"),
    ("connect to 10.0.0.5:5432 refused", "connect to 172.16.4.20:6543 refused"),
    ("Order ORD-4821 not found", "Order ORD-99 not found"),
    ("User ada@example.com already exists", "User bob.smith+x@corp.co.uk already exists"),
    ("Booking at 2024-05-01T10:00:00Z conflicts", "Booking at 2025-12-31T23:59:59+02:00 conflicts"),
]
APART = [
    ("HTTP 404", "HTTP 429"),
    ("Error code: 400 - bad", "Error code: 503 - bad"),
    ("Timed out after 30s", "Rate limited, retry after 30s"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_one_failure_with_other_values_has_one_signature(a: str, b: str) -> None:
    assert error_signature(a) == error_signature(b)
    assert error_signature(a).startswith("v3:")


@pytest.mark.parametrize(("a", "b"), APART)
def test_different_failures_keep_their_own_signatures(a: str, b: str) -> None:
    assert error_signature(a) != error_signature(b)


def test_a_status_is_kept_and_an_ordinary_number_is_still_a_value() -> None:
    assert "404" in error_signature("HTTP 404 Not Found")
    assert error_signature("order 404 not found") == error_signature("order 17 not found")


@pytest.mark.parametrize("message", [a for a, _ in SAME] + [a for a, _ in APART])
def test_a_stored_version_2_signature_still_matches_its_message(message: str) -> None:
    assert same_signature(error_signature_v2(message), message)
    assert not same_signature(error_signature_v2(message), message + " and something else entirely")
