"""A secret sent under a respelling of a required secret property, in a JSON Schema error (attack18).

pydantic's missing-field error quotes the model's whole input, and the values there whose keys
respell the missing secret field (``pw`` for ``password``) are hidden. JSON Schema (``jsonschema``,
what many tool-argument validators raise) says the same in other words: ``'password' is a required
property`` and, below, ``On instance:`` and the whole instance (pretty-printed over several lines
when long). That wording was not read: before, 6 of 6 respellings (``pw``, ``p``, ``tok``, ``PW``,
and ``accessTok``, ``acc_tok`` for ``access_token``) kept their value, on one line and over
several. The instance under a required secret property is now read like pydantic's missing input:
the values whose keys respell the property are hidden, the call's other arguments stay.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

jsonschema = pytest.importorskip("jsonschema")

SECRET = "Quokka7731plumZ"
KEYS = ["pw", "p", "tok", "PW", "accessTok", "acc_tok"]


def _error(field: str, instance: dict[str, object]) -> str:
    try:
        jsonschema.validate(instance, {"type": "object", "required": [field]})
    except jsonschema.ValidationError as exc:
        return str(exc)
    raise AssertionError("validated")


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("long", [False, True])
def test_a_respelled_secret_in_the_instance_is_hidden(key: str, long: bool) -> None:
    field = "access_token" if "ok" in key.lower() else "password"
    extra = {f"note_{i}": f"seat row {i} by the window" for i in range(4)} if long else {}
    text = _error(field, {"card_id": "card_2108", key: SECRET, **extra})
    assert ("\n     " in text) is long  # pretty-printed over several lines when long
    shown = redact_text(f"tool input rejected: {text}")
    assert SECRET not in shown, shown
    assert "card_2108" in shown and "is a required property" in shown


def test_an_ordinary_required_propertys_instance_stays() -> None:
    text = _error("region", {"card_id": "card_2108", "reg": "eu-west-1"})
    assert redact_text(text) == text
