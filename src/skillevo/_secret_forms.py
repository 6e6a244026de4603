"""Secret forms beyond ``key=value``: a secret named by a sibling, a command-line option, an XML element.

Structures (`named_secret_fields`, `names_secret_pair`): many formats name a value in one field and
hold it in another, so the secret's name is a *value*, not a key: HTTP headers in HAR and fetch
APIs (``{"name": "Authorization", "value": ...}``, ``[["X-Api-Key", ...]]``), Kubernetes and
container environments (``{"name": "DB_PASSWORD", "value": ...}``), AWS tags and parameters
(``{"Key": ..., "Value": ...}``), form fields (``{"field": "pin", "value": ...}``). The holder is
hidden when the label names a secret by the key-word rule (`is_secret_key`).

Text forms (`form_spans`): ``--password=...`` and ``--token ...`` options on a command line,
``<password>...</password>`` elements, and a quoted value right after its name (SQL's ``WITH
PASSWORD '...'`` and ``IDENTIFIED BY '...'``, ``password "..." is too short``, its quotes escaped
or not). The ``key=value`` pair rule lives in `_redaction`.

Encoded text (`encoded_spans`): a base64 run (standard or URL-safe) that decodes to text is read
again by every rule, once; a run whose text holds a secret (``{"password": ...}``,
``user:password`` as HTTP Basic sends it without its ``Basic`` word) is hidden whole.
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ._secret_context import context_spans
from ._secret_keys import is_secret_key, key_words
from ._secret_labels import tail_matches
from ._secret_prose import prose_spans, seed_phrase_spans

__all__ = [
    "card_number",
    "decoded_reading",
    "encoded_spans",
    "entity_spans",
    "form_spans",
    "iban_spans",
    "luhn",
    "named_fields",
    "named_secret_fields",
    "names_secret_pair",
    "oauth_code_spans",
    "path_token_spans",
    "remember",
    "remember_secrets",
    "unescape",
]

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def unescape(key: str) -> str:
    """`key` with JSON's ASCII escapes read (``\\u043f\\u0430\\u0440\\u043e\\u043b\\u044c`` is "пароль")."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), key) if "\\u" in key else key


#: Last words of a key that *names* the entry it sits in (a header's, a variable's, a field's name).
#: ``loc`` and ``input``: a pydantic validation error as JSON (``{"loc": ["api_key"], "input": ...}``).
_LABELS = frozenset({"name", "key", "header", "field", "param", "parameter", "variable", "var", "label", "loc"})
#: Last words of a key that *holds* the named entry's value.
_HOLDERS = frozenset({"value", "values", "val", "data", "content", "contents", "text", "secret", "input"})
_MAX_LABEL = 80
_MAX_ENTRY = 16  # an entry of a name/value list is small; a larger dict is a record, not an entry


_NONE, _LABEL, _HOLDER = 0, 1, 2
_EMPTY: frozenset[Any] = frozenset()


@functools.lru_cache(maxsize=4096)
def _role(key: str) -> int:
    """Whether `key` names its entry (a label), holds its value (a holder), or neither."""
    words = key_words(key)
    last = words[-1] if words else ""
    return _LABEL if last in _LABELS else _HOLDER if last in _HOLDERS else _NONE


def _names_secret(value: Any) -> bool:
    if type(value) in (list, tuple) and 0 < len(value) <= _MAX_ENTRY:
        # a location path (pydantic's ``loc``: ``["config", "password"]``, ``["items", 0, "token"]``, a
        # union's member after its field: ``["password", "int"]``): any part of it naming a secret
        return any(_names_secret(part) for part in value if type(part) is str)
    return type(value) is str and 0 < len(value) <= _MAX_LABEL and is_secret_key(value)


# The label and holder keys of an entry's key set: the same few shapes come back (a list of 60 rows
# of one record type), so each is worked out once. Bounded: emptied when full.
_SHAPES: dict[tuple[Any, ...], tuple[tuple[str, ...], frozenset[str]]] = {}
_SHAPES_MAX = 4096


