"""Secrets found by the words around them: a window read both ways from a secret's name, and login frames.

`_secret_prose` reads "name, linking words, value" in one order and with a fixed set of linking
words. People put a password in prose in many more ways: the value first ("hunter2 is the
password", "Quokka7731 est le mot de passe"), the name with a mark or a verb phrase between
("password - ...", "password has been set to ...", "the password? it's ..."), no name at all but
a login verb ("use hunter2 to log in", "log in with ..."), a particle glued to a CJK name
("密码是..."). Before 2026-12-07 a generated corpus of 64 such phrasings (by 16 values, 6
surroundings) leaked 1,332 of 2,568 texts with a credential-like value, and 2,583 of 3,240 with a
dictionary-word password.

Here each word the key-word rule (`is_secret_key`) accepts opens two bounded windows:

* **after** it: up to five linking words or marks (any language's copulas and auxiliaries the
  table below holds, ":", "-", "→", "?"), then the value;
* **before** it: a value at the start of a clause, then up to four linking words ("is the", "was
  your new", "est le", "ist das") up to the name; or a value after a verb of use, then "as" or "for"
  ("login using X as password", "signed in with X for the password");
* **past a qualifier**: a prepositional complement or a relative clause of at most four words ("the
  password for the vpn: X", "the door pin for the back gate - 4471", "the password you want is X"),
  read only where a mark or a copula follows it.

A name written in two words that join to one ("pass phrase", "pass code") is read as that one; a
user and a password given as a pair with no linking word ("user admin, pass X") is read after the
user; copular verbs other than "is" link too ("password being X", "the password becomes X"). A user and a
password set apart by a slash are read after a login's name or before a login verb ("my login: ana / X",
"use ana / X to get in").

The value is a secret when it reads as a credential (`credential_like`: digits, or a digit or a
symbol mixed in, or a capital inside), or, for a secret a person chooses (a password, a PIN; not a
token a system issues), when it is one dictionary word that closes the clause and reads as no
state ("password is dragon." but not "password is stale.", "password: required"). Tokens that
are something else whatever the window (a flag, a path, a file name, an identifier in snake case,
a key name, a URL) never are. Every window is a bounded match at a found word: linear in the text. A run of blanks
is taken whole (possessive ``*+``/``++``: the next token is never a blank): a value followed by a long
run of spaces and no clause end was read again from each place in the run (8,000 spaces: 2 s).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from ._secret_keys import CJK_NAMES, is_postal_pin, is_secret_key, key_words
from ._secret_prose import credential_like, is_status, prose_starts, words_not_secret

__all__ = ["context_spans"]

Span = tuple[int, int, str]

# Copulas, auxiliaries and verbs of setting that sit between a secret's name and its value, in the
# languages the key-word rule reads (English, German, French, Spanish, Portuguese, Italian, Dutch,
# Swedish, Finnish, Polish, Turkish, Russian), and pronouns/determiners such a clause opens with.
_LINK = (
    r"is|was|are|has|have|had|been|being|be|will|now|set|changed|reset|updated|to|reads|read|it['’]?s|its|"
    r"becomes?|became|remains?|stays?|"
    r"ist|lautet|war|wurde|auf|est|es|era|fue|é|è|är|er|on|jest|wynosi|olarak|это|—|"
    r"the|a|an|your|my|our|new|current|le|la|el|das|der|die|de|het|je|il|lo|o|seu|sua|votre|ton|tu|su|ihr|"
    r"dein|ваш|твой|новый|sizin|yeni"
)
_MARK = r"[:=\-–—→?,]|->|=>|：|/"
# Between a value written first and its name: a copula (or "as"), then determiners and modifiers.
_COPULA = r"is|was|were|will[ \t]++be|ist|war|est|es|era|fue|é|è|är|er|on|jest|to|as|als|come|como|comme|это"
_DETERMINER = (
    r"the|a|an|your|my|our|their|its|new|current|old|default|initial|temporary|admin|le|la|el|das|der|die|de|het|"
    r"il|lo|o|seu|sua|votre|ton|tu|su|ihr|dein|ваш|твой"
)
# After a name: marks and linking words (at most five), then the value.
_AFTER = re.compile(
    rf"(?:[ \t]*+(?:{_MARK})|[ \t]++(?:{_LINK})(?![\w\-])){{0,5}}[ \t]*+[\"'‘“«]?"
    r"(?P<v>[^\s\"'‘’“”«»<>,;()\[\]{}]{3,128})",
    re.IGNORECASE,
)
# A clause joined to the one before it (", X is the pin", "and X is the password", " - X is ..."): a value
# opening it is read too, as a credential only (a word there is the sentence's: ", which is the password").
_JOINS = r"(?<=,)|(?<=[ \t][-–—])|" + "|".join(rf"(?<=\b{w}[ \t])" for w in ("and", "but", "und", "et", "y", "e", "or"))
_JOINED = re.compile(r"(?:,|[ \t][-–—]|\b(?:and|but|und|et|y|e|or)[ \t])\Z", re.IGNORECASE)
# A pronoun pointing back at a value written first, after a mark or not ("X - that's the password", "X,
# this is the pin", "X which is the passcode").
_POINTING = r"[ \t]*+(?:[,:\-–—][ \t]*+)?(?:that|this|it|which)(?:['’]s|[ \t]++(?:is|was|will[ \t]++be))"
# Before a name: a value opening its clause, then linking words (at most four) up to the name.
_BEFORE = re.compile(
    r"(?:^|(?<=[\n.!?;:(\[{\"'>])|(?<=\buse[ \t])|(?<=\btry[ \t])|(?<=\benter[ \t])|(?<=\btype[ \t])"
    rf"|{_JOINS})[ \t]*+[\"'‘“«]?"
    r"(?P<v>[^\s\"'‘’“”«»<>,;()\[\]{}]{2,127}[^\s\"'‘’“”«»<>,;:()\[\]{}])[\"'’”»]?"
    rf"(?:[ \t]++(?:{_COPULA})|(?P<p>{_POINTING}))(?:[ \t]++(?:{_DETERMINER})){{0,3}}[ \t]++\Z",
    re.IGNORECASE,
)
_BEFORE_WINDOW = 200
_LINK_WORDS = frozenset(
    w for w in (_COPULA + "|for|" + _DETERMINER).replace("[ \\t]++", " ").split("|") if " " not in w
)
# The copular verbs a value may follow ("password being X", "the password becomes X").
_BEING = r"being|becomes?|became|remains?|stays?"
_CLOSING_LINK = re.compile(
    rf"(?:(?:^|[ \t])(?:{_COPULA}|{_BEING}|lautet|reads|it['’]?s|wynosi)|{_MARK})\Z", re.IGNORECASE
)
# What may stand between a name and its link: a prepositional complement ("the password for the vpn:",
# "the door pin for the back gate -") or a relative clause ("the password you want is", "the passcode that
# works is"): a preposition or a pronoun, then at most three whole words, then a mark or a copula. A value
# after it is read only past such a link (`_qualified`).
_QUALIFIER = re.compile(
    r"[ \t]++(?:for|to|on|of|at|in|from|with|that|which|you|we|i|they|he|she|someone)"
    r"(?:[ \t]++[^\s:=,;()\[\]{}\"'‘’“”«»<>→?!]{1,40}+){0,3}?"
    r"(?=[ \t]*+(?:[:=→：]|->|=>)|[ \t]++[\-–—][ \t]"
    rf"|[ \t]++(?:is|was|were|are|will|{_BEING}|ist|war|lautet|est|es|era|fue|é|è|är|on|jest)(?![\w\-]))",
    re.IGNORECASE,
)
# A value before its name after a verb of use, the name after "as" or "for" ("login using X as password",
# "signed in with X for the password"): the value opens no clause, the verb says it is given.
_BEFORE_USE = re.compile(
    r"(?<![\w\-])(?:use|using|used|with|via|try|enter|entered|type|typed|paste|pick|picked|choose|chose|give|gave)"
    r"[ \t]++[\"'‘“«]?(?P<v>[^\s\"'‘’“”«»<>,;()\[\]{}]{2,127}[^\s\"'‘’“”«»<>,;:()\[\]{}])[\"'’”»]?"
    rf"[ \t]++(?:as|for)(?:[ \t]++(?:{_DETERMINER})){{0,3}}[ \t]++\Z",
    re.IGNORECASE,
)
# A user and a password given as a pair with no linking word ("user admin, pass X", "username deploy pass
# X", "u: admin pwd X"): "pass" alone names many things ("first pass", "boarding pass"), after a user's
# name it names the password.
_USER_PAIR = re.compile(
    r"(?<![\w\-])(?:user(?:name)?|login|usr|uid|u(?=[ \t]*+[:=]))[ \t]*+[:=]?[ \t]*+[\"'‘“]?[^\s\"'‘’“”,;/=:]{1,64}+"
    r"[\"'’”]?[ \t]*+[,;/]?[ \t]*+(?:and[ \t]++)?(?:pass(?:word|wd)?|pwd?|pass[ \t\-]word)(?![\w\-])[ \t]*+[:=]?[ \t]*+"
    r"[\"'‘“]?(?P<v>[^\s\"'‘’“”<>,;()\[\]{}]{3,128})",
    re.IGNORECASE,
)
# A login verb: its object is the secret ("log in with ...", "use ... to sign in").
_LOGIN = r"(?:log(?:ging)?[ \t\-]?(?:in|on)|sign(?:ing)?[ \t\-]?in|login|logon|authenticate|unlock)"
_LOGIN_WITH = re.compile(
    rf"(?<![\w\-]){_LOGIN}[ \t]++(?:with|using|via)[ \t]++(?:the[ \t]++)?[\"'‘“]?"
    r"(?P<v>[^\s\"'‘’“”<>,;()\[\]{}]{3,128})",
    re.IGNORECASE,
)
_USE_TO = re.compile(
    r"(?<![\w\-])(?:use|try|enter|type|paste)[ \t]++[\"'‘“]?(?P<v>[^\s\"'‘’“”<>,;()\[\]{}]{3,128})[\"'’”]?"
    r"[ \t]++(?:to|as|for|when|at)[ \t]++(?P<t>[^\n.;!?]{0,60})",
    re.IGNORECASE,
)
_LOGIN_IN = re.compile(rf"(?<![\w\-]){_LOGIN}(?![\w\-])", re.IGNORECASE)
# A user and a password set apart by a slash, after a login's name ("my login: ana / X", "the sign-in is
# ana / X", "creds = ana/X") or handed over before a login verb ("use ana / X to get in"): a slash alone
# joins many pairs ("read / write"), the login's name or verb says this one is a user and a password.
_SLASH_USER = r"[\"'‘“]?[^\s\"'‘’“”,;/=:]{1,64}+[\"'’”]?[ \t]*+/[ \t]*+[\"'‘“]?"
_LOGIN_SLASH = re.compile(
    rf"(?<![\w\-])(?:{_LOGIN}|credentials?|creds)(?:[ \t]++(?:is|are|details))?[ \t]*+[:=]?[ \t]*+{_SLASH_USER}"
    r"(?P<v>[^\s\"'‘’“”<>,;()\[\]{}]{3,128})",
    re.IGNORECASE,
)
_USE_SLASH = re.compile(
    rf"(?<![\w\-])(?:use|try|enter|type|paste)[ \t]++{_SLASH_USER}(?P<v>[^\s\"'‘’“”<>,;()\[\]{{}}]{{3,128}})[\"'’”]?"
    rf"[ \t]++(?:to|and)[ \t]++(?:{_LOGIN}|get[ \t]++in(?:to)?|access)(?![\w\-])",
    re.IGNORECASE,
)
# A name in a script without spaces, with the particle that links it to its value glued on.
_CJK = re.compile(
    rf"(?:{'|'.join(CJK_NAMES)}|PIN[ \t]?(?:番号|コード|번호))"
    r"[ \t]*+(?:是|为|為|は|が|:|：|는|은|이|가|=|＝){0,2}[ \t]*+"
    r"(?P<v>[A-Za-z0-9!#$%&*+\-.@^_~]{3,128})",
    re.IGNORECASE,
)
# A code's name with its digits glued on ("pin1234", "OTP482913"): a field numbered so ("pin2") has few.
_GLUED = re.compile(r"(?<![\w\-])(?:pin|otp|totp|passcode|cvv|cvc)(?P<v>\d{4,8}|(?<=v|c)\d{3})(?![\w\-])", re.I)
_CJK_HINT = (*CJK_NAMES, "番号", "コード", "번호")
# Never a secret, whatever the window: a flag, a path or URL, a file name, a snake-case identifier, an
# assignment, a placeholder already hidden.
_NOT_VALUE = re.compile(
    r"[-/\\]|.*(?:://|\.(?:py|js|ts|json|ya?ml|txt|md|html?|csv|log|cfg|ini|toml|sh)$)|[a-z]+(?:_[a-z0-9]+)+$|.*="
    r"|\[REDACTED|<",
)
# Words that state something about a password, not the password ("password is stale.", "... temporary").
_STATE = frozenset(
    {"short", "long", "weak", "strong", "stale", "old", "new", "same", "different", "correct", "right", "good",
     "bad", "fine", "default", "common", "secure", "insecure", "sensitive", "mandatory", "temporary",
     "permanent", "unique", "private", "public", "local", "global", "plaintext", "readonly", "unchanged",
     "reused", "compromised", "here", "there", "below", "above", "attached", "ready", "due", "unavailable",
     "available", "unknown", "wrong", "valid", "empty", "mine", "yours", "ours", "theirs",
     "inside", "outside", "needed", "protected", "ignored", "string", "text", "value", "field", "argument",
     "parameter", "input", "option", "setting", "none", "null", "false", "true", "nil", "hidden", "masked",
     "obligatoire", "requis", "erforderlich", "ungültig", "falsch", "requerido", "obligatorio", "inválido",
     "incorrecto", "obrigatório", "inválida", "incorreta", "richiesto", "errato", "vereist", "onjuist",
     "incorrecta", "obligatoria", "errónea", "equivocada", "errada", "obrigatória", "sbagliata", "errata",
     "obbligatoria", "invalide", "vide", "verkeerd", "ongeldig", "felaktigt", "obligatoriskt", "väärä", "pakollinen",
     "hatalı", "gerekli", "geçersiz", "nieprawidłowe", "wymagane", "неверный", "неправильный", "обязательный",
     "пустой", "истёк", "истек", "required", "missing"}
)  # fmt: skip
_ADJECTIVE_ENDINGS = ("ive", "able", "ible", "ful", "less", "ous", "ent", "ant", "ic", "al", "ary", "ory", "ish", "ed",
                      "ing", "ly", "ido", "ida", "ado", "ada", "é", "ée", "ig", "lich", "isch")  # fmt: skip
# Head words naming a secret a system issues: a sentence of words after one is no secret of a person's.
_ISSUED = frozenset(
    {"token", "tokens", "session", "sessions", "cookie", "cookies", "auth", "authorization", "authentication",
     "credential", "credentials", "bearer", "jwt", "key", "keys", "secret", "id"}
)  # fmt: skip
_CODE = frozenset({"pin", "pins", "code", "codes", "otp", "totp", "cvv", "cvc", "passcode", "mfa", "2fa"})
_CLAUSE_END = re.compile(
    r"[ \t]*+(?:$|[.!?,;)\]}\"'’”»]|\n)|[ \t]++(?:-|(?:for|on|at|in|to|und|et|y|e|and|but|when|we|please"
    # a time the value holds for: "the password stays sunflower until friday"
    r"|until|till|unless|since|after|before|from|bis|jusqu|hasta|até|fino)\b)"
)
_WORD = re.compile(r"[^\W\d_][\w\-]{0,39}")
_NEXT_WORD = re.compile(r"[ \t]++(?:(?:de|d['’])[ \t]*+)?[^\W\d_][\w\-]{0,39}")
_PREV_WORDS = re.compile(r"(?<![\w\-])[^\W\d_][\w\-]{0,39}[ \t]++(?:(?:de|d['’])[ \t]*+)?\Z")
_SLASH_PAIR = re.compile(r"[ \t]*+/[ \t]*+(?P<v>[^\s\"'<>,;()\[\]{}/]{3,128})")
_VALUE = re.compile(r"[^\s\"'‘’“”«»<>,;()\[\]{}]{3,128}")


@functools.lru_cache(maxsize=4096)
def _key_at(word: str) -> bool:
    return is_secret_key(word)


def _token_ok(value: str) -> bool:
    return _NOT_VALUE.match(value) is None and not _key_at(value)


def _one_word(value: str) -> bool:
    """Whether a bare word can be a chosen password: letters only, no state, no sentence's word."""
    w = value.lower()
    if not value.isalpha() or len(w) < 4 or is_status(w) or w in _STATE or w.endswith(_ADJECTIVE_ENDINGS):
        return False
    return not _key_at(w) and w not in {"please", "again", "anything", "something", "nothing", "this", "that"}


