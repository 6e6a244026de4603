"""Secrets in the forms the 2026-12-05 pass left stored, and skillevo's own log records (2026-12-06).

Each form below was stored verbatim in the SQLite file before its rule: a short option with the
value attached (``-pSECRET``), a ``user:password`` option value (``curl -u``), a key written as one
word (``PGPASSWORD``), key names whose letters are percent-encoded (``pass%77ord``, ``api%5Fkey``),
a webhook's token in a URL path, one-time and reset codes (``reset_code``, ``verification_code``),
a secret written in prose ("my password is ...", in other languages too), an IBAN. Each runs two
episodes through the `Evolver` (the secret in the arguments, echoed in the error and the result)
and reads every byte of the database files; the ordinary values of the same shapes survive.

skillevo's log records (``record_error``, a failing reward function, a listener that raised) are
written to the application's handlers: their message and traceback quote exception text, which
can quote a secret argument. They are redacted like everything stored.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo._logsafe import LOGGERS
from skillevo._redaction import is_secret_key, redact, redact_text
from skillevo.adapters import record_error, score_reward

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Hunter2-Very-Secret-Pw9"
IBANS = ["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "NL91ABNA0417164300", "FR1420041010050500013M02606"]

LEAKS: dict[str, dict[str, Any]] = {
    "short option with the value attached": {"cmd": f"mysql -u root -p{SECRET} shop"},
    "user:password option": {"cmd": f"curl -u admin:{SECRET} https://h/ && curl --user=ana:{SECRET} https://h/"},
    "key written as one word": {"cmd": f"PGPASSWORD={SECRET} psql -h db", "env": {"ROOTPASSWORD": SECRET}},
    "percent-encoded key letters": {"q": f"pass%77ord={SECRET}&x=1", "url": f"https://h/?api%5Fkey={SECRET}"},
    "percent-encoded dict key": {"api%5Fkey": SECRET, "p%61ssword": SECRET},
    "webhook token in a URL path": {"url": f"https://discord.com/api/webhooks/1234567890123/{SECRET}"},
    "incoming webhook path": {"url": f"https://outlook.office.com/webhook/a1-b2@c3/IncomingWebhook/{SECRET}/d4"},
    "hooks path": {"url": f"https://chat.example.com/hooks/{SECRET}"},
    "reset and verification codes": {"reset_code": SECRET, "verification_code": SECRET, "one_time_code": SECRET},
    "codes in text": {"log": f"verificationCode={SECRET} 2fa_code: {SECRET}"},
    "password in prose": {"note": f"my password is {SECRET}, log in with password {SECRET} please"},
    "password in German and Spanish prose": {"note": f"mein Passwort ist {SECRET}; la contraseña es {SECRET}"},
    "password in French prose": {"note": f"le mot de passe est {SECRET}"},
}


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_a_secret_in_a_form_left_before_never_reaches_the_database(tmp_path: Path, name: str) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, LEAKS[name], ensure_ascii=False)
    assert SECRET.encode() not in db_bytes(db)


def test_short_pins_and_codes_under_pin_like_keys_are_hidden() -> None:
    out = redact({"reset_code": "918273", "otp_code": 481516, "verification_code": "A1B2C3", "PINCODE": "4821"})
    assert "918273" not in json.dumps(out) and "481516" not in json.dumps(out)
    assert "A1B2C3" not in json.dumps(out) and "4821" not in json.dumps(out)
    for text in ("your one-time code is 481516", "OTP 481516", "PIN 4821 was wrong", "your pin is 4821"):
        assert "481516" not in redact_text(text) and "4821" not in redact_text(text), text


@pytest.mark.parametrize("iban", IBANS)
def test_an_iban_never_reaches_the_database(tmp_path: Path, iban: str) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"refund_account": iban, "note": f"refund to {iban} today"}, ensure_ascii=False)
    data = db_bytes(db)
    assert iban.encode() not in data and iban.replace(" ", "")[4:].encode() not in data


def test_ordinary_values_of_these_shapes_survive() -> None:
    kept = [
        "tar -pxvf archive.tar && mkdir -p build/out && ssh -p 2222 host && docker run -p8080:80 img",
        "gcc -O2 -Wall -I/usr/include -DNDEBUG=1 main.c",
        "curl -u ana https://h/ && git log -u",
        "https://api.example.com/webhooks/list?page=2",
        "cp .git/hooks/pre-commit.sample .git/hooks/pre-commit",
        "status code 404, error code E1234, zip code 75001",
        "the password is required; password must be at least 12 characters",
        "password is too short; token expired at 10:00; auth failed for user ana",
        "password was changed 3 days ago; the secret santa draw; session started",
        "max tokens 4096; token limit exceeded: 12000 tokens",
        "order #W6067464 for Yusuf Rossi, 2 items; call 1-800-555-0199",
        "SKU AB12CDEF34567890 in stock; ISO 8601; build DE12 ok",
        "DE89370400440532013001",  # fails the IBAN check digits
        "the pin 2 of the connector",
        "100%25 done, 50%20off",
    ]
    for text in kept:
        assert redact_text(text) == text, text
    ordinary = {"status_code": 404, "zip_code": "75001", "country_code": "DE", "code": "E1234", "error_code": "x1"}
    ordinary |= {"postal_code": "75001", "promo_code": "SAVE10", "discount%20code": "SAVE10", "spinner": "on"}
    assert redact(ordinary) == ordinary
    for key in ("opinion", "spin", "oldpwd_hint", "secretary", "tokenizer", "monkey"):
        assert not is_secret_key(key), key
    for key in ("PGPASSWORD", "rootpassword", "csrftoken", "resetCode", "pincode", "otpcode", "pass%77ord"):
        assert is_secret_key(key), key


# ------------------------------------------------------------------------------------------- log records


class _Capture(logging.Handler):
    """What an application's handler receives, formatted as a plain formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Any:
    handler = _Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_record_error_logs_no_secret(tmp_path: Path, captured: _Capture) -> None:
    lib = SkillLibrary(str(tmp_path / "lib.db"))
    with Evolver(lib).episode(task="t") as ep:
        ep.before_tool("login", {"user": "ana", "password": SECRET})
        try:
            raise ValueError(f"could not sign in with {SECRET} (password={SECRET})")
        except ValueError as exc:
            record_error(ep, "after_tool", exc)
        ep.finish(reward=1.0)
    lib.close()
    logged = "\n".join(captured.lines)
    assert "could not sign in" in logged and "Traceback" in logged
    assert SECRET not in logged
    assert SECRET.encode() not in db_bytes(tmp_path / "lib.db")


