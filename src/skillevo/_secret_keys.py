"""Which dictionary keys hold secrets, judged on the key's words (snake, kebab and camel case).

``password``, ``api_key``, ``apiKey``, ``X-Api-Key``, ``access_token``, ``session_id`` are secret;
``author``, ``max_tokens``, ``token_type``, ``password_policy`` are not. The redaction engine
(`_redaction`) hides the whole value under such a key; URL masking uses it for query parameters.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ._secret_escapes import decoded_view, drop_invisible
from ._secret_fold import ascii_reading

__all__ = ["CJK_NAMES", "is_postal_pin", "is_secret_key", "key_words"]


#: Names of a password, a passcode, a PIN or a secret key in Chinese, Japanese and Korean (one word each:
#: these scripts set no space between a name and its particle, "口令为...", "암호는 ...").
CJK_NAMES = ("密码", "密碼", "口令", "密钥", "密鑰", "パスワード", "パスコード", "暗証番号", "暗証",
             "비밀번호", "비번", "암호")  # fmt: skip
#: Words that make a key secret wherever they appear in it.
_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "passcode", "secret", "secrets", "credential",
        "credentials", "creds", "cookie", "cookies", "authorization", "authentication", "auth", "oauth",
        "bearer", "token", "jwt", "cvv", "cvc", "cvv2", "cvc2", "pin", "otp", "totp", "mfa", "ssn",
        "şifre", "sifre", "şifreniz", "şifren", "şifresi", "lösenordet",  # Turkish, Swedish inflected forms
        # a card's verification value under its other brands' names (CSC, CVN; not "cvd", also a
        # disease in a patient's record), a second factor written as one word, a network's
        # pre-shared key
        "csc", "cvn", "twofa", "psk",
        "contraseña", "contrasena",
        # plurals that name only secrets (a list of them); "tokens" is not one ("max_tokens")
        "passwords", "passwds", "pwds", "passphrases", "passcodes", "pins", "otps", "ssns", "jwts", "cvvs",
        # the same names written as one word ("apikey", "accesstoken", "sessionid")
        "apikey", "accesstoken", "refreshtoken", "authtoken", "idtoken", "secretkey", "privatekey",
        "accesskey", "sessionid", "sessid", "clientsecret", "xapikey", "sessiontoken",
        # a request's signature (an Azure SAS `sig`, a webhook's HMAC; `signature` itself is a head word
        # below, an error's or a function's signature being none) grants what its credential grants;
        # a wallet's recovery words
        "sig", "hmac", "mnemonic",
        # a command's password options written as one word (keytool -storepass, openssl -passin)
        "storepass", "keypass", "passin", "passout",
        # "password" in other languages (key names are read in any script; see `key_words`)
        "passwort", "kennwort", "motdepasse", "senha", "wachtwoord", "hasło", "haslo", "lösenord", "losenord",
        "salasana", "пароль", *CJK_NAMES,
        # knowledge-based authentication: an answer that signs a customer in like a password (a bank's
        # "memorable word", a mother's maiden name, joined to one word by `_JOINS`)
        "memorable", "maidenname",
        # a person's national identifier, which proves who they are like a social security number: the
        # UK's National Insurance number, India's Aadhaar, Brazil's CPF; a PIN named in German
        "taxid", "aadhaar", "aadhar", "cpf", "geheimzahl", "geheimnummer",
        # ... and by their own names: Germany's tax id, the Netherlands' citizen service number, Poland's
        # PESEL, the Nordic personal identity number, Mexico's CURP, Spain's DNI, the UK's NINO
        "steuerid", "steueridentifikationsnummer", "bsn", "burgerservicenummer", "sofinummer", "pesel",
        "personnummer", "personnr", "henkilötunnus", "curp", "dni", "nino",
    }
)  # fmt: skip
#: Two-word names of a secret, joined to one word before the descriptor rule reads the last word
#: ("one time code", "mothers maiden name", "memorable date": "name" and "date" are descriptor
#: tails, "maiden name" and a memorable date hold the answer).
_JOINS = {
    ("one", "time"): "onetime", ("maiden", "name"): "maidenname", ("memorable", "date"): "memorable",
    ("memorable", "name"): "memorable", ("memorable", "time"): "memorable",
    # a second factor ("two_factor_code", "two_fa") and a pre-shared key: "factor" and "shared" alone are none
    ("two", "factor"): "twofactor", ("second", "factor"): "twofactor", ("two", "fa"): "twofa",
    ("pre", "shared"): "preshared", ("steuer", "id"): "steuerid",
}  # fmt: skip
_JOIN_FIRSTS = frozenset(first for first, _ in _JOINS)
#: Modifiers that make an answer a secret: a security question's answer signs its holder in
#: (``security_answer``, ``security_question_answer``, ``kba_answer``); a quiz's answer is none.
_ANSWER_MODIFIERS = frozenset(
    {"security", "secret", "challenge", "recovery", "kba", "memorable", "verification", "auth", "authentication",
     "securityquestion", "secretquestion", "challengequestion"}
)  # fmt: skip
_CODE_MODIFIERS = frozenset(
    {"reset", "verification", "verify", "confirmation", "confirm", "otp", "onetime", "2fa", "mfa", "tfa",
     "sms", "recovery", "backup", "activation", "security", "access", "login", "unlock", "auth", "pin", "magic",
     "twofactor", "pass",
     # a card's verification code ("card_code") and the codes that open a door, a gate, an alarm, a box
     "card", "door", "gate", "alarm", "garage", "lockbox", "keypad"}
)  # fmt: skip
#: Modifiers that make a phrase or a seed a wallet's recovery words (``seed_phrase``, ``wallet_seed``):
#: whoever holds them holds the wallet.
_PHRASE_MODIFIERS = frozenset({"seed", "recovery", "mnemonic", "secret", "backup", "wallet"})
#: Words that end a one-word compound key naming a secret (``PGPASSWORD``, ``rootpassword``,
#: ``csrftoken``): long enough that no ordinary word ends with one ("bypass" ends with "pass").
_SECRET_SUFFIXES = ("password", "passwd", "passphrase", "passcode", "secret", "token", "credential", "credentials",
                    "apikey", "sessid", "sessionid", "storepass", "keypass", "maidenname")  # fmt: skip
#: Last words that name a session's identifier, a bearer credential: a cookie's ``sid``, ``session``,
#: ``connect.sid``, ``laravel_session``, ``_gh_sess`` (``session_start``, ``session_timeout`` are none).
_SESSION_WORDS = frozenset({"sid", "sess", "session"})
#: Modifiers that follow a Romance head word ("código de verificação", "code de vérification", "codice
#: di verifica", "clave de acceso"): the head is the key's first word, its modifier a later one.
_ROMANCE_HEADS = frozenset(
    {"código", "codigo", "códigos", "codigos", "codice", "codici", "code", "codes", "clave", "chave", "clé", "cle",
     "chiave", "número", "numero", "numéro"}
)  # fmt: skip
_ROMANCE_MODIFIERS = frozenset(
    {"verificação", "verificacao", "verificación", "verificacion", "vérification", "verification", "verifica",
     "seguridad", "segurança", "seguranca", "sécurité", "securite", "sicurezza", "acesso", "acceso", "accès",
     "acces", "accesso", "confirmação", "confirmacao", "confirmación", "confirmacion", "confirmation", "conferma",
     "ativação", "ativacao", "activación", "activacion", "activation", "attivazione", "recuperação",
     "recuperacao", "recuperación", "recuperacion", "récupération", "recuperation", "recupero", "autenticação",
     "autenticacao", "autenticación", "autenticacion", "authentification", "autenticazione", "desbloqueo",
     "desbloqueio", "déverrouillage", "deverrouillage", "sblocco", "secreto", "secreta", "segreto", "secret",
     "pin", "otp", "sms", "2fa", "uso", "único", "unico"}
)  # fmt: skip
#: Head words that are secret only after one of these modifiers (``api_key``, ``session_id``).
_SECRET_HEADS: dict[str, frozenset[str]] = {
    "key": frozenset(
        {"api", "access", "secret", "private", "signing", "encryption", "master", "session", "client",
         "ssh", "license", "account", "service", "db", "database", "priv", "subscription", "webhook",
         # a wireless network's key
         "preshared", "shared", "wpa", "wpa2", "wep", "wifi",
         # whose key it is: an app's (Laravel's APP_KEY, Edamam's app_key), a developer's, a merchant's
         # or a partner's with a payment or a marketplace API
         "app", "developer", "dev", "merchant", "partner", "secure"}
    ),
    "keys": frozenset({"api", "access", "secret", "private", "signing", "encryption", "ssh"}),
    # a session's id; a person's national or tax id ("national_id", "tax id", "taxpayer id")
    "id": frozenset({"session", "sess", "national", "taxpayer", "citizen"}),
    "tokens": frozenset({"access", "refresh", "api", "session", "bearer", "id", "csrf", "oauth"}),
    # a token abbreviated ("access_tok", "refresh_tok"); "tok" alone is none ("tok_count")
    "tok": frozenset({"access", "refresh", "api", "session", "bearer", "id", "csrf", "oauth", "auth", "bot"}),
    "pass": frozenset({"db", "database", "key", "user", "login", "admin", "root", "smtp", "keystore", "truststore",
                       "store"}),
    # a password abbreviated: only after a modifier ("Pw" alone is also the end of a base64 text, "...Pw==")
    "pw": frozenset({"user", "admin", "root", "db", "database", "login", "account", "smtp", "ftp", "ssh", "wifi"}),
    "passe": frozenset({"mot", "palavra"}),  # mot_de_passe, palavra-passe
    # X-Amz-Signature, X-Goog-Signature, X-Hub-Signature-256, X-Slack-Signature, webhook_signature
    "signature": frozenset({"amz", "goog", "hub", "slack", "x", "request", "webhook", "hmac", "url", "api", "payload"}),
    # one-time, reset and card codes (``reset_code``, ``verificationCode``, ``2fa_code``, ``security_code``);
    # ``status_code``, ``zip_code``, ``promo_code`` are none
    # a social security number, a PIN number (an account number is a customer's record: kept)
    # (a national insurance or identity number, a taxpayer's number are a person's id, like an SSN)
    "number": frozenset({"security", "pin", "ssn", "insurance", "identity", "taxpayer"}),
    "code": _CODE_MODIFIERS,
    "codes": _CODE_MODIFIERS,
    "answer": _ANSWER_MODIFIERS,
    "answers": _ANSWER_MODIFIERS,
    "value": frozenset({"verification", "security"}),  # card_verification_value
    "phrase": _PHRASE_MODIFIERS,
    "phrases": _PHRASE_MODIFIERS,
    "seed": _PHRASE_MODIFIERS - {"seed"},
}  # fmt: skip
#: A last word that describes a secret rather than holding it (``token_type``, ``password_policy``).
_DESCRIPTOR_TAILS = frozenset(
    {
        "type", "types", "kind", "count", "length", "len", "expiry", "expires", "expiration", "expired",
        "policy", "required", "enabled", "disabled", "method", "methods", "mode", "url", "uri", "endpoint",
        "name", "names", "hint", "format", "scheme", "provider", "status", "field", "fields", "label",
        "strength", "version", "ttl", "lifetime", "scope", "scopes", "rotation", "reset", "changed",
        "updated", "created", "at", "date", "time", "timestamp", "source", "path", "file", "env", "valid",
        "limit", "limits", "usage", "used", "min", "max", "set", "present", "exists", "error", "errors",
        "alg", "algorithm",
    }
)  # fmt: skip
#: First words of a name that counts secrets rather than holding one ("Number of API keys", ``num_tokens``,
#: ``total_passwords``, "How many keys"): its value is a count.
_COUNT_LEADS = frozenset({"number", "num", "count", "total", "how", "amount", "quantity", "qty"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[\W_]+")  # letters of any script are words ("пароль", "密码")
#: Stems of every secret key word (`_SECRET_WORDS`, `_SECRET_HEADS`; a test checks each holds one):
#: a text without any (case-folded) holds no secret key, so the key=value rules need not run on it.
#: Then an escaped letter (a key written in JSON's ASCII escapes, "\\u043f\\u0430...") and SQL's
#: "IDENTIFIED BY '...'", which names a password without the word.
_KEY_STEMS = ("pass", "pwd", "secret", "tok", "auth", "key", "cookie", "cred", "sess", "bearer", "cvv", "cvc",
              "pin", "otp", "ssn", "jwt", "mfa", "contras", "sig", "hmac", "mnemonic", "kennw", "senha", "wachtw",
              "hasło", "haslo", "lösen", "losen", "salasana", "пароль", *CJK_NAMES,
              "reset", "verif", "confirm", "one_time", "one-time", "onetime", "2fa", "tfa", "sms", "recover",
              "backup", "activation", "security", "access", "login", "unlock", "magic",
              "sid", "seed", "vérif", "segur", "sicur", "sécur", "accè", "conferm", "ativa", "activa", "attiva",
              "recupe", "récupé", "autent", "desbloque", "déverrouill", "deverrouill", "sblocc", "segret", "uso ",
              "memorab", "maiden", "challeng", "kba",
              "csc", "cvn", "pw", "psk", "twofa", "two_fa", "two-fa", "factor", "shared", "wpa", "wep", "wifi",
              "card", "door", "gate", "alarm", "garage", "lockbox", "keypad", "wallet", "şifre", "sifre",
              "log in", "log-in", "sign in", "sign-in", "signin", "logon", "log on", "get in",
              "national", "tax id", "tax_id", "taxid", "tax-id", "taxpayer", "citizen", "insurance", "identity",
              "aadhaar", "aadhar", "cpf", "geheim", "steuer", "bsn", "burgerservice", "sofinummer", "pesel",
              "personn", "henkilötunnus", "curp", "dni", "nino",
              "\\u", "\\x", "identified")  # fmt: skip


# What redaction writes in place of a secret ("[REDACTED:api_key]"): it names no secret itself, or
# redacting stored data again (migrate, export, compaction) would take the value beside it.
_MARKER = re.compile(r"\[REDACTED:\w*\]")


@functools.lru_cache(maxsize=4096)
def _as_written(key: str) -> str:
    # Read as a person reads it: full-width and other compatibility forms folded (NFKC), invisible
    # characters (zero-width, bidi controls, variation selectors, Hangul fillers) dropped, so
    # "ｐａｓｓｗｏｒｄ" and "pass\u200bword" are the word "password"; a letter written in an escape
    # ("pass\\u0077ord", "pass\\x77ord", "pass&#119;ord", a JSON key quoted twice) is the letter.
    key = drop_invisible(unicodedata.normalize("NFKC", drop_invisible(key)))
    if "[REDACTED:" in key:
        key = _MARKER.sub(" ", key)
    if ("\\" in key or "&" in key) and (view := decoded_view(key)) is not None:
        key = view[0]
    if "%" in key:  # percent-encoded letters ("pass%77ord", "api%5Fkey"), encoded twice at most
        key = unquote(unquote(key))
    return key


def _words(key: str) -> tuple[str, ...]:
    return tuple(w for w in _NON_WORD.split(_CAMEL.sub(" ", key).lower()) if w)


@functools.lru_cache(maxsize=4096)
def key_words(key: str) -> tuple[str, ...]:
    """The words of a key name as written (escapes decoded, compatibility forms folded), lower-cased."""
    return _words(_as_written(key))


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a value under `key` is a secret, judged on the key's words (see the module doc): as
    written, and as read in ASCII (`ascii_reading`: "pássword", "pаssword" with a Cyrillic "а",
    "ᴘᴀssᴡᴏʀᴅ" in small capitals). A key in another script ("пароль") is judged as written."""
    written = _as_written(key)
    if _names_secret(_words(written)):
        return True
    read = ascii_reading(written)
    return read != written and _names_secret(_words(read))