def _judged(text: str, start: int, key: str, closes: bool, one_word: bool) -> Span | None:
    """The span of the value at `start` when it reads as the secret `key` names; `closes`: the value ends
    its clause (the only place a bare number or, with `one_word`, a dictionary word is taken for a password)."""
    m = _VALUE.match(text, start)
    if m is None:
        return None
    value = m.group(0).rstrip(".!?:")
    names = key_words(key)
    code = not _CODE.isdisjoint(names)
    if not _token_ok(value) or is_postal_pin(key, value, text[max(0, start - 240) : start]):  # "Pincode: 560001"
        return None
    if credential_like(value, code) and not (value.isdigit() and len(value) == 3 and not code):
        return start, start + len(value), "secret"
    issued = bool(names) and names[-1].rstrip("0123456789") in _ISSUED
    if closes and not issued and value.isdigit() and len(value) >= 4:  # a PIN-like password: "password - 4471"
        return start, start + len(value), "secret"
    if closes and one_word and not issued and not code and _one_word(value):
        return start, start + len(value), "secret"
    return None


def _credential_at(text: str, start: int) -> Iterator[Span]:
    """The password of a ``user / password`` pair at `start`, when it reads as a credential (a word may
    be a role or a state: "login: ana / required")."""
    span = _judged(text, start, "password", False, False)
    if span is not None:
        yield span