def test_a_failing_reward_function_logs_no_secret(tmp_path: Path, captured: _Capture) -> None:
    lib = SkillLibrary(str(tmp_path / "lib.db"))
    with Evolver(lib).episode(task="t") as ep:

        def reward(state: Any) -> float:
            raise KeyError(f"api_key={SECRET} rejected")

        assert score_reward(ep, reward, {})[0] is None
        ep.finish(reward=None)
    lib.close()
    logged = "\n".join(captured.lines)
    assert "reward function failed" in logged
    assert SECRET not in logged


def test_a_log_record_of_any_skillevo_logger_is_redacted(captured: _Capture) -> None:
    # a listener, a miner or an adapter hook that raised: the exception text is logged by skillevo
    for name in LOGGERS:
        try:
            raise RuntimeError(f"token={SECRET}")
        except RuntimeError:
            logging.getLogger(name).exception("skillevo: a hook failed for %s", f"password={SECRET}")
    assert len(captured.lines) == len(LOGGERS)
    assert all("RuntimeError" in line and "a hook failed" in line for line in captured.lines)
    assert not [line for line in captured.lines if SECRET in line]


def test_a_record_whose_arguments_do_not_fit_its_format_keeps_them_redacted(captured: _Capture) -> None:
    # logging's own error report shows the format and the arguments; the filter dropped the arguments
    logging.getLogger("skillevo").warning("tool %s failed with %d", "book", f"password={SECRET}")
    (line,) = captured.lines
    assert line.startswith("tool %s failed with %d") and "'book'" in line and "password=" in line
    assert SECRET not in line


def test_every_logger_skillevo_uses_is_redacted() -> None:
    roots = [ROOT / "src", *(ROOT / "adapters").glob("*/src"), *(ROOT / "integrations").glob("*/src")]
    names = {
        m.group(1)
        for root in roots
        for path in root.rglob("*.py")
        for m in re.finditer(r"getLogger\(\s*[\"']([^\"']+)[\"']", path.read_text(encoding="utf-8"))
    }
    assert names and names <= set(LOGGERS), names - set(LOGGERS)