def _names_secret(words: tuple[str, ...]) -> bool:
    # A numbered copy is the same key: "password2", "api_key_2", "X-Hub-Signature-256".
    words = tuple(w.rstrip("0123456789") or w for w in words)
    while len(words) > 1 and words[-1].isdigit():
        words = words[:-1]
    if not words:
        return False
    if not _JOIN_FIRSTS.isdisjoint(words[:-1]):  # "one_time_code", "mothersMaidenName": two words, one name
        words = _joined(words)
    if len(words) > 1 and (words[-1] in _DESCRIPTOR_TAILS or words[0] in _COUNT_LEADS):
        return False
    if any(w in _SECRET_WORDS for w in words):
        return True
    # one secret word that a case style split in two ("pass_phrase", "passWord", "pass-wd")
    if any(a + b in _SECRET_WORDS for a, b in itertools.pairwise(words)):
        return True
    if any(_compound(w) for w in words):
        return True
    if words[-1] in _SESSION_WORDS:
        return True
    if words[0] in _ROMANCE_HEADS and len(words) > 1 and not _ROMANCE_MODIFIERS.isdisjoint(words[1:]):
        return True
    if len(words) == 1:
        return words[0] == "pass"
    modifiers = _SECRET_HEADS.get(words[-1])
    return modifiers is not None and any(w in modifiers for w in words[:-1])


