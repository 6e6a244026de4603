"""API keys under names the key-word rule did not read (2026-12-06, eleventh attacker's pass).

* ``?key=`` in a URL's query: Google's, Bing Maps', Steam's and many other APIs take their API key
  so, and an HTTP client's error quotes the whole URL ("401 Client Error: Unauthorized for url:
  https://...&key=..."). ``key`` alone names no secret in text ("cache key=user:42"), so the value
  reached the library file; in a query it is read as an API key (an object key sent there is hidden
  too).
* a ``key`` after the modifiers that name whose key it is: ``app_key`` (Laravel's ``APP_KEY``,
  Edamam's ``app_key``), ``developer_key``/``dev_key``, ``merchant_key``, ``partner_key``,
  ``secure_key``.

Before: 9 of 9 leaked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import mask_url, redact, redact_text

KEY = "Qk7mZp2Lx9Vb4Nc8Hd1Jf6Tg3Ws5Ye0"

URLS = [
    f"401 Client Error: Unauthorized for url: https://maps.example.com/api/geocode/json?address=Oslo&key={KEY}",
    f"GET http://dev.virtualearth.net/REST/v1/Locations?q=Oslo&key={KEY} -> 401",
    f"https://api.steampowered.com/ISteamUser/GetPlayerSummaries/v2/?key={KEY}&steamids=1",
]
NAMES = ["app_key", "APP_KEY", "developerKey", "dev_key", "merchant_key", "partner_key"]


@pytest.mark.parametrize("text", URLS)
def test_a_key_in_a_urls_query_is_hidden(text: str) -> None:
    assert KEY not in redact_text(text)
    url = text[text.index("http") :].split()[0]
    assert KEY not in mask_url(url)


@pytest.mark.parametrize("name", NAMES)
def test_a_key_named_by_whose_it_is_is_hidden(name: str) -> None:
    assert KEY not in str(redact({name: KEY}))
    assert KEY not in redact_text(f"{name}={KEY}")


@pytest.mark.parametrize(
    "text",
    [
        "cache key=user:42 missed",
        "sort key: created_at",
        "primary key=id",
        "https://example.com/search?q=key&page=2",
        "https://example.com/items?monkey=3&keyword=lamp",
    ],
)
def test_a_key_outside_a_query_keeps_its_value(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize("value", [{"primary_key": "id"}, {"sort_key": "created_at"}, {"keyboard": "us"}])
def test_keys_naming_no_credential_keep_their_values(value: dict[str, str]) -> None:
    assert redact(value) == value


def test_a_query_key_in_an_error_reaches_no_file(tmp_path: Path) -> None:
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task="geocode Oslo") as ep:
                sent = ep.before_tool("geocode", {"address": "Oslo"})
                ep.on_tool_error("geocode", sent, RuntimeError(URLS[0]))
                ep.finish(reward=0.0)
        lib.flush()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert KEY.encode() not in data
