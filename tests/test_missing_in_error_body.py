"""A required argument left out, reported in a FastAPI / pydantic JSON body.

``{"detail": [{"type": "missing", "loc": ["body", "shift"], "msg": "Field required", ...}]}`` names
``shift``. Before 2026-12-07 the body was read as words: its own keys (``detail``, ``loc``, ``body``,
``msg``) were taken for the missing arguments, so the guidance told the agent to send ``detail``.
"""

from __future__ import annotations

import json
from typing import Any

from skillevo._guidance_facts import missing_fields
from skillevo._structured import structured_rule


def _body(*items: dict[str, Any]) -> str:
    return "HTTP/1.1 422 Unprocessable Entity\n" + json.dumps({"detail": list(items)})


def test_the_rule_names_the_argument_the_body_locates() -> None:
    sent = {"crew": "c1", "site": "north"}
    message = _body({"type": "missing", "loc": ["body", "shift"], "msg": "Field required"})
    rule = structured_rule("assign", message, "missing_arg", sent, 3)
    assert rule is not None
    assert rule.guidance == "`assign` requires `shift`: always include it in the call."


def test_a_body_names_members_by_their_location_and_nothing_else() -> None:
    sent = {"device": "d1", "window": {}}
    message = _body({"type": "missing", "loc": ["body", "window", "minutes"], "msg": "Field required", "input": {}},
                    {"type": "int_type", "loc": ["body", "level"], "msg": "Input should be a valid integer"})
    assert missing_fields(message, sent) == ["window.minutes"]
    # pydantic's own list (no request part), a message saying it in words
    assert missing_fields(json.dumps([{"loc": ["qty"], "msg": "field required"}]), {}) == ["qty"]
    assert missing_fields(_body({"type": "missing", "loc": ["body", "device"], "msg": "Field required"}), sent) == []


def test_a_bracket_before_the_body_does_not_hide_it() -> None:
    """A status or note in brackets ahead of the body (``[422] ...``, ``(see docs [v2])``, a route's
    ``{crew}``): the body was looked for at the first bracket only, so after one of these it was read
    as words again and its keys named as missing (3 of 3 here, as before 2026-12-07)."""
    body = json.dumps({"detail": [{"type": "missing", "loc": ["body", "shift"], "msg": "Field required"}]})
    for prefix in ("[422] Unprocessable Entity: ", "Error (see docs [v2]): ", "POST /assign {crew} failed: "):
        assert missing_fields(prefix + body, {"crew": "c1"}) == ["shift"], prefix