def _windows(text: str, start: int, end: int, key: str) -> Iterator[Span]:
    after = _AFTER.match(text, end)
    if after is not None:
        v0 = after.start("v")
        value_end = v0 + len(after.group("v").rstrip(".!?:"))
        closes = _CLAUSE_END.match(text, value_end) is not None
        between = text[end:v0].strip(" \t\"'‘“«")
        # a word is taken for the value only after a copula or a mark ("password is dragon", "password -
        # dragon"), not after a verb that may still be the name's ("password reset form")
        if between:
            words = _CLOSING_LINK.search(between) is not None
        else:
            # with no linking word, a word is the value only where it cannot describe the name ("password
            # letmein)" but not "password format.": `is_secret_key` reads a describing word as the name's tail)
            words = _key_at(f"{key} {after.group('v').rstrip('.!?:')}")
        # a label whose word before it names something else is no secret's ("first pass: complete")
        words = words and not words_not_secret(text, key, v0, after.group("v"))
        span = _judged(text, v0, key, closes, words)
        if span is not None:
            yield span
        pair = _SLASH_PAIR.match(text, value_end)  # "credentials: admin / <password>": a user, then the secret
        if pair is not None:
            closes = _CLAUSE_END.match(text, pair.end("v")) is not None
            span = _judged(text, pair.start("v"), "password", closes, closes)
            if span is not None:
                yield span
    # the value-first window only where the word before the name links to one (a cheap look first: the
    # window's search is the costliest step, and most names have no copula or determiner before them)
    ahead = text[max(0, start - 24) : start].split()
    if not ahead or ahead[-1].lower() not in _LINK_WORDS:
        return
    for regex in (_BEFORE, _BEFORE_USE):
        if regex is _BEFORE_USE and _CLAUSE_END.match(text, end) is None:  # "X as the password manager"
            continue
        before = regex.search(text, max(0, start - _BEFORE_WINDOW), start)
        if before is not None:
            # (a value opening a joined clause is read as a credential only: ", which is the password")
            joined = regex is _BEFORE and _JOINED.search(text, max(0, before.start() - 5), before.start()) is not None
            # a word pointed back at is the value only where the name closes the clause ("Done, that is
            # the password policy": the word is the sentence's)
            if regex is _BEFORE and before.group("p") and _CLAUSE_END.match(text, end) is None:
                joined = True
            span = _judged(text, before.start("v"), key, True, not joined)
            if span is not None:
                yield span


