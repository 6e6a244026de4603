"""An episode's secret is hidden in an error signature where a status word before it changes its shape.

`hide_in_signature` hides a secret in the shape `error_signature` gives it alone. Version 3 keeps a
status written after a word naming it (``status 404``), so a secret that begins with three digits
and follows such a word (``status 404 plum orbit zebra``) reads ``404 plum orbit zebra`` in the
message's signature but ``<n> plum orbit zebra`` alone: the shapes differed and the secret's words
stayed in the signature (version 2 read ``<n>`` in both places).
"""

from __future__ import annotations

import pytest

from skillevo._detect import error_signature, hide_in_signature


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("404 plum orbit zebra", "request failed: status 404 plum orbit zebra"),
        ("503 Quiet Harbor Lantern", "upstream error code: 503 Quiet Harbor Lantern, try later"),
    ],
)
def test_a_secret_after_a_status_word_is_hidden(secret: str, message: str) -> None:
    shown = hide_in_signature(error_signature(message), {secret})
    assert "plum" not in shown and "harbor" not in shown, shown


def test_control_a_secret_elsewhere_is_hidden_as_before() -> None:
    shown = hide_in_signature(error_signature("error: plum orbit 7731 zebra"), {"plum orbit 7731 zebra"})
    assert shown == "v3:error: [REDACTED:secret]"


def test_control_a_status_with_no_secret_is_kept() -> None:
    shown = hide_in_signature(error_signature("HTTP 404: not found"), {"plum orbit 7731 zebra"})
    assert shown == "v3:http 404: not found"