def _shape(keys: tuple[Any, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    shape = _SHAPES.get(keys)
    if shape is None:
        strings = [k for k in keys if type(k) is str]
        holders = frozenset(k for k in strings if _role(k) == _HOLDER)
        labels = tuple(k for k in strings if _role(k) == _LABEL) if holders else ()
        if not labels and len(holders) == 1 and len(strings) == 2:
            # Two fields, one the value: the other names it, whatever it is called ("setting", "option", "env").
            labels = tuple(k for k in strings if k not in holders)
        shape = (labels, holders)
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[keys] = shape
    return shape


def named_secret_fields(entry: Mapping[Any, Any]) -> frozenset[Any]:
    """The keys of `entry` that hold a value its label field names as a secret (empty when none)."""
    if not 2 <= len(entry) <= _MAX_ENTRY:
        return _EMPTY
    keys = tuple(entry)
    labels, holders = _SHAPES.get(keys) or _shape(keys)
    if labels:
        for k in labels:
            if _names_secret(entry[k]):
                return holders
    return _EMPTY


def names_secret_pair(pair: list[Any] | tuple[Any, ...]) -> bool:
    """Whether `pair` is a ``[name, value]`` pair whose name names a secret (``["X-Api-Key", ...]``)."""
    return len(pair) == 2 and _names_secret(pair[0]) and pair[1] is not None and not isinstance(pair[1], bool)


#: The stems of a recovery phrase's names ("seed phrase", "recovery phrase", "mnemonic", "backup words").
_SEED_STEMS = frozenset({"seed", "recover", "mnemonic", "backup"})
_VALUE = r"(?=(?P<v>\"[^\"\n]{1,256}\"|'[^'\n]{1,256}'|[^\s\"'<>-][^\s\"'<>]{0,255}))"
# A long option and its value, after "=" or a space: "--password=...", "--api-key ...", and one-dash long
# options ("keytool -storepass ...", "openssl -passin pass:...").
_FLAG_BODY = r"(?:--|-(?=[A-Za-z][\w\-]))(?P<k>[A-Za-z][\w\-]{0,79})(?:=|[ \t]+)" + _VALUE
_FLAG = re.compile(r"(?<![\w.\-])" + _FLAG_BODY)
_FLAG_AT = re.compile(_FLAG_BODY)  # a longer option's last words (`tail_matches`)
# An element holding text: "<password>...</password>", "<ns:ApiKey attr=...>...".
# The text may be CDATA ("<password><![CDATA[...]]></password>"): the value is what it wraps.
_CDATA = r"(?:<!\[CDATA\[(?=(?P<v>(?:(?!\]\]>)[^\n]){1,256}))|(?=(?P<t>[^<]{1,256})))"
_ELEMENT = re.compile(r"<(?P<k>[A-Za-z_][\w.\-:]{0,79})(?:\s[^<>]{0,256})?>" + _CDATA)


# A quoted value right after its name, with no "=" between (SQL and prose): "WITH PASSWORD '...'",
# "PASSWORD('...')", "IDENTIFIED BY '...'", 'password "..." is too short'.
_QUOTED_AFTER_BODY = (
    r"(?P<k>[^\W\d][\w\-]{0,79})(?P<by>\s+by)?(?:\s+|\s*\(\s*)"
    r"(?=(?P<v>\"[^\"\n]{1,256}\"|'[^'\n]{1,256}'|\\{1,3}[\"'][^\"'\n]{1,256}[\"']))"
)
_QUOTED_AFTER = re.compile(r"(?<![\w.\-])" + _QUOTED_AFTER_BODY, re.IGNORECASE)
_QUOTED_AFTER_AT = re.compile(_QUOTED_AFTER_BODY, re.IGNORECASE)


def _names_a_secret(m: re.Match[str]) -> bool:
    key = m.group("k").rsplit(":", 1)[-1]
    if m.re in (_QUOTED_AFTER, _QUOTED_AFTER_AT) and m.group("by"):
        return key.casefold() == "identified"  # SQL's CREATE/ALTER USER ... IDENTIFIED BY '...'
    return is_secret_key(key)


# An HTML form field or an XML setting naming its value by a sibling attribute, in either order:
# <input name="password" value="...">, .NET's <add key="DbPassword" value="...">.
_HTML_FIELD = re.compile(
    r"<[^<>]{0,256}?\b(?:(?:name|key)\s*=\s*(?P<q1>[\"'])(?P<k1>[^\"'<>]{1,80})(?P=q1)[^<>]{0,256}?\bvalue\s*=\s*"
    r"(?P<q2>[\"'])(?P<v1>[^\"'<>]{1,256})(?P=q2)|value\s*=\s*(?P<q3>[\"'])(?P<v2>[^\"'<>]{1,256})(?P=q3)[^<>]{0,256}?"
    r"\b(?:name|key)\s*=\s*(?P<q4>[\"'])(?P<k2>[^\"'<>]{1,80})(?P=q4))",
    re.IGNORECASE,
)
# An XML element naming its text by an attribute: Java's <entry key="db.password">...</entry>,
# Spring's <property name="...password">...</property>, a .NET setting's nested <value>...</value>;
# the text may be CDATA.
_LABELLED_ELEMENT = re.compile(
    r"<[\w.:\-]{1,80}\s[^<>]{0,256}?\b(?:name|key)\s*=\s*(?P<q>[\"'])(?P<k>[^\"'<>]{1,80})(?P=q)[^<>]{0,256}?(?<!/)>"
    r"(?:\s{0,64}<[\w.:\-]{1,40}>)?\s{0,64}" + _CDATA,
    re.IGNORECASE,
)
# A YAML key with its value as an indented block on the lines after it ("credentials:\n  - ...").
_YAML_BLOCK = re.compile(
    r"(?m)^(?P<i>[ \t]*)(?:-[ \t]+)?(?P<k>[^\s:#\-][^:\n]{0,79}?):[ \t]*(?:[|>][+\-]?\d?[ \t]*)?\n"
    # read in a lookahead, so a nested key's block is read too ("db:\n  password: |\n    ..."); a block is
    # read for 64 lines at most (a key's own block is far shorter), so nesting costs no square
    r"(?=(?P<v>(?:(?P=i)[ \t]+\S[^\n]*(?:\n|\Z)){1,64}))"
)


def form_spans(text: str, stems: Iterable[str] | None = None) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a secret in an option, element or quoted form whose name is a secret key,
    or prose naming it (read from the words holding one of `stems`, the key stems `text` holds, when
    given), or a recovery phrase."""
    if "<" in text:
        for m in _HTML_FIELD.finditer(text):
            which = "1" if m.group("k1") is not None else "2"
            if is_secret_key(m.group("k" + which)) and not m.group("v" + which).startswith("[REDACTED"):
                yield m.start("v" + which), m.end("v" + which), "secret"
    if ":\n" in text or "|" in text or ">" in text:  # a block after its key, or a block scalar ("key: |")
        for m in _YAML_BLOCK.finditer(text):
            if is_secret_key(m.group("k").strip().strip("\"'")):
                yield m.start("v"), m.end("v") - m.group("v").endswith("\n"), "secret"
    yield from prose_spans(text, stems)
    yield from context_spans(text, stems)  # the words around a name, both ways; a login verb's object
    if stems is None or not _SEED_STEMS.isdisjoint(stems):
        yield from seed_phrase_spans(text)
    # A label longer than a rule reads, or led by digits, is read from its last words (`tail_matches`).
    elements = "<" in text
    for regex, matches in (
        (_FLAG, tail_matches(_FLAG, _FLAG_AT, text, option=True)),
        (_ELEMENT, _ELEMENT.finditer(text) if elements else ()),
        (_LABELLED_ELEMENT, _LABELLED_ELEMENT.finditer(text) if elements else ()),
        (_QUOTED_AFTER, tail_matches(_QUOTED_AFTER, _QUOTED_AFTER_AT, text, dots=False)),
    ):
        for m in matches:
            if not _names_a_secret(m):
                continue
            group = "t" if "t" in m.re.groupindex and m.group("t") is not None else "v"  # an element's text, or CDATA
            start, end = m.span(group)
            value = m.group(group)
            quote = len(value) - len(value.lstrip("\\")) + 1  # an opening quote, escaped or not
            if group == "v" and value[quote - 1 : quote] in "\"'" and len(value) >= 2 * quote:
                start, end = start + quote, end - quote
            elif regex is not _FLAG and regex is not _QUOTED_AFTER and len(value) == 256:
                # cut at the bound: runs on to its element's end (or its CDATA's)
                stop = text.find("<" if group == "t" else "]]>", end)
                end = len(text) if stop < 0 else stop
            if value.strip() and not value.startswith("[REDACTED"):
                yield start, end, "secret"


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# A link's token in its path: "/reset-password/<token>", "/invite/<token>", "/verify/<token>".
_PATH_TOKEN = re.compile(r"/(?P<seg>[A-Za-z][\w\-]{1,39})/(?P<s>[\w\-]{16,256})(?=[/?#\s\"'<>]|\Z)")
#: Path segments whose next segment is a one-time link's token (it signs the holder in, or acts for them).
_LINK_WORDS = frozenset(
    {"invite", "invitation", "verify", "verification", "confirm", "confirmation", "activate", "activation",
     "magic", "reset", "unsubscribe", "login", "signin", "recover", "recovery", "approve"}
)  # fmt: skip


def path_token_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a token in a URL path after a segment naming a secret or a one-time link
    (``/reset-password/<token>``, ``/invite/<token>``): a token mixes letters and digits."""
    for m in _PATH_TOKEN.finditer(text):
        token = m.group("s")
        if not (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)):
            continue
        seg = m.group("seg")
        if is_secret_key(seg) or not _LINK_WORDS.isdisjoint(key_words(seg)):
            yield m.start("s"), m.end("s"), "link_token"


#: IBAN lengths by country (the ISO 13616 registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
# A candidate: country, check digits, then the account, in groups of four or not (set apart by spaces,
# or by dashes or dots as forms and spreadsheets print them: "ES91-2100-...", "PL61.1090....").
_IBAN = re.compile(r"\b[A-Z]{2}\d\d(?:[ .\-]?[A-Z0-9]){11,30}", re.IGNORECASE)  # written in lower case too


def _iban_valid(iban: str) -> bool:
    """ISO 13616's check: the country's length, and mod 97 of the rearranged number is 1."""
    if len(iban) != _IBAN_LENGTHS.get(iban[:2], 0):
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def iban_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding an IBAN (its country's length, valid check digits): an account is a
    payment credential, like a card number."""
    for m in _IBAN.finditer(text):
        length = _IBAN_LENGTHS.get(m.group(0)[:2].upper())
        if length is None:
            continue
        chars: list[str] = []
        end = m.start()
        for i, c in enumerate(m.group(0)):
            if c not in " .-":
                chars.append(c)
                end = m.start() + i + 1
                if len(chars) == length:
                    break
        after = text[end : end + 1]
        if len(chars) == length and not (after.isalnum() and after.isascii()) and _iban_valid("".join(chars).upper()):
            yield m.start(), end, "iban"


def card_number(value: Any) -> Any:
    """`value`, or a redaction mark when it is an integer that reads as a card number: 13-19 digits led
    by a card issuer's industry digit (2-6; a millisecond timestamp starts with 1), Luhn-valid."""
    if type(value) is int and 10**12 <= value < 10**19 and str(value)[0] in "23456" and luhn(str(value)):
        return "[REDACTED:card]"
    return value


#: A run that may be base64 (standard or URL-safe), long enough to wrap a credential.
_B64 = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![A-Za-z0-9+/_\-=])")
_HEX_RUN = re.compile(r"[0-9a-fA-F]+")
_B64_MAX = 8192  # a longer run (a file, an image) is not a credential's wrapper: not decoded
#: What HTTP Basic encodes: ``user:password``, one line without spaces.
_USER_PASSWORD = re.compile(r"[\w.@+\-]{1,128}:(?!//)\S{1,256}")  # not a URL


def _decoded(token: str) -> str | None:
    """The text a base64 run encodes, or None (not base64, not UTF-8, or not printable text)."""
    body = token.rstrip("=")
    urlsafe = "-" in body or "_" in body
    if urlsafe and ("+" in body or "/" in body):
        return None
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_" if urlsafe else None, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return text if all(c.isprintable() or c in "\n\r\t" for c in text) else None


def encoded_spans(text: str, holds_secret: Callable[[str], bool]) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that are base64 of text holding a secret (judged by `holds_secret`, or a
    ``user:password`` pair)."""
    for m in _B64.finditer(text):
        if len(m.group(0)) > _B64_MAX:
            continue
        # the same text in hex ("70617373776f7264..."): a run of hex digits is base64 too, read both ways
        for decoded in (_decoded(m.group(0)), _hex_decoded(m.group(0))):
            if decoded and (_USER_PASSWORD.fullmatch(decoded) or holds_secret(decoded)):
                yield m.start(), m.end(), "encoded_secret"
                break


def _hex_decoded(token: str) -> str | None:
    """The printable text a run of hex digits encodes, or None."""
    if len(token) % 2 or _HEX_RUN.fullmatch(token) is None:
        return None
    try:
        text = bytes.fromhex(token).decode("utf-8")
    except ValueError:
        return None
    return text if all(c.isprintable() or c in "\n\r\t" for c in text) else None


def remember(value: Any, known: set[str]) -> None:
    """Add every string of 6+ characters `value` holds (at any depth) to `known`, and every number
    as the text it is echoed as (an OTP or a PIN sent as a JSON number, ``{"otp": 48219377}``)."""
    if isinstance(value, str):
        if len(value) >= 6 and not value.startswith("[REDACTED"):
            known.add(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        if len(text) >= 6:
            known.add(text)
    elif isinstance(value, dict):
        for v in value.values():
            remember(v, known)
    elif isinstance(value, list | tuple):
        for v in value:
            remember(v, known)


def remember_secrets(
    value: Any, known: set[str], keep: Callable[[Any, set[str]], None] = remember
) -> None:
    """Add to `known` every string `value` holds under a secret key (no redaction): a first pass
    over a whole episode, so that a secret echoed *before* it was sent under its name is hidden too.
    `keep(secret value, known)` decides what of each value is added (by default `remember`)."""
    if isinstance(value, dict):
        named = named_secret_fields(value)
        for k, v in value.items():
            secret = k in named or (isinstance(k, str) and is_secret_key(k))
            if secret and v is not None and not isinstance(v, bool):
                keep(v, known)
            elif isinstance(v, dict | list | tuple):
                remember_secrets(v, known, keep)
    elif isinstance(value, list | tuple):
        if names_secret_pair(value):
            keep(value[1], known)
        names = named_fields(value)
        for i, v in enumerate(value):
            if i < len(names) and is_secret_key(names[i]) and v is not None and not isinstance(v, bool):
                keep(v, known)  # a named tuple's field named like a secret (`Credentials(user, token)`)
            else:
                remember_secrets(v, known, keep)


def named_fields(value: Any) -> tuple[str, ...]:
    """The field names of a named tuple (`value._fields`), or ``()`` for any other value."""
    fields = getattr(value, "_fields", None) if isinstance(value, tuple) else None
    return fields if isinstance(fields, tuple) and all(isinstance(f, str) for f in fields) else ()


def decoded_reading(
    text: str, pattern: re.Pattern[str], decode: Callable[[str], str | None]
) -> tuple[str, list[int], list[int]] | None:
    """`text` with each match of `pattern` replaced by what `decode` reads it as (None, or the match
    itself: left as written), and where each character of that reading starts and ends in `text` (a
    character a match spells covers the whole match); None when nothing decodes."""
    parts: list[str] = []
    lo: list[int] = []
    hi: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        written = m.group(0)
        spelled = decode(written)
        if spelled is None or spelled == written:
            continue
        parts.append(text[pos : m.start()])
        lo.extend(range(pos, m.start()))
        hi.extend(range(pos + 1, m.start() + 1))
        parts.append(spelled)
        lo.extend([m.start()] * len(spelled))
        hi.extend([m.end()] * len(spelled))
        pos = m.end()
    if not parts:
        return None
    parts.append(text[pos:])
    lo.extend(range(pos, len(text)))
    hi.extend(range(pos + 1, len(text) + 1))
    return "".join(parts), lo, hi


# An HTML character reference ("&#119;", "&#x77;", "&quot;"): a key or a quote written with them reads
# as what it spells ("pass&#119;ord=...", "&quot;token&quot;: &quot;...&quot;").
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def entity_spans(
    text: str, spans_of: Callable[[str], Iterable[tuple[int, int, str]]]
) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that `spans_of` finds in its HTML-unescaped reading, mapped back onto `text`
    (a character an entity spells covers the whole entity)."""
    if "&" not in text or ";" not in text:
        return
    reading = decoded_reading(text, _ENTITY, html.unescape)
    if reading is None:
        return
    decoded, lo, hi = reading
    for start, end, kind in spans_of(decoded):
        if end > start:
            yield lo[start], hi[end - 1], kind


# An OAuth authorization code (and its state) in a redirect's query or fragment: "/callback?code=...&state=...".
_OAUTH_PARAM = re.compile(r"[?&#](?P<k>code|state)=(?P<s>[^&#\s\"'<>]{1,512})")
_URL_TOKEN_END = re.compile(r"[\s\"'<>]|$")
#: Path words of a redirect endpoint; a query with both `code` and `state` is one wherever it is.
_REDIRECT_WORDS = frozenset({"callback", "callbacks", "oauth", "oauth2", "redirect", "authorize", "authorization",
                             "auth", "signin", "login", "sso", "cb", "openid", "oidc"})  # fmt: skip


def oauth_code_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding an OAuth authorization code (``code=``; its ``state`` beside it) in a
    redirect URL: one whose query holds both, or whose path names a callback or sign-in endpoint.
    ``code`` alone names no secret (a status or error code)."""
    for m in _OAUTH_PARAM.finditer(text):
        begin = max(text.rfind(c, 0, m.start()) for c in " \t\n\"'<>") + 1
        stop = _URL_TOKEN_END.search(text, m.end())
        url = text[begin : stop.start() if stop else len(text)]
        query = url[url.find("?") :] if "?" in url else url[url.find("#") :]
        both = "code=" in query and "state=" in query
        path = url.split("?", 1)[0].split("#", 1)[0]
        redirect = both or not _REDIRECT_WORDS.isdisjoint(key_words(path))
        if (m.group("k") == "code" or both) and redirect and not m.group("s").startswith("[REDACTED"):
            yield m.start("s"), m.end("s"), "oauth_code"
