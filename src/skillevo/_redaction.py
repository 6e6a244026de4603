"""Secret and customer-data redaction: the one engine every stored, shown or exported value goes through.

Three kinds of evidence mark a value as secret:

* **the key it sits under**: a key whose *words* name a secret (``password``, ``api_key``,
  ``apiKey``, ``X-Api-Key``, ``access_token``, ``auth``, ``credentials``, ``session_id``, ``cookie``
  ...) hides its whole value, whatever its type (a string, a list, a nested dict). Keys are split
  into words (snake, kebab and camel case), so ``author``, ``max_tokens``, ``shipping_address`` and
  ``mapping`` are not secrets; a key whose last word describes the secret instead of holding it
  (``token_type``, ``password_policy``, ``secret_name``) is not one either;
* **its shape**: the regex detectors of Yelp's `detect-secrets
  <https://github.com/Yelp/detect-secrets>`_ (AWS, Azure, GitHub, GitLab, Slack, Stripe, Twilio,
  SendGrid, JWTs, private keys, Basic-auth URLs, ...), its keyword detector for quoted values
  behind secret-sounding names (the name then checked by the same word rule), plus the shapes it
  lacks, kept in `_secret_shapes`;
* **a card number** that passes the Luhn check (in text, or a JSON integer), an IBAN its check
  digits; and e-mail addresses when asked;
* **its form** (`_secret_forms`): a value a sibling field names (``{"name": "DB_PASSWORD", "value":
  ...}``), a command-line option, an XML element, a quoted value after its name, base64 of a secret,
  prose ("my password is ..."), a YAML block, a one-time link's or a webhook's token in a URL path,
  a table's secret column (`_secret_tables`), an INSERT's secret column or a value bound to one
  (`_secret_sql`), an auth scheme's parameters and a digest named a signature (`_secret_auth`).

Detected text becomes ``[REDACTED:kind]``. There is no memory across calls: a caller that wants a
value seen under a secret key removed where it is echoed later passes its own `known` set (the
Evolver keeps one per episode and drops it at finish; `_secret_known` matches its spellings).

Redaction must run before any truncation (a cut can split a secret so that no rule sees it):
`capped_text` redacts, then cuts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import re2  # type: ignore[import-untyped]
from detect_secrets.plugins import keyword as ds_keyword

__all__ = [
    "REDACT_PAST_CUT",
    "capped_text",
    "is_secret_key",
    "mask_url",
    "mask_urls_in",
    "redact",
    "redact_shapes",
    "redact_text",
    "remember_secrets",
    "secret_spans",
]

from ._secret_accepted import accepted_value_spans, opens_connector
from ._secret_auth import auth_params_end, is_digest, signature_spans
from ._secret_auth import is_basic_credential as _is_basic_credential
from ._secret_contact import contact_hint, contact_spans
from ._secret_der import der_key_spans
from ._secret_echo import credential_values, echoed_values
from ._secret_echo import echoes as _echoes
from ._secret_embedded import embedded_spans, redact_embedded
from ._secret_escapes import decoded_view, unescape_html, view_spans
from ._secret_flags import flag_hint, flag_spans
from ._secret_fold import ascii_reading
from ._secret_forms import card_number as _card_number
from ._secret_forms import (
    encoded_spans,
    entity_spans,
    form_spans,
    iban_spans,
    named_secret_fields,
    names_secret_pair,
    oauth_code_spans,
    path_token_spans,
    remember_secrets,
    unescape,
)
from ._secret_forms import luhn as _luhn
from ._secret_forms import remember as _remember
from ._secret_keys import _KEY_STEMS, _SECRET_HEADS, _SECRET_WORDS, is_postal_pin, is_secret_key, key_words  # noqa: F401
from ._secret_known import hide_known
from ._secret_labels import names_secret_spaced, tail_matches
from ._secret_lists import list_secret_items, parallel_secret_cells
from ._secret_national import national_hint, national_id_spans
from ._secret_oracle import CUES as ORACLE_CUES
from ._secret_oracle import oracle_spans
from ._secret_prefixed import prefixed_key_spans
from ._secret_prose import determiner_code_hint, determiner_code_spans, is_status, opens_message, phrase_end
from ._secret_prose import words_not_secret as _words_not_secret
from ._secret_shapes import EXTRA_RULES, RUN, Gate, Rule, ds_rules
from ._secret_spelled import spelled_spans, spelled_view
from ._secret_sql import sql_spans
from ._secret_tables import table_spans
from ._secret_urls import percent_spans, userinfo_spans
from ._secret_validation import cut_hint, validation_spans
from ._secret_windows import TOKEN_CHARS, RuleGroup, rule_spans, widen, windowed
from ._span_apply import Span
from ._span_apply import apply_spans as _apply
from ._span_apply import masked as _masked
from ._url_mask import mask_url, mask_urls_in

# ---------------------------------------------------------------------------------------------- text rules


# Key = value pairs whose key names a secret, in any text: "password=...", "?api_key=...&",
# '"token": "..."', "X-Api-Key: ...", "aws_secret_access_key = ...", "Authorization: Basic ...".
_PAIR_BODY = (
    # The value is matched inside a lookahead: a pair inside another pair's value is found too
    # ("next: password=...", "url=https://h/?token=...").
    # Quotes may be escaped (JSON inside a JSON string: \"password\": \"...\"), and a key's letters
    # too (JSON's ASCII escapes: \u043f\u0430... is "па..."; percent-encoding: "pass%77ord"), and it may
    # start with a number ("2fa_code"); "=" and ":" may be percent-encoded (a query inside a URL's
    # parameter: "next=%2Flogin%3Fpassword%3D...").
    r"(?P<q>\\{0,3}[\"']?)"
    # A key may hold a bracketed part or a subscript: form-encoded nesting ("user[password]=", as Rails
    # and PHP post it), an index ("password[0]=", "password{0}="). An arrow or LDIF's "::" separates too.
    r"(?P<k>\d{0,3}(?:[^\W\d]|\\u[0-9a-f]{4}|%[0-9a-f]{2})"
    r"(?:[\w.\-]|\\u[0-9a-f]{4}|%[0-9a-f]{2}|\[[\w.\-]{1,40}\]|\{\d{1,4}\}){0,79})(?P=q)"
    r"(?:[ \t]*[(\[][\w \t.\-]{1,24}[)\]])?"  # a qualifier: "password (new): ...", "token [staging]: ..."
    r"\s*(?::=|=>|->|→|::|[:=：＝]|%3[ad])\s*"
    # Each value form is bounded (`_PAIR_VALUE`): unbounded, every pair in a long run without a
    # terminator ("key=key=key=...") would scan to the end of the text, quadratic in its length.
    # A secret value cut at the bound is extended to its end in `_spans`.
    r"(?=(?P<v>\"(?:[^\"\\\n]|\\[^\n]){0,256}\"|'(?:[^'\\\n]|\\[^\n]){0,256}'|\\{1,3}[\"'][^\"'\n]{0,256}[\"']|\[[^\]\n]{0,256}\]|\{[^}\n]{0,256}\}"
    # a string with a prefix (Python's r"...", b'...'), one whose closing quote the line lost ('password="...')
    r"|[rbuf]{1,2}(?:\"(?:[^\"\\\n]|\\[^\n]){0,256}\"|'(?:[^'\\\n]|\\[^\n]){0,256}')|\"[^\"\n]{1,256}(?=\n|$)"
    r"|[\w.]{0,64}\([^)\n]{0,256}\)"  # a tuple or a call ("auth=('ana', '...')", "HTTPBasicAuth(...)")
    r"|(?:(?:basic|bearer|token|digest|negotiate|ntlm|aws4-hmac-sha256)\s+)?[^\s,;&}\]\"'<>]{1,256}))"
)
# A pair starts where a run of label characters starts (or after a percent-escape); a label the
# rule cannot start (longer than it reads, led by digits) is read from its last words (`tail_matches`).
_PAIR = re.compile(r"(?:(?<![\w.\-])|(?<=%[0-9a-f]{2}))" + _PAIR_BODY, re.IGNORECASE)
_PAIR_AT = re.compile(_PAIR_BODY, re.IGNORECASE)
_PAIR_VALUE = 256
_VALUE_END = re.compile(r"[\s,;&}\]\"'<>]|$")
_BASIC = re.compile(r"\bBasic\s+(?P<s>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])")
# A card number grouped by spaces or dashes, or in fours by dots ("4111.1111.1111.1111"; not a decimal)
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b|\b\d{4}(?:\.\d{4}){2}\.\d{1,7}\b")

_DS_RULES, _DS_UNREVIEWED = ds_rules()


def _grouped(rules: list[Rule]) -> list[RuleGroup]:
    """Rules grouped by gate (first-seen order), so that each gate is checked once per text."""
    groups: dict[Gate, list[tuple[str, re.Pattern[str]]]] = {}
    for kind, regex, gate in rules:
        groups.setdefault(gate, []).append((kind, regex))
    return list(groups.items())


_ALL_GROUPS = _grouped(_DS_RULES + _DS_UNREVIEWED)
_UNREVIEWED_GROUPS = _grouped(_DS_UNREVIEWED)
# detect-secrets' keyword detector: quoted values behind a secret-sounding name, in code-like text.
_DS_KEYWORD = list(ds_keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP.items())
# Every name in its DENYLIST holds one of these (a test checks it): a text without any is skipped.
_DS_KEYWORD_STEMS = ("key", "pass", "pwd", "secret", "contras")
_LONG_RUN = re.compile(f"[{TOKEN_CHARS}]{{16}}")

# What clears ordinary text before any rule runs: every rule above (except unreviewed plugins) needs
# a long token run, one of these words or marks (lower-cased), an "AP" + hex digit, or 13 digits in a row.
_PREFILTER_WORDS = (*_KEY_STEMS, "basic", "://", "eyj", "begin", "xox", "akc", "putty", *ORACLE_CUES)
_AP = re.compile(r"AP[\dA-F]")
_CARD_HINT = re.compile(r"\d[\d .-]{11,}\d")
_IBAN_HINT = re.compile(r"\b[A-Z]{2}\d\d[ .\-]?[A-Z0-9]{4}", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9a-f]{2}")


def _may_hold_secret(text: str) -> bool:
    """The cheap pre-filter: False only when no rule could match `text` (str methods, mostly)."""
    if _LONG_RUN.search(text) is not None or _LONG_RUN.search((spelled_view(text) or ("",))[0]) is not None:
        return True  # (a key spelled one character at a time has its long run in the spelled view only)
    if not _literals_in(_folded(text)).isdisjoint(_PREFILTER_WORDS):  # "ſecret" folds to a key word
        return True
    if _AP.search(text) is not None or flag_hint(text) or determiner_code_hint(text) or cut_hint(text):
        return True
    return _CARD_HINT.search(text) is not None or _IBAN_HINT.search(text) is not None or national_hint(text)


def _folded(text: str) -> str:
    """`text` case-folded, with its percent-decoded and HTML-unescaped readings after it when it has them
    ("pass%77ord", "pass&#119;ord")."""
    lower = text.casefold()
    if "%" in lower and _PERCENT.search(lower) is not None:
        lower += "\n" + unquote(unquote(lower))
    if "&" in lower and ";" in lower:
        lower += "\n" + unescape_html(lower)
    if "\\" in lower or not lower.isascii():  # escapes and compatibility forms ("pass\x77ord", "ｐａｓｓ")
        view = decoded_view(text)
        if view is not None:
            lower += "\n" + view[0].casefold()
    if not text.isascii():  # accented and look-alike letters read in ASCII ("pássword", "ᴘᴀssᴡᴏʀᴅ")
        lower += "\n" + ascii_reading(text).casefold()
    spelled = spelled_view(text)  # a name spelled letter by letter ("p a s s w o r d =")
    return lower if spelled is None else lower + "\n" + spelled[0].casefold()


@functools.lru_cache(maxsize=256)
def _literals(gate: Gate) -> frozenset[str]:
    return frozenset(g for g in gate or () if g != RUN)


# Every literal any gate names: a text is searched for each once, then gates are set look-ups.
_GATE_LITERALS = frozenset().union(
    *(_literals(g) for g, _ in _ALL_GROUPS),
    *(_literals(g) for _, _, g in EXTRA_RULES),
    _KEY_STEMS,
    _DS_KEYWORD_STEMS,
    ("basic",),
    ORACLE_CUES,
)


# Which of the gate literals and pre-filter words a (folded) text holds, found in one pass by an
# RE2 set (overlapping ones too): a loop of `in` over the hundred literals took 6 µs a text, 0.9 now.
_LITERAL_ORDER = tuple(sorted(_GATE_LITERALS | frozenset(_PREFILTER_WORDS)))
_LITERAL_SET = re2.Set.SearchSet(re2.Options())
for _literal in _LITERAL_ORDER:
    _LITERAL_SET.Add(re.escape(_literal))
_LITERAL_SET.Compile()


_NONE_FOUND: frozenset[str] = frozenset()
# The stems a secret named in prose holds ("my password is ..."); "Bearer <token>" has its own rule.
_PROSE_STEMS = frozenset(_KEY_STEMS) - {"bearer"}


def _literals_in(lower: str) -> frozenset[str]:
    # bytes: a lone surrogate (which UTF-8 cannot encode) must not raise
    found = _LITERAL_SET.Match(lower.encode("utf-8", "surrogatepass"))  # None when none is found
    return frozenset(_LITERAL_ORDER[i] for i in found) if found else _NONE_FOUND


class _Gates:
    """What a text holds (which gate literals, whether a long token run), worked out once per text."""

    def __init__(self, text: str, on: bool) -> None:
        self.on = on
        if on:
            self.present = _literals_in(_folded(text))
            self.run = _LONG_RUN.search(text) is not None

    def open(self, gate: Gate) -> bool:
        if not self.on or gate is None:
            return True
        if RUN in gate and not self.run:
            return False
        literals = _literals(gate)
        return not literals or not self.present.isdisjoint(literals)


def _spans(text: str, emails: bool, groups: list[RuleGroup], gated: bool = True, decode: bool = True) -> Iterator[Span]:
    gates = _Gates(text, gated)
    if decode and (not gated or gates.run):  # base64 of a secret (`encoded_spans`), read once
        yield from encoded_spans(text, lambda inner: _holds_secret(inner, groups, gated))
    if decode:  # HTML character references read as what they spell ("pass&#119;ord="), once
        yield from entity_spans(text, lambda inner: _spans(inner, emails, groups, gated, False))
        # percent-encoded text (a URL inside a query: "https%3A%2F%2Fuser%3Apw%40host"), likewise
        yield from percent_spans(text, lambda inner: _spans(inner, emails, groups, gated, False))
        # character escapes, compatibility forms, invisible characters ("pass\x77ord=", "ｐａｓｓｗｏｒｄ="), spellings
        yield from view_spans(text, lambda inner: _spans(inner, emails, groups, gated, False))
        yield from spelled_spans(text, lambda inner: _spans(inner, emails, groups, gated, False))
    if not gated or flag_hint(text):
        yield from flag_spans(text)
    if not gated or determiner_code_hint(text):
        yield from determiner_code_spans(text)
    if gates.open(_KEY_STEMS):
        run_end = (-1, -1)
        for m in tail_matches(_PAIR, _PAIR_AT, text):
            key = unescape(m.group("k"))
            # "key" alone names an API key in a URL's query ("...?address=Oslo&key=..."), not in text
            if (
                is_secret_key(key)
                or (key.casefold() == "key" and text[m.start() - 1 : m.start()] in ("?", "&"))
                or (not m.group("q") and names_secret_spaced(text, m.start(), key, is_secret_key))  # "pass word="
            ):  # fmt: skip
                value = m.group("v")
                start, end = m.span("v")
                if "cookie" in key_words(key):  # a cookie header's value runs to the end of the line
                    newline = text.find("\n", start)
                    end = len(text) if newline < 0 else newline
                prefix = len(value) - len(value.lstrip("rbufRBUF"))  # a string's prefix (r"...")
                if prefix and value[prefix : prefix + 1] in "\"'" and len(value) > prefix + 1:
                    start, value = start + prefix, value[prefix:]
                quote = len(value) - len(value.lstrip("\\")) + 1  # an opening quote, escaped or not
                if value[quote - 1 : quote] in "\"'" and value.endswith(value[:quote]) and len(value) >= 2 * quote:
                    start, end = start + quote, end - quote  # keep the quotes: the text stays readable
                elif len(value) >= _PAIR_VALUE and value[:1] not in "\"'[{":
                    # cut at the bound: a secret runs on to its terminator
                    if not run_end[0] <= end <= run_end[1]:  # one search per terminator-free run
                        stop = _VALUE_END.search(text, end)
                        run_end = (end, stop.start() if stop else len(text))
                    end = run_end[1]
                elif value[:1].isalpha():  # a scheme's parameters ("Digest username=..."), a passphrase's words
                    end = phrase_end(text, start, auth_params_end(text, start, end))
                if end > start and not value.startswith("[REDACTED") and not _not_a_secret(text, key, start, end):
                    yield start, end, "secret"
        yield from form_spans(text, gates.present.intersection(_PROSE_STEMS) if gated else None)
        yield from accepted_value_spans(text)  # "pin: must be one of 4821, 9930", "password should be ..."
        if "\n" in text:  # a table whose column header names a secret (CSV, TSV, Markdown)
            yield from table_spans(text)
        yield from sql_spans(text)  # a value under a secret column of an INSERT, or bound to one
        yield from signature_spans(text)  # "Signature=<digest>", "X-Signature: ...", a signature in prose
    if "\n" in text and (gates.open(_KEY_STEMS) or cut_hint(text)):
        # a pydantic error's input under a secret field, or a value its cut left without a key
        yield from validation_spans(text)
    if gates.open((RUN,)):  # a key behind a vendor prefix no rule names ("shpat_...", "gsk_...")
        yield from prefixed_key_spans(text)
        yield from der_key_spans(text)  # a private key's base64 body without its armor
    if gates.open(ORACLE_CUES):  # "sqlplus scott/<pw>@//db/ORCL"
        yield from oracle_spans(text)
    if gates.open(("://",)):
        yield from path_token_spans(text)
        yield from userinfo_spans(text)
    if not gated or "code=" in text:
        yield from oauth_code_spans(text)
    if gates.open(_DS_KEYWORD_STEMS) and (not gated or any(q in text for q in "\"'`")):
        for regex, group in _DS_KEYWORD:
            for m in regex.finditer(text):
                ks, ke = widen(text, *m.span(1))
                key = text[ks:ke].strip(".-")
                if is_secret_key(key) and not _not_a_secret(text, key, m.start(group), m.end(group)):
                    yield m.start(group), m.end(group), "secret"
    if gates.open(("basic",)):
        for m in _BASIC.finditer(text):
            if _is_basic_credential(m.group("s")):
                yield m.start(), m.end(), "basic_auth"
    for kind, regex, gate in EXTRA_RULES:
        if not gates.open(gate):
            continue
        has_secret_group = "s" in regex.groupindex
        for m in windowed(regex, text):
            if has_secret_group:
                yield m.start("s"), m.end("s"), kind
            else:
                yield (*widen(text, *m.span()), kind)
    for gate, rules in groups:
        if gates.open(gate):
            yield from rule_spans(text, rules)
    cards = not gated or _CARD_HINT.search(text) is not None
    for m in _CARD.finditer(text) if cards else ():
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn(digits):
            yield m.start(), m.start() + len(m.group(0).rstrip(" -.")), "card"
    if not gated or _IBAN_HINT.search(text) is not None:
        yield from iban_spans(text)
    if not gated or national_hint(text):
        yield from national_id_spans(text)
    if emails:  # a customer's e-mail address or phone number, where asked (text quoted into prompts)
        yield from contact_spans(text)


_BLOCK_SCALAR = re.compile(r"[|>][+\-]?\d?")
_STATUS_PHRASE = re.compile(r"[^,;&}\]\n\"']{1,24}")


_JUDGED_CHARS = 512


def _not_a_secret(text: str, key: str, start: int, end: int) -> bool:
    """Whether a pair's value is no secret after all: a word describing the argument ("password:
    required", "token: missing"), a validation message ("session_id: Field required"), a phrase before
    the values a tool accepts ("pin: must be one of ..."), words, or a postal PIN ("Pincode: 560001")."""
    # None holds of a long value: its head is read, with a character none accepts after it (copied whole,
    # a run of pairs each extended to the run's end, "password=password=...", was quadratic).
    value = text[start:end] if end - start <= _JUDGED_CHARS else text[start : start + _JUDGED_CHARS] + "\x00"
    if _BLOCK_SCALAR.fullmatch(value):  # YAML's "password: |": the value is the block after it (`form_spans`)
        return True
    if opens_message(text, start) or opens_connector(text, start):  # "pin: must be one of ...": the values
        return True  # after the phrase are read by `accepted_value_spans`, not the phrase's first word
    phrase = _STATUS_PHRASE.match(text, start)  # "not set", "too short": a status of several words
    if is_status(value) or (phrase is not None and is_status(phrase.group(0))):
        return True
    # words, no secret ("session: started at noon", "first pass: complete"), or a postal code
    return _words_not_secret(text, key, start, value) or is_postal_pin(key, value, text[max(0, start - 240) : start])


def _holds_secret(text: str, groups: list[RuleGroup], gated: bool) -> bool:
    """Whether any rule finds a secret in `text` (a decoded run: not decoded again)."""
    return (not gated or _may_hold_secret(text)) and any(True for _ in _spans(text, False, groups, gated, False))


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where the rules find a secret in `text` (what `redact_text` without `known` hides): sorted,
    merged ``(start, end)`` spans."""
    if text in _clean:
        return []
    if not _may_hold_secret(text):
        spans = list(_spans(text, False, _UNREVIEWED_GROUPS)) if _DS_UNREVIEWED else []
    else:
        spans = list(_spans(text, False, _ALL_GROUPS))
        if "{" in text or "[" in text:  # a structure written in the text (`_secret_embedded`)
            spans.extend((s, e, "secret") for s, e in embedded_spans(text, redact))
        spans.extend(_echoes(text, spans))
    merged: list[tuple[int, int]] = []
    for start, end, _ in sorted(spans):
        if _masked(text, start, end):
            continue
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def redact_shapes(text: str) -> str:
    """`text` with what the shape rules find hidden (tokens, keys, cards), not what a name marks as
    secret: for a message that may name a secret key to say what is wrong with it ("api_key: Input
    should be ..."), where the key-word rules would hide the reason. Those rules mark "secret"."""
    spans = list(_spans(text, False, _ALL_GROUPS)) if _may_hold_secret(text) else []
    return _apply(text, [span for span in spans if span[2] != "secret"])


