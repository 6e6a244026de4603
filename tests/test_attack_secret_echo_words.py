"""A secret of several words, hidden where a rule found it and shown where the same text repeats it
(attack18).

A value a rule hides is looked for again in the rest of the text (`_secret_echo`), but only when
it is one token: a passphrase with spaces, a quoted value holding a space, stayed wherever it was
repeated. A JSON Schema error quotes the refused value on its first line and names its location
only below it; a tool says ``password='<pp>' rejected; you sent '<pp>'``. Before: 10 of 10 forms
showed the passphrase. A value of several words (on one line, at most 256 characters, not a region
a rule hid to the text's end) is now looked for like a one-token value; a word or a status hidden
under a secret's name still stays elsewhere.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text, secret_spans

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

PP = "plum orbit 7731 zebra"


def _schema_error(field: str, rule: dict[str, object]) -> str:
    jsonschema = pytest.importorskip("jsonschema")
    schema = {"type": "object", "properties": {field: {"type": "string", **rule}}}
    try:
        jsonschema.validate({field: PP}, schema)
    except jsonschema.ValidationError as exc:
        return str(exc)
    raise AssertionError("validated")


FORMS = {
    "jsonschema maxLength": lambda: _schema_error("passphrase", {"maxLength": 8}),
    "jsonschema pattern": lambda: _schema_error("password", {"pattern": r"^\S+$"}),
    "jsonschema enum": lambda: _schema_error("api_key", {"enum": ["a", "b"]}),
    "quoted then bare": lambda: f"password='{PP}' rejected; you sent '{PP}'",
    "quoted then a later line": lambda: f'password: "{PP}"\nretrying with {PP} failed',
    "bare before quoted": lambda: f'refused {PP} (has spaces); password="{PP}"',
    "json then prose": lambda: json.dumps({"user": "ana", "password": PP}) + f"\nthe phrase {PP} is not accepted",
    "repr then prose": lambda: repr({"user": "ana", "passphrase": PP}) + f" -- rejected: {PP}",
    "xml": lambda: f"<password>{PP}</password> rejected: '{PP}'",
    "command line": lambda: f"mysql --password='{PP}' failed; '{PP}' has spaces",
}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_secret_of_several_words_is_hidden_where_the_text_repeats_it(form: str) -> None:
    text = FORMS[form]()
    shown = redact_text(text)
    assert PP not in shown, shown
    assert "[REDACTED" in shown
    covered = [text[s:e] for s, e in secret_spans(text)]  # what `secret_spans` finds agrees
    assert sum(c.count(PP) for c in covered) == text.count(PP), covered


def test_a_status_or_a_word_hidden_under_a_name_stays_elsewhere() -> None:
    text = "password: not set; token=hunter and the hunter left; the form is not set up"
    shown = redact_text(text)
    assert "the hunter left" in shown and "is not set up" in shown


def test_a_region_hidden_to_the_texts_end_is_not_looked_for_again() -> None:
    row = "INSERT INTO users (name, password) VALUES ('bob', 'x y"
    text = f"{row}'); {row}"
    shown = redact_text(text)
    assert shown.startswith("INSERT INTO users (name, password) VALUES (")


def test_a_repeated_passphrase_reaches_no_file(tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for _ in range(2):
            with evo.episode(task="unlock") as ep:
                sent = ep.before_tool("unlock_vault", {"vault": "v-1"})
                ep.on_tool_error("unlock_vault", sent, ValueError(FORMS["jsonschema maxLength"]()))
                ep.finish(reward=0.0)
        lib.flush()
    data = db_bytes(db)
    assert PP.encode() not in data and b"unlock_vault" in data
