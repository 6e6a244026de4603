"""A secret's name or value spelled with a separator other than a space, hyphen, dot or underscore.

The spelled view (`skillevo._secret_spelled`) read a run of single characters as the word it spells
only where each was set apart by one space, no-break space, hyphen, dot or underscore. A hostile tool
(or a customer dictating) spelled ``password`` with a tab, two spaces, a thin, narrow, en or
ideographic space, a comma (with a space or not), a slash, a pipe, a plus, a star, a colon or
``" - "``, and a Stripe key spelled with a hyphen, dot or underscore (its own ``_`` a character of
the run), or spelled after no key word at all (the pre-filter read no long run): 50 of 60 texts
kept the value through `redact_text` and into the library file. Now any spacing on the line, or one
mark with spacing either side, separates a spelling: 0 of 60. Lists of letters that spell no secret
stay as written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, error_outputs

VALUE = "Zq7mWx93Lk2P"
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
SEPARATORS = {
    "space": " ", "no-break space": "\u00a0", "hyphen": "-", "dot": ".", "underscore": "_", "tab": "\t",
    "two spaces": "  ", "thin space": "\u2009", "narrow no-break space": "\u202f", "en space": "\u2002",
    "ideographic space": "\u3000", "comma": ",", "comma and space": ", ", "slash": "/", "pipe": "|",
    "plus": "+", "star": "*", "colon": ":", "spaced hyphen": " - ", "spaced slash": " / ",
}  # fmt: skip


def _texts(sep: str) -> list[tuple[str, str]]:
    name = sep.join("password")
    return [
        (f"{name} = {VALUE}", VALUE),
        (f"the {name} is {VALUE}", VALUE),
        ("rejected: " + sep.join(STRIPE), STRIPE[8:]),
    ]


def _kept(text: str, secret: str, out: str) -> bool:
    """Whether `out` still holds `secret` (read without the separators it was spelled with)."""
    spelled_in = secret not in text
    return any(secret in out.replace(sep, "") for sep in SEPARATORS.values()) if spelled_in else secret in out


def test_a_secret_spelled_with_any_separator_is_hidden() -> None:
    kept = [
        (name, text) for name, sep in SEPARATORS.items() for text, secret in _texts(sep)
        if _kept(text, secret, redact_text(text))
    ]  # fmt: skip
    assert not kept, f"{len(kept)} of {3 * len(SEPARATORS)} spelled secrets kept: {kept}"


@pytest.mark.parametrize("sep", [", ", " / ", "\t", "|"])
def test_a_spelled_secret_reaches_no_library_file(tmp_path: Path, sep: str) -> None:
    message = f"login failed: {sep.join('password')} = {VALUE}"
    prompts, stored, report = error_outputs(tmp_path, "sign_in", {"user": "ana"}, message, {"user": "ana"})
    assert VALUE not in db_bytes(tmp_path / "lib.db").decode("utf-8", "replace")
    assert VALUE not in stored + report + "".join(prompts)


@pytest.mark.parametrize(
    "text",
    ["options: a, b, c, d", "path a/b/c/d/e", "grades A | B | C | D", "J. R. R. Tolkien wrote it",
     "x + y + z + w = 4", "columns\ta\tb\tc\td", "ratio 1:2:3:4", "the p a s s step failed"],
)  # fmt: skip
def test_letters_that_spell_no_secret_stay(text: str) -> None:
    assert redact_text(text) == text