def _joined(words: tuple[str, ...]) -> tuple[str, ...]:
    """`words` with each two-word secret name (`_JOINS`) written as one word."""
    out: list[str] = []
    for w in words:
        joined = _JOINS.get((out[-1], w)) if out else None
        if joined is None:
            out.append(w)
        else:
            out[-1] = joined
    return tuple(out)


def _compound(word: str) -> bool:
    """Whether one word is a secret's name written without separators: a strong secret word after
    a prefix (``pgpassword``), or a head word after one of its modifiers (``resetcode``, ``pincode``)."""
    if len(word) < 6:
        return False
    if any(word.endswith(s) and len(word) > len(s) for s in _SECRET_SUFFIXES):
        return True
    return any(word.endswith(head) and word[: -len(head)] in modifiers for head, modifiers in _SECRET_HEADS.items())


#: A "PIN code" is also India's postal code (Postal Index Number): a postal-code-shaped value under such
#: a key beside an address (the key's other words, or the text or record around it) is one, not a PIN.
_PIN_CODE = (("pincode",), ("pin", "code"))
_POSTAL = re.compile(r"[1-9]\d{2} ?\d{3}|\d{5}(?:-\d{4})?")
_ADDRESS_WORDS = frozenset(
    {"address", "addr", "street", "road", "lane", "city", "town", "district", "state", "country", "village",
     "locality", "landmark", "postal", "post", "zip", "shipping", "billing", "delivery", "colony", "sector",
     "apartment", "building", "taluk", "tehsil", "area", "ship", "shipped", "deliver", "delivered"}
)  # fmt: skip
_ADDRESS = re.compile(r"(?i)(?<![^\W_])(?:" + "|".join(sorted(_ADDRESS_WORDS)) + r")(?![^\W_])")


def is_postal_pin(key: str, value: object, context: str | Mapping[Any, Any]) -> bool:
    """Whether `value` under `key` is a postal PIN code: the key is ``pincode`` or ``pin_code`` (with
    address words or none), the value a postal code's shape (``560001``, ``560 001``, ``94107``), and an
    address word is in the key or in `context` (the text before it, or the record it sits in: its keys)."""
    words = key_words(key)
    rest = tuple(w for w in words if w not in _ADDRESS_WORDS)
    if rest not in _PIN_CODE or type(value) not in (str, int):
        return False
    if _POSTAL.fullmatch(str(value).strip()) is None:
        return False
    if len(rest) < len(words):
        return True
    text = context if isinstance(context, str) else " ".join(str(k) for k in context)
    return _ADDRESS.search(text) is not None
