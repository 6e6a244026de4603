"""A call's argument name is hidden from `classify_error` only where the message rejects its value.

With the call's argument names (errors6), a name of the call whose words read as a class was hidden
from the whole message as soon as anything in it read as a rejection. Tools that take a ``timeout``
(HTTP, database, shell tools) got every timeout error that also said ``should be retried``, ``at
most`` or ``one of`` classified validation or enum: a retry skill for their timeouts never fired, and
a repair of arguments was mined from an outage. The name is hidden where the rejection that follows
is about it (within three words, in the same clause) or where the message introduces it as an
argument (``value for timeout``).
"""

from __future__ import annotations

import pytest

from skillevo._classify import classify_error

_CALL = {"url": "https://api.example.com/v1/orders", "timeout": 30}


@pytest.mark.parametrize(
    "message",
    [
        "Timeout: the request took too long and should be retried",
        "Read timeout after 30 seconds; requests are limited to at most 30s",
        "Gateway timeout (upstream did not answer), should be retried later",
        "timeout: upstream server did not respond in time, one of the replicas is down",
    ],
)
def test_a_timeout_of_a_call_taking_a_timeout_is_transient(message: str) -> None:
    assert classify_error(message, "", _CALL) == "transient"


@pytest.mark.parametrize(
    "message",
    [
        "timeout must be a positive number",
        "timeout: must be >= 0",
        "Invalid value for timeout: must be positive",
        "timeout is invalid",
    ],
)
def test_a_rejected_timeout_argument_is_still_validation(message: str) -> None:
    assert classify_error(message, "", _CALL) == "validation"
