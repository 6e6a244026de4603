"""One letter whose lower case is longer turned off every respelling of an episode's secret (attack19).

`hide_known` matches a secret's spellings on the lower-cased text, position for position. Where
lower-casing changes a text's length (Turkish ``İ`` lower-cases to two characters: ``İstanbul``,
``İzmir``, or one such letter a hostile tool puts anywhere), it fell back to the secret's written
forms in the text as it is: the secret in another case, with separators put in, or echoed in HTML
or ``\\u`` escapes stayed: 5 of 5. Now the text is lower-cased letter by letter, a letter whose lower
case is longer kept as it is, so every position still maps and every spelling is read.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

SECRET = "Quokka7731plumZ"
ECHOES = {
    "lower case": SECRET.lower(),
    "upper case": SECRET.upper(),
    "separators put in": "-".join(SECRET),
    "\\u escapes": "".join(f"\\u{ord(c):04x}" for c in SECRET),
    "HTML references": "".join(f"&#{ord(c)};" for c in SECRET),
}


@pytest.mark.parametrize("name", list(ECHOES))
def test_a_dotted_capital_i_turns_off_no_spelling(name: str) -> None:
    text = f"İstanbul office: ref {ECHOES[name]} (end)"
    shown = redact_text(text, known={SECRET})
    assert ECHOES[name] not in shown and shown.startswith("İstanbul office: ref [REDACTED"), shown
    assert shown.endswith("(end)")