def _qualified(text: str, end: int, key: str) -> Span | None:
    """The value after a name's complement or relative clause (`_QUALIFIER`), read only past a mark or a
    copula ("the password for the vpn: X", "the password you want is X")."""
    q = _QUALIFIER.match(text, end)
    if q is None:
        return None
    after = _AFTER.match(text, q.end())
    if after is None:
        return None
    v0 = after.start("v")
    between = text[q.end() : v0].strip(" \t\"'‘“«")
    if not between or _CLOSING_LINK.search(between) is None:
        return None
    value = after.group("v").rstrip(".!?:")
    closes = _CLAUSE_END.match(text, v0 + len(value)) is not None
    return _judged(text, v0, key, closes, not words_not_secret(text, key, v0, after.group("v")))


def context_spans(text: str, stems: Iterable[str] | None) -> Iterator[Span]:
    """Spans of `text` holding a secret read from the words around a secret's name (both ways), after a
    login verb, or after a CJK secret name (`stems`: the key stems `text` holds, as `prose_spans` takes)."""
    for start in prose_starts(text, stems):
        w = _WORD.match(text, start)
        if w is None:
            continue
        key, end = w.group(0), w.end()
        two = _NEXT_WORD.match(text, end)
        if two is not None and _key_at((key + two.group(0).lstrip(" \t")).lower()):  # "pass phrase": one name
            key, end = key + two.group(0), two.end()
        elif not _key_at(key):  # a name of several words: "mot de passe", "pass phrase", "door code"
            ahead = _PREV_WORDS.search(text, max(0, start - 48), start)
            if two is not None and _key_at(key + two.group(0)):
                key, end = key + two.group(0), two.end()
            elif ahead is not None and _key_at(ahead.group(0) + key):
                key, start = ahead.group(0) + key, ahead.start()
            else:
                continue
        yield from _windows(text, start, end, key)
        span = _qualified(text, end, key)
        if span is not None:
            yield span
    for m in _LOGIN_WITH.finditer(text):
        # a login verb's object may be a method ("log in with Google"): only a credential-like one is read
        span = _judged(text, m.start("v"), "password", _CLAUSE_END.match(text, m.end("v")) is not None, False)
        if span is not None:
            yield span
    for m in _USE_TO.finditer(text):
        tail = m.group("t")
        named = any(_key_at(t) for t in _WORD.findall(tail)[:8])  # "enter X when prompted for the password"
        if named or _LOGIN_IN.search(tail):  # a login verb alone may follow a method: "use Chrome to log in"
            span = _judged(text, m.start("v"), "password", True, named)
            if span is not None:
                yield span
    if "/" in text:
        for m in (*_LOGIN_SLASH.finditer(text), *_USE_SLASH.finditer(text)):
            yield from _credential_at(text, m.start("v"))
    lower = text.lower()
    if "pass" in lower or "pw" in lower:
        for m in _USER_PAIR.finditer(text):
            closes = _CLAUSE_END.match(text, m.start("v") + len(m.group("v").rstrip(".!?:"))) is not None
            span = _judged(text, m.start("v"), "password", closes, closes)
            if span is not None:
                yield span
    if "pin" in lower or "otp" in lower or "passcode" in lower or "cvv" in lower or "cvc" in lower:
        for m in _GLUED.finditer(text):
            yield m.start("v"), m.end("v"), "secret"
    if any(c in text for c in _CJK_HINT):
        for m in _CJK.finditer(text):
            span = _judged(text, m.start("v"), "password", True, True)
            if span is not None:
                yield span
