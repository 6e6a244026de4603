"""An episode's secret echoed in an error, kept by the error's signature in another spelling (attack18).

A failed call's event stores the error's *signature* beside its text: the message with every value
replaced by its shape (numbers ``<n>``, ids ``<id>``, dates ``<date>``), lower-cased. The event is
redacted with the episode's own secrets (what it sent under secret names), but the signature had
already reshaped them: a passphrase ``plum orbit 7731 zebra`` sent as ``passphrase`` and echoed bare
by the tool was stored as ``no match for plum orbit <n> zebra``, which no spelling of the secret
matches. Before: 15 of 15 (5 secrets holding a number, an id, a date, x 3 wordings) reached the
library file; secrets the signature leaves whole were already hidden. Now each secret is also
looked for in its signature's shape.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

SECRETS = ["plum orbit 7731 zebra", "blue42 sky river quay", "river 2024-01-05 moonlit", "open sesame 12 times",
           "Maple 7 Harbor 9 Lantern"]
WORDINGS = ["rejected: no match for {s}", "{s} is not a valid passphrase", "login failed (tried {s}) for ana"]


def _words(secret: str) -> list[str]:
    return [w for w in re.split(r"[^a-z]+", secret.lower()) if len(w) >= 4]


@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_echoed_in_an_error_reaches_no_signature(tmp_path: Path, secret: str) -> None:
    leaked = []
    for n, wording in enumerate(WORDINGS):
        db = tmp_path / f"lib{n}.db"
        with SkillLibrary(str(db)) as lib:
            evo = Evolver(lib, seed=0, mining="inline")
            for _ in range(3):
                with evo.episode(task="sign in") as ep:
                    sent = ep.before_tool("sign_in", {"user": "ana", "passphrase": secret})
                    ep.on_tool_error("sign_in", sent, ValueError(wording.format(s=secret)))
                    ep.finish(reward=0.0)
            lib.flush()
        data = db_bytes(db).lower()
        if any(w.encode() in data for w in _words(secret)):
            leaked.append(wording)
        assert b"sign_in" in data and b"v3:" in data  # the failure is still recorded with its signature
    assert not leaked, f"{len(leaked)} of {len(WORDINGS)} wordings kept {secret!r}"


def test_a_signature_without_the_secret_is_unchanged() -> None:
    from skillevo._detect import error_signature, hide_in_signature

    signature = error_signature("order 4411 not found in region eu-west-1")
    assert hide_in_signature(signature, {"plum orbit 7731 zebra", "Zq81mx0Qa7rT"}) == signature
    shaped = error_signature("rejected: no match for plum orbit 7731 zebra")
    assert hide_in_signature(shaped, {"plum orbit 7731 zebra"}) == "v3:rejected: no match for [REDACTED:secret]"
