"""Secrets in key files, configuration files and sentences that no rule read (2026-12-06, eleventh
attacker's pass). Each case below was in the redacted text, and so in the library file, before:

* a private key under an armor label detect-secrets' PrivateKeyDetector does not list (PKCS#8's
  ``ENCRYPTED PRIVATE KEY``, ``PGP SECRET KEY BLOCK``), a PuTTY key file of version 3, an age
  identity (``AGE-SECRET-KEY-1...``);
* a secret in an XML configuration that names it by an attribute (``<entry key="password">``,
  ``<add key="DbPassword" value="...">``, ``<property name="db.password">``, a .NET setting's nested
  ``<value>``) or wraps it in CDATA;
* a secret named in a sentence with a qualifier between its name and its value ("the password for
  ana is ...", "password for user ana: ...", "Password of the admin account = ...").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact_text

PW = "Vq8-Blk-Pass-2290"
BODY = "MIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQwwDgQIb3ZlcnJpZGU"

BLOCKS = {
    "PKCS#8 encrypted": f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{BODY}\n-----END ENCRYPTED PRIVATE KEY-----",
    "PKCS#8 encrypted, JSON-escaped": (
        f"-----BEGIN ENCRYPTED PRIVATE KEY-----\\n{BODY}\\n-----END ENCRYPTED PRIVATE KEY-----"
    ),
    "PGP secret key block": f"-----BEGIN PGP SECRET KEY BLOCK-----\n\n{BODY}\n-----END PGP SECRET KEY BLOCK-----",
    "PuTTY version 3": f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n{BODY}\n",
    "age identity": "AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPMBBLX3",
}
BLOCK_SECRETS = {"age identity": "QYQSZQGPQYQSZQGPQYQSZQGP"}


@pytest.mark.parametrize("name", list(BLOCKS))
def test_a_private_key_under_any_label_is_hidden(name: str) -> None:
    secret = BLOCK_SECRETS.get(name, BODY[:24])
    out = redact_text(f"loaded key material:\n{BLOCKS[name]}\nthen failed")
    assert secret not in out, out
    assert out.startswith("loaded key material:")


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQsw\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "rotate the secret key every 90 days",
    ],
)
def test_public_blocks_and_sentences_stay(text: str) -> None:
    assert redact_text(text) == text


XML = {
    "Java properties XML": f'<props><entry key="db.password">{PW}</entry><entry key="db.user">a</entry></props>',
    "a .NET appSettings entry": f'<appSettings><add key="DbPassword" value="{PW}" /></appSettings>',
    "a Spring property, text": f'<property name="spring.datasource.password">{PW}</property>',
    "a .NET setting's nested value": f'<setting name="ApiToken" serializeAs="String">\n <value>{PW}</value></setting>',
    "a CDATA element": f"<config><password><![CDATA[{PW}]]></password></config>",
    "a labelled CDATA element": f'<entry key="secret"><![CDATA[{PW}]]></entry>',
}


@pytest.mark.parametrize("name", list(XML))
def test_a_secret_named_by_an_xml_attribute_is_hidden(name: str) -> None:
    out = redact_text(XML[name])
    assert PW not in out, out


def test_xml_values_naming_no_secret_stay() -> None:
    text = (
        '<properties><entry key="db.user">app</entry><entry key="db.host">db.internal</entry></properties>'
        '<add key="Timeout" value="30" /><property name="password.min-length">12</property>'
    )
    assert redact_text(text) == text


PROSE = [
    f"the password for ana is {PW}",
    f"password for user ana: {PW}",
    f"Password of the admin account = {PW}",
    f"The API key for the staging project is {PW}.",
    f"reset: password for ana.lee was changed to {PW}",
]


@pytest.mark.parametrize("text", PROSE)
def test_a_secret_named_with_a_qualifier_is_hidden(text: str) -> None:
    out = redact_text(text)
    assert PW not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "the password for ana is required",
        "the password for ana is too short",
        "password for user ana expired on 2024-01-01",
        "the token for order 12345 is missing",
        "password for the account: see the vault",
    ],
)
def test_a_qualified_name_before_a_word_stays(text: str) -> None:
    assert redact_text(text) == text


def test_blocks_configs_and_sentences_reach_no_file(tmp_path: Path) -> None:
    texts = [BLOCKS["PKCS#8 encrypted"], XML["Java properties XML"], PROSE[0]]
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task="deploy") as ep:
                sent = ep.before_tool("deploy", {"config": texts[1], "key_file": "k.pem"})
                ep.on_tool_error("deploy", sent, RuntimeError(f"bad config: {texts[2]}\n{texts[0]}"))
                ep.on_tool_result("deploy", sent, {"log": "\n".join(texts)})
                ep.finish(reward=0.0)
        lib.flush()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PW.encode() not in data
    assert BODY[:24].encode() not in data


def test_a_call_after_a_qualified_name_is_not_read_as_its_value() -> None:
    text = f"SET PASSWORD FOR ana = PASSWORD('{PW}')"
    assert redact_text(text) == "SET PASSWORD FOR ana = PASSWORD('[REDACTED:secret]')"