# ----------------------------------------------------------------------- a fresh attacker's pass (2026-12-06)

#: Found by probing other members of each class after the fixes above; each was stored before.
MORE: dict[str, Any] = {
    "a YAML list under a secret key": f"credentials:\n  - {SECRET}\n  - second-{SECRET}\nname: ana",
    "a two-word key with a colon": f"PRIVATE KEY: {SECRET}; api key: {SECRET}",
    "a short option and a space": f"sshpass -p {SECRET} ssh host",
    "a reset link's token": f"https://app.example.com/reset-password/{SECRET}",
    "an invitation link's token": f"https://app.example.com/invite/{SECRET}?ref=mail",
    "a German PIN": "Ihre PIN lautet 4821",
    "a social security number in prose": "SSN 123-45-6789, social security number 123-45-6789",
    "a password changed to a value": f"the passcode was changed to {SECRET}; set the password to {SECRET}",
    "a Finnish linking word": f"salasana on {SECRET}",
    "an HTML form field": f'<input name="password" value="{SECRET}"><input value=\'{SECRET}\' name=\'pin\'>',
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_another_member_of_a_class_is_hidden(name: str) -> None:
    out = redact_text(MORE[name])
    for value in (SECRET, "4821", "123-45-6789"):
        assert value not in out, out


def test_the_new_forms_reach_no_report_or_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # end to end: the error a tool produced echoes the forms; mining runs (two episodes); then every
    # output (CLI, Markdown/HTML report, SKILL.md and GRPO exports) is read
    spec = importlib.util.spec_from_file_location("secret_attacks", Path(__file__).with_name("test_secret_attacks.py"))
    assert spec is not None and spec.loader is not None
    attacks = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("secret_attacks", attacks)  # its dataclasses look their module up
    spec.loader.exec_module(attacks)
    folder = tmp_path / "lib"
    folder.mkdir()
    db = folder / "lib.db"
    iban = IBANS[0]
    args = {"cmd": f"mysql -p{SECRET}", "hook": f"https://h/api/webhooks/123/{SECRET}", "account": iban}
    error = f"login failed: my password is {SECRET}; refund to {iban}; your verification code is 481516"
    lib = SkillLibrary(str(db))
    evo = Evolver(lib, seed=0)
    for _ in range(2):
        with evo.episode(task=f"log in with password {SECRET}") as ep:
            sent = ep.before_tool("login", args)
            ep.on_tool_error("login", sent, ValueError(error))
            ep.finish(reward=0.0)
    lib.close()
    places = {"database": b"".join(p.read_bytes() for p in folder.iterdir())}
    places.update(attacks._everything_shown(tmp_path, str(db), capsys))
    for value in (SECRET, iban, "481516"):
        assert not [p for p, data in places.items() if value.encode() in data], value


@pytest.mark.parametrize("secret", ['Hun"ter2\\Very-Secret', "Hunter2 Very/Secret&Pw9", "пароль-Секрет-2024"])
def test_a_known_secret_echoed_escaped_or_encoded_is_hidden(tmp_path: Path, secret: str) -> None:
    # a tool's error quoting the call as JSON (escaped quotes and backslashes, ASCII escapes) and the
    # password percent-encoded in a URL: before, the pair rule stopped at the escaped quote and left
    # the rest, and only the raw value was replaced where it was echoed
    db = tmp_path / "lib.db"
    lib = SkillLibrary(str(db))
    with Evolver(lib).episode(task="t") as ep:
        sent = ep.before_tool("login", {"password": secret, "user": "ana"})
        echo = f"rejected {json.dumps(sent)} in https://h/?u=ana&x={quote(secret)} ({quote_plus(secret)})"
        ep.on_tool_error("login", sent, ValueError(echo + f" {json.dumps(secret, ensure_ascii=False)}"))
        ep.finish(reward=1.0)
    errors = [e.data["error"] for e in lib.events(kind=EventKind.TOOL_ERROR)]
    lib.close()
    forms = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret), quote_plus(secret)}
    tails = {f[len(f) // 2 :] for f in forms}
    assert not [f for f in forms | tails if f in errors[0]], errors