def _redact_all_rules(text: str, emails: bool) -> str:
    """Every rule, no pre-filter (what `redact_text` must always equal)."""
    if "{" in text or "[" in text:
        text = redact_embedded(text, functools.partial(redact, emails=emails))
    spans = list(_spans(text, emails, _ALL_GROUPS, gated=False))
    return _apply(text, spans + _echoes(text, spans))


# Short texts the rules found nothing in. The same key names and values come back on every call
# ("args", "text", a tool's name, an enum value): remembered, they are not scanned again. Only a text
# the rules left unchanged is remembered, so a hit returns exactly what the rules would; `known`
# values are replaced before the look-up, so an episode's own secrets are still hidden. Bounded:
# emptied when full.
_CLEAN_MAX_CHARS = 256
_CLEAN_MAX = 16_384
_RESPELLED_MAX = 32  # the most values a text's rules found that are looked for in other spellings
_clean: dict[str, None] = {}


def redact_text(text: str, *, emails: bool = False, known: set[str] | None = None) -> str:
    """`text` with every secret shape replaced by ``[REDACTED:kind]`` (see the module doc).

    Args:
        text: any text (a tool result, an error message, a task).
        emails: also hide contact details: e-mail addresses and phone numbers (`_secret_contact`).
        known: values to hide wherever they appear (an episode's own secrets, seen under secret keys).
    """
    if known:
        text = hide_known(text, known, _apply)
    contact = emails and contact_hint(text)  # contact details need an "@" or digits: the rest is the same
    if text in _clean and not contact:
        return text
    original = text
    may_hold = _may_hold_secret(text)
    if may_hold and ("{" in text or "[" in text):
        # JSON or a Python literal in the text (a result string, an error quoting a structure): the
        # structural rules read it as the structure it spells (`_secret_embedded`)
        text = redact_embedded(text, functools.partial(redact, emails=emails, known=known))
    if not may_hold and not contact:
        spans = list(_spans(text, emails, _UNREVIEWED_GROUPS)) if _DS_UNREVIEWED else []
    else:
        spans = list(_spans(text, emails, _ALL_GROUPS))
        spans.extend(_echoes(text, spans))
    if known is not None:  # a secret found in text ("--password=..."): hidden where it is echoed bare,
        # when it reads like a credential (not a word: "password: required" must not hide "required")
        known.update(credential_values(text, spans))
    out = _apply(text, spans)
    # the same values repeated in another spelling (another case, escapes, separators put in), as an
    # episode's known secrets are looked for: "you sent 'QUOKKA7731PLUMZ'" after "password='Quokka...'"
    # (a few values: a dump of a thousand rows, each its own secret, is a table, not an echo; looked
    # for again it took 4x the time of the rules)
    if spans and 0 < len(found := echoed_values(text, spans)) <= _RESPELLED_MAX:
        out = hide_known(out, found, _apply)
    if out == original and len(text) <= _CLEAN_MAX_CHARS and type(text) is str:
        if len(_clean) >= _CLEAN_MAX:
            _clean.clear()
        _clean[text] = None
    return out


