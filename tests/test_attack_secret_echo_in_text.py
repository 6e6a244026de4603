"""A secret a rule hides in one place of a text is hidden where the same text repeats it (attack17).

A JSON Schema error (``jsonschema``, what tool-argument validators raise) quotes the refused value on
its first line and names its location only below it::

    'Zq8v...' does not match '^sk_'
    Failed validating 'pattern' in schema['properties']['api_key']: ...
    On instance['api_key']:
        'Zq8v...'

The rules hid the value under the location and left the first line's copy, which names nothing
(1 of 1 before). A value a rule hides (one that reads like a credential: 8 characters or more, not
a word) is now hidden at every place of the same text that repeats it.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text, secret_spans

SECRET = "Zq8vLw3Kp0XyQQab"


def test_a_json_schema_errors_first_line_copy_is_hidden() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = {"type": "object", "properties": {"api_key": {"type": "string", "pattern": "^sk_"}}}
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate({"api_key": SECRET}, schema)
    for text in (str(caught.value), f"tool input rejected: {caught.value}"):
        shown = redact_text(text)
        assert SECRET not in shown, shown
        assert "does not match" in shown and "Failed validating" in shown


def test_a_copy_before_the_named_value_is_hidden_and_spans_agree() -> None:
    text = f"refused {SECRET} (too short); password={SECRET}"
    shown = redact_text(text)
    assert SECRET not in shown and shown.startswith("refused [REDACTED")
    covered = "".join(text[s:e] for s, e in secret_spans(text))
    assert covered.count(SECRET) == 2


def test_a_word_hidden_under_a_secret_name_stays_elsewhere() -> None:
    text = "password=hunter and the hunter left; token: required, field required"
    shown = redact_text(text)
    assert "the hunter left" in shown and "field required" in shown