def _key_held_secret(key: str, redacted: str, emails: bool, known: set[str] | None) -> bool:
    """Whether a dict key held a secret, so its value is one too: a credential keying what it opens
    (``{<AWS key id>: <secret>}``), or a redaction mark (a tool can write one; a mark names no secret
    by its words). A contact detail (hidden where asked), or an episode's secret echoed, keeps it."""
    if "[REDACTED:" in key:
        return True
    if redacted == key:
        return False
    return (not emails and not known) or redact_text(key) != key


_SCALARS = (bool, int, float)


def _flat(rows: list[Any]) -> list[Any]:
    return [c for r in rows for c in (r if isinstance(r, list) else [r])]
# Dict keys that name no secret and hold none (the same few names come back in every event): one
# look-up instead of the key-name rule and a text scan. Bounded like `_clean`; without `known`
# values only (an episode's secret may be echoed as a key).
_plain_keys: dict[str, None] = {}


def redact(value: Any, *, emails: bool = False, known: set[str] | None = None) -> Any:
    """A copy of `value` (dicts, lists, strings, scalars) with secrets replaced by ``[REDACTED:kind]``.

    A value under a secret key (judged on the key's words: ``password``, ``api_key``, ``auth``,
    ``credentials`` ...) is replaced whole, whatever its type, except ``None`` and booleans; every
    string is scanned for secret shapes (`redact_text`). When `known` is given, the strings found
    under secret keys are added to it and hidden wherever they appear in what is redacted after.
    """
    if isinstance(value, str):
        return redact_text(value, emails=emails, known=known)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        named = named_secret_fields(value)  # {"name": "DB_PASSWORD", "value": ...}: `value` is secret
        listed: list[tuple[Any, Any]] = []  # the keys holding lists (original, as stored)
        for k, v in value.items():
            if named and k in named and v is not None and not isinstance(v, bool):
                if known is not None:
                    _remember(v, known)
                out[k] = "[REDACTED:secret]"
                continue
            if not known and k in _plain_keys and not (emails and contact_hint(k)):
                key = k  # neither a secret's name nor holding a secret (remembered, see `_plain_keys`)
            elif not isinstance(k, str):
                key = k
            else:
                # A key is text too (a secret can be sent, or echoed, as a dict key): it is redacted
                # on every road, a secret's name included ({"password=<pw>": ...} names one and holds one).
                key = redact_text(k, emails=emails, known=known)
                if (
                    v is not None and not isinstance(v, bool)
                    and (is_secret_key(k) or _key_held_secret(k, key, emails, known))
                    and not is_postal_pin(k, v, value)
                ):  # fmt: skip
                    if known is not None:
                        _remember(v, known)
                    out[key] = "[REDACTED:secret]"
                    continue
                if type(v) is str and "ignature" in k.lower() and is_digest(v):
                    out[key] = "[REDACTED:signature]"  # {"signature": "<hex digest>"}; an error's signature is text
                    continue
                if key == k and not is_secret_key(k) and len(k) <= _CLEAN_MAX_CHARS and type(k) is str and (
                    "ignature" not in k.lower()  # its value is read by shape (a digest or not)
                    and "[REDACTED:" not in k  # a mark hides its value (`_key_held_secret`)
                ):  # fmt: skip
                    if len(_plain_keys) >= _CLEAN_MAX:
                        _plain_keys.clear()
                    _plain_keys[k] = None
            if isinstance(v, str):  # the common leaf, without a second dispatch
                out[key] = redact_text(v, emails=emails, known=known)
            elif v is None or isinstance(v, _SCALARS):
                if known and not isinstance(v, bool) and str(v) in known:  # the episode's secret number, echoed
                    out[key] = "[REDACTED:secret]"
                else:
                    out[key] = v if type(v) is not int or v < 10**12 else _card_number(v)
            else:
                if type(v) is list:
                    listed.append((k, key))
                out[key] = redact(v, emails=emails, known=known)
        # {"columns": [..., "password"], "rows": [[..., <pw>]]}: a name in one list, its values in another
        if len(listed) >= 2 and (cells := parallel_secret_cells(value)):
            for k, key in listed:
                if k in cells:
                    if known is not None:
                        _remember([c for c, h in zip(_flat(value[k]), _flat(cells[k]), strict=True) if c != h], known)
                    out[key] = redact(cells[k], emails=emails, known=known)
        return out
    if isinstance(value, list | tuple):
        if len(value) == 2 and names_secret_pair(value):  # ["X-Api-Key", "..."]: a header as a pair
            if known is not None:
                _remember(value[1], known)
            return [redact(value[0], emails=emails, known=known), "[REDACTED:secret]"]
        # ["mysql", "--password", <pw>], ["X-Api-Key", <key>, ...]: a name in one item, its value in the next
        hidden = list_secret_items(value, secret_spans, redact_text)
        if not hidden:
            return [redact(v, emails=emails, known=known) for v in value]
        if known is not None:
            _remember([value[i] for i in hidden], known)
        return [
            "[REDACTED:secret]" if i in hidden else redact(v, emails=emails, known=known) for i, v in enumerate(value)
        ]
    if known and isinstance(value, int | float) and not isinstance(value, bool) and str(value) in known:
        return "[REDACTED:secret]"
    return _card_number(value)


#: How far past a cut a text is still redacted: a secret that starts before the cut is matched whole
#: (secret shapes are far shorter; an unterminated PEM block is redacted to the end of the text).
REDACT_PAST_CUT = 65_536


def capped_text(text: str, max_chars: int, *, known: set[str] | None = None) -> str:
    """`text` redacted, then cut to `max_chars` (with an ellipsis): never cut before redaction,
    but only the first `max_chars` + `REDACT_PAST_CUT` characters are read (a 20 MB tool output
    took 1.8 s of the agent's time to redact in full, for 8 KB kept)."""
    if len(text) > max_chars + REDACT_PAST_CUT:
        text = text[: max_chars + REDACT_PAST_CUT]
    text = redact_text(text, known=known)
    return text if len(text) <= max_chars else text[:max_chars] + "…"
