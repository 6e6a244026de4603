"""Secrets written in prose: a secret's name, linking words, then its value.

``my password is ...``, ``la contraseña es ...``, ``your verification code is 481516``: the name is
judged by the key-word rule (`is_secret_key`), in either word order (English modifiers come before
their head, "verification code"; Romance ones after it, "código de verificação", "codice di
verifica"). A bare code word is a secret only after a determiner and before a PIN-sized value ("o
código é 1234", "your code is 481516"; "the status code is 404" stays). A wallet's recovery phrase
(twelve or more lower-case words after "seed phrase", "recovery phrase", "mnemonic") is hidden whole.

`is_status` tells a secret's *value* from a word describing the argument ("password: required",
"token: missing"): the pair rule keeps those.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from ._secret_keys import _SECRET_HEADS, is_postal_pin, is_secret_key, key_words

__all__ = [
    "credential_like",
    "determiner_code_hint",
    "is_status",
    "opens_message",
    "phrase_end",
    "prose_phrase_end",
    "prose_spans",
    "prose_starts",
    "reads_as_sentence",
    "seed_phrase_spans",
    "words_not_secret",
]

Span = tuple[int, int, str]

# A secret in prose: a key word, up to three linking words, the value ("my password is ...", "changed to",
# "log in with password ...", "Passwort ist ...", "la contraseña es ...", "código de verificação é ...").
# The key is judged with up to two words before it ("verification code", "mot de passe"), or with a
# Romance modifier after it ("code de vérification", "codice di verifica").
_PROSE = re.compile(
    # a head word that names a secret only after a modifier may follow the word ("verification code")
    r"(?<![\w.\-%:=/@])(?P<k>\d{0,3}[^\W\d][\w\-]{0,39}(?:[ \t]+(?:code|codes|id|key|number)(?![\w\-]))?"
    r"(?:[ \t]+(?:de|di|da|do|du|del|della|dello|des)[ \t]+[^\W\d][\w\-]{0,39}|[ \t]+d['’][^\W\d][\w\-]{0,39})?)"
    # a qualifier in brackets ("API key (prod): ..."), never the value alone in them ("pin (4821)")
    r"(?:[ \t]*[(\[](?=[^)\]]{0,24}?[^\W\d])[\w \t.\-]{1,24}[)\]])?"
    r"(?:['’]s(?![\w\-]))?"  # the name's "'s" ("my password's ...")
    # whose secret it is, between its name and its value: "the password for ana is ...", "password of the
    # admin account = ..." (up to four words; the value must still read as a credential)
    r"(?:[ \t]+(?:for|of)(?:[ \t]+[^\s:=,;\"'<>()\[\]]{1,40}){1,4}?"
    r"(?=[ \t]*[:=]|[ \t]+(?:is|was|now|changed|reset|set)[ \t])"
    r"(?:[ \t]*[:=])?|:)?[ \t]+"
    r"(?:(?:is|was|ist|lautet|war|est|es|era|é|è|är|er|on|jest|wynosi|now|set|changed|reset|updated|to):?[ \t]+){0,3}"
    r"(?:[(\[](?!REDACTED))?"  # the value in brackets ("atm pin (4821)"), not a value already hidden
    r"(?=(?P<v>[^\s\"'<>,;()\[\]]{3,128}+)(?!\())",  # a call ("= PASSWORD('...')") is no value: its argument is
    re.IGNORECASE,
)
_BEFORE = re.compile(r"((?:\d{0,3}[^\W\d][\w\-]{0,39}[ \t]+){1,2})\Z")
# A Romance head with its linking "de"/"di" right before a modifier word ("código de " before "verificação").
_ROMANCE_HEAD = re.compile(
    r"(?i)(?<![\w\-])(?:c[oó]digos?|codic[ei]|codes?|n[uú]mero|num[eé]ro|clave|chave|cl[eé]|chiave)"
    r"[ \t]+(?:de|di|da|do|du|del|della|dello|des)[ \t]+\Z|(?<![\w\-])codes?[ \t]+d['’]\Z"
)
#: Key words whose values are short digit codes (a PIN, a one-time code): 3 digits are one; and the words
#: of a person's national id, written in digit groups ("tax id 298.549.615-72": no date).
_CODE_WORDS = frozenset(
    {"pin", "pins", "pincode", "otp", "totp", "code", "codes", "cvv", "cvc", "cvv2", "cvc2", "passcode", "mfa", "ssn",
     "number", "geheimzahl", "geheimnummer", "código", "codigo", "códigos", "codigos", "codice", "codici",
     "número", "numero", "numéro",
     "national", "tax", "taxid", "taxpayer", "citizen", "insurance", "identity", "aadhaar", "aadhar", "cpf",
     "steuerid", "steueridentifikationsnummer", "bsn", "burgerservicenummer", "sofinummer", "pesel", "personnummer",
     "personnr", "henkilötunnus", "curp", "dni", "nino"}
)  # fmt: skip


#: A password abbreviated in chat ("user is ana and pw ..."): a name in prose on its own, in one case
#: ("Pw" is also the end of a base64 text, "...Pw==", which a pair's key may be).
_ABBREVIATED = frozenset({"pw", "PW"})


def credential_like(value: str, code: bool) -> bool:
    """Whether a bare value after a secret's name reads as the secret, not a word of the sentence:
    digits (3 or more after a code's name, 6 or more after any), or 6+ characters mixing in a digit
    or a symbol, or words with a capital after the first letter ("required", "too-short",
    "Expired" are words; a time or a date is none)."""
    value = value.rstrip(".!?:")
    if len(value) < 3 or value.startswith("[REDACTED"):
        return False
    if value.isdigit():
        return len(value) >= (3 if code else 6)
    if code and value.replace("-", "").replace(" ", "").replace(".", "").isdigit():  # in groups: 123-45-6789
        return True
    if len(value) < 6 or not value.strip("0123456789:./-"):  # a time, a date
        return False
    if value.isalpha() or value.replace("-", "").replace("_", "").replace(".", "").isalpha():  # words
        return not value[1:].islower()
    return True


#: Words that describe an argument's state where its value would be ("password: required", "token:
#: missing", "pin=invalid"): a pair whose whole value is one of them holds no secret.
_STATUS = frozenset(
    {"required", "missing", "invalid", "incorrect", "wrong", "expired", "revoked", "empty", "blank", "none",
     "null", "nil", "undefined", "unset", "unknown", "ok", "valid", "accepted", "rejected", "denied",
     "present", "absent", "redacted", "hidden", "masked", "mismatch", "optional", "true", "false", "yes", "no",
     "set", "changed", "updated", "reset", "locked", "disabled", "enabled", "weak", "strong", "n/a", "na",
     "not set", "not provided", "not found", "not valid", "too short", "too long", "too weak", "does not match",
     "is required", "is missing", "is invalid"}
)  # fmt: skip
_STATUS_TRIM = " \t.!?,;:()[]{}<>'\"`*_-"


def is_status(value: str) -> bool:
    """Whether `value` (a pair's whole value) is a word describing the argument, not the secret."""
    return len(value) <= 24 and " ".join(value.strip(_STATUS_TRIM).lower().split()) in _STATUS


# The next word of a passphrase written bare after its key ("password: correct horse battery staple"): a
# word spaced after the last on the same line, ending at a space, the line's end or a punctuation mark (not
# a file name's dot: "app.py"); a word that labels the next pair ("user=ana", "host: db") is not one.
# Bounded: each word is one anchored match of at most 40 characters, the phrase at most `_PHRASE_WORDS` words.
_PHRASE_WORD = re.compile(r"[^\S\r\n]{1,3}([^\W_]{1,40})(?=[^\w\-.]|\.(?!\w)|\Z)(?![^\S\r\n]*[:=])")
_PHRASE_WORDS = 12
#: English's closed-class words (articles, determiners, pronouns, prepositions, conjunctions, auxiliaries,
#: negation) and its commonest adverbs of degree and time: a run of words holding one is a sentence, which
#: a generated passphrase's words (nouns, adjectives, verbs of four letters or more) are not.
_FUNCTION_WORDS = frozenset(
    {"a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
     "some", "any", "no", "every", "each", "all", "both", "either", "neither", "other", "another", "such",
     "i", "you", "he", "she", "it", "we", "they", "me", "him", "us", "them", "who", "whom", "which", "what",
     "at", "by", "for", "from", "in", "into", "of", "off", "on", "onto", "out", "over", "to", "up", "down",
     "with", "within", "without", "via", "per", "about", "above", "after", "against", "along", "among",
     "around", "before", "behind", "below", "beneath", "beside", "between", "beyond", "during", "except",
     "inside", "near", "since", "through", "toward", "towards", "under", "until", "till", "upon", "across",
     "and", "or", "but", "nor", "so", "yet", "because", "although", "though", "unless", "while", "whereas",
     "if", "then", "than", "when", "where", "whether", "as",
     "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does", "did",
     "will", "would", "shall", "should", "can", "could", "may", "might", "must",
     "not", "never", "always", "also", "only", "still", "just", "now", "already", "again", "too", "very",
     "here", "there", "please"}
)  # fmt: skip


def _sentence_word(word: str) -> bool:
    """Whether a word reads as a sentence's, never a passphrase's: a closed-class word, an adverb in
    -ly, or a participle in -ed or -ing ("started", "running": a state)."""
    w = word.lower()
    return w in _FUNCTION_WORDS or (len(w) > 4 and w.endswith(("ly", "ed", "ing")))


def _next_words(text: str, end: int, sentence: bool) -> Iterator[re.Match[str]]:
    """The words spaced after `end` on the same line, up to a punctuation mark, a label or (unless
    `sentence`) a sentence's word (`_sentence_word`), at most `_PHRASE_WORDS`."""
    for _ in range(_PHRASE_WORDS):
        m = _PHRASE_WORD.match(text, end)
        if m is None or (not sentence and _sentence_word(m.group(1))):
            return
        yield m
        end = m.end()


_LETTERS_CHUNK = 256


def _all_letters(text: str, start: int, end: int) -> bool:
    """``text[start:end].isalpha()``, read a chunk at a time: it stops at the first chunk holding a
    non-letter. A cookie's value runs to the line's end, so in a line of cookie pairs each pair's value
    held all the rest of the line, and copying it whole was quadratic (before 2026-12-07: 16,000
    characters of "Cookie: " copied 18 MB, 0.4 s at 64,000)."""
    if end <= start:
        return False
    return all(text[at : min(end, at + _LETTERS_CHUNK)].isalpha() for at in range(start, end, _LETTERS_CHUNK))


def phrase_end(text: str, start: int, end: int) -> int:
    """Where a secret key's bare value that starts at `start` ends when it is a passphrase: its first
    word (`text[start:end]`) all letters, then the words spaced after it on the same line, to a
    punctuation mark or a label; else `end`. The pair rule reads one token as the value, so "password:
    correct horse battery staple" kept three of its words. A value glued to its "=" (a shell's, a DSN's,
    a query's) runs on only to a word only a sentence holds ("password=hunter and the hunter left":
    "and"): "password=correct horse battery staple" kept three words too (attack25)."""
    # a token ("hunter2", "Quokka7731") is the whole value
    if not _all_letters(text, start, end):
        return end
    stop = end
    for m in _next_words(text, end, sentence=text[start - 1 : start].isspace()):
        stop = m.end()
    # a status opening the words is no value ("token: expired for ana", "password: not set for this user")
    words = text[start:stop].split()
    return end if any(is_status(" ".join(words[:n])) for n in range(1, 4)) else stop


_FIRST_WORD = re.compile(r"[^\W\d_]{1,40}")


def reads_as_sentence(text: str, start: int) -> bool:
    """Whether the bare words at `start` (where a pair's value would be) read as a sentence, not a
    secret: the first a closed-class word or a participle ("session: started at noon", "token: the
    request needs one", "pass: skipped"). A token (a digit, a capital inside) never does."""
    m = _FIRST_WORD.match(text, start)
    if m is None or (m.end() < len(text) and (text[m.end()].isalnum() or text[m.end()] in "_-")):
        return False
    first = m.group(0)
    return (len(first) == 1 or first[1:].islower()) and _sentence_word(first)


#: Head words of a label naming a secret a system issues (a token, a session, a cookie, credentials): its
#: value is never ordinary words, so words read as a sentence under it are no secret. A secret a person
#: chooses (a password, a passphrase, a PIN, a security answer) may be words that open like a sentence
#: ("security answer: the blue house", "password: my dog rex"): before 2026-12-07 8 of 8 such were kept.
_ISSUED_HEADS = frozenset(
    {"token", "tokens", "tok", "session", "sessions", "sess", "sid", "cookie", "cookies", "auth",
     "authorization", "authentication", "credential", "credentials", "cred", "creds", "bearer", "jwt"}
)  # fmt: skip


def _issued(key: str) -> bool:
    """Whether the label `key` names a secret a system issues (its head word: "session password" is a password)."""
    words = key_words(key)
    return bool(words) and words[-1].rstrip("0123456789") in _ISSUED_HEADS


# The word spaced before a label on its line ("first" in "first pass:"); not a pair's value or a name.
_LABEL_WORD_BEFORE = re.compile(r"(?<![\w.\-=:/@])([^\W\d_][^\W_]{0,31})[^\S\r\n]{1,3}\Z")


def words_not_secret(text: str, key: str, start: int, value: str) -> bool:
    """Whether a secret key's bare value at `start` (`value`: its bounded head) is words, no secret:
    they read as a sentence (`reads_as_sentence`) under a label naming an issued secret (`_issued`), or
    the label, read with the word spaced before it, names something else ("first pass: complete",
    "boarding pass: printed at gate 12": "pass" alone names a password). A quoted value is the value
    as given, whatever its words; a value opening with a token ("hunter2 for ana") is a secret."""
    first = value.split(maxsplit=1)[0] if value.strip() else value
    if text[start - 1 : start] in ('"', "'") or credential_like(first, False):
        return False
    if reads_as_sentence(text, start) and _issued(key):
        return True
    label = text[max(0, start - 64) : start].rstrip(" \t:=")
    if not label.lower().endswith(key.lower()):
        return False
    m = _LABEL_WORD_BEFORE.search(label, 0, len(label) - len(key))
    return m is not None and not is_secret_key(f"{m.group(1)} {key}")


def prose_phrase_end(text: str, start: int, end: int) -> int:
    """Where a passphrase named in prose ends ("my password is correct horse battery staple"): three
    or more lower-case words, none a sentence's (`_sentence_word`), else `start` (none)."""
    first = text[start:end]
    if not first.isalpha() or not first.islower() or _sentence_word(first) or is_status(first):
        return start
    words = list(_next_words(text, end, sentence=False))
    if len(words) < 2 or any(not w.group(1).islower() or is_status(w.group(1)) for w in words):
        return start
    return words[-1].end()


# A validation message where a pair's value would be: a tool node flattens pydantic's errors to "name:
# message" clauses ("session_id: Field required", "auth_code: Input should be a valid string"). Read
# as a value, the message's first word was hidden, and with it the clause the missing-argument rule reads.
_MESSAGE = re.compile(
    r"(?:Field required|Extra inputs are not permitted|(?:Value|Assertion) (?:error|failed),"
    r"|[A-Z][a-z]{1,15}(?: [a-z]{1,15})? should (?:be|have)\b)"
)


def opens_message(text: str, start: int) -> bool:
    """Whether `text` at `start` (where a pair's value would be) opens a validation message."""
    return _MESSAGE.match(text, start) is not None


_WORD_START = re.compile(r"(?<![\w\-])\d{0,3}[^\W\d]")


def prose_starts(text: str, stems: Iterable[str] | None) -> Iterable[int]:
    """Where a prose key may start: every word, or (given the key stems `text` holds, lower-case)
    each word holding one, and a Romance head before such a word ("código de" before "verificação")."""
    # the prose rule and the context windows read the same text's starts: found once (a text repeating
    # a name, "pass pass ...", spent a fifth of its time finding them twice)
    return _starts(text, None if stems is None else frozenset(stems))


@functools.lru_cache(maxsize=2)
def _starts(text: str, stems: frozenset[str] | None) -> tuple[int, ...]:
    lower = text.lower()
    if stems is None or len(lower) != len(text):
        return tuple(m.start() for m in _WORD_START.finditer(text))
    starts = set()
    for stem in stems:
        i = lower.find(stem)
        # The word start of the previous occurrence: a later one in the same word stops there. Walking
        # back from each occurrence alone took time quadratic in a word's length ("token" 20,000 times
        # in one 100 KB word: 80 s).
        seen, seen_start = -1, -1
        while i >= 0:
            start = i
            while start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
                start -= 1
                if start == seen:
                    start = seen_start
                    break
            seen, seen_start = i, start
            starts.add(start)
            head = _ROMANCE_HEAD.search(text, max(0, start - 24), start)
            if head is not None:
                starts.add(head.start())
            i = lower.find(stem, i + len(stem))
    return tuple(sorted(starts))


def prose_spans(text: str, stems: Iterable[str] | None) -> Iterator[Span]:
    """Spans of `text` holding a secret named in prose (read from the words holding one of `stems`,
    the key stems `text` holds, when given; from every word when None)."""
    for start in prose_starts(text, stems):
        m = _PROSE.match(text, start)
        if m is None:
            continue
        key = m.group("k")
        if key not in _ABBREVIATED and not is_secret_key(key):
            words = key_words(key)
            if not words or words[-1] not in _SECRET_HEADS:  # only a head word takes modifiers before it
                continue
            before = _BEFORE.search(text, max(0, m.start() - 82), m.start())
            if before is None or not is_secret_key(before.group(1) + key):
                continue
            key = before.group(1) + key
        value = m.group("v").rstrip(".!?:")
        if is_postal_pin(key, value, text[max(0, m.start() - 240) : m.start()]):
            continue
        if credential_like(value, not _CODE_WORDS.isdisjoint(key_words(key))):
            yield m.start("v"), m.start("v") + len(value), "secret"
        elif text[m.end("k") : m.start("v")].strip() and (  # a linking word: "secret word together" is none
            (stop := prose_phrase_end(text, m.start("v"), m.start("v") + len(value))) > m.start("v")
        ):
            yield m.start("v"), stop, "secret"  # a passphrase: "my password is correct horse battery staple"


# A bare code word right after a determiner, a linking word, then the value: "o código é 1234", "il codice
# è 4821", "your code is 481516", "votre code est 4821", "Ihr Code lautet 4821". No stem holds "code"
# (status and error codes are everywhere), so this has its own hint.
_DETERMINER_CODE = re.compile(
    r"(?i)(?<![\w\-])(?:your|the|my|o|a|os|el|la|le|il|lo|los|las|les|tu|su|seu|sua|teu|tua|votre|ton|vostro|"
    r"tuo|suo|ihr|ihre|dein|deine|uw|je|het|de)[ \t]+(?:c[oó]digo|codice|code)[ \t]*:?[ \t]+"
    r"(?:(?:is|was|é|è|es|est|era|ist|lautet|war|foi|fue)[ \t]+)?"
    r"(?P<v>[^\s\"'<>,;()\[\]]{4,16})"
)


def determiner_code_hint(text: str) -> bool:
    """Whether `text` may hold a code after a determiner (cheap: a substring, then one search)."""
    lower = text.lower()
    return ("code" in lower or "código" in lower or "codice" in lower) and _DETERMINER_CODE.search(text) is not None


# What an error says of a value it reports as wrong ("the code 94107 is not a valid zip", "il codice 4821
# non è valido"): a code refused, not one delivered.
_REFUSED = re.compile(
    r"(?i)[ \t]+(?:(?:is|was|are|were|has|had)[ \t]+(?:not|no[ \t]+longer|invalid|unknown|incorrect|wrong|expired|"
    r"unsupported|already)|isn['’]t|wasn['’]t|(?:does|do|did)[ \t]+not|(?:doesn|didn)['’]t|not[ \t]+(?:found|valid|"
    r"supported|recognized|recognised|allowed)|invalid|unknown|non|no[ \t]+(?:es|está|existe|válido|valido)|"
    r"não|nao|n['’](?:est|existe)|ist[ \t]+(?:nicht|ungültig|unbekannt))(?![\w\-])"
)


def determiner_code_spans(text: str) -> Iterator[Span]:
    """A PIN-sized code (4-8 digits, or 6+ characters mixing letters and digits) after a determiner and
    a bare code word: a three-digit status ("the code is 404"), words, and a code the text reports
    as wrong ("the code 94107 is not a valid zip") stay."""
    for m in _DETERMINER_CODE.finditer(text):
        value = m.group("v").rstrip(".!?:")
        if len(value) == len(m.group("v")) and _REFUSED.match(text, m.end("v")):
            continue
        digits = value.replace("-", "").replace(" ", "")
        if (digits.isdigit() and 4 <= len(digits) <= 8) or (
            len(value) >= 6 and credential_like(value, True) and any(c.isdigit() for c in value)
        ):
            yield m.start("v"), m.start("v") + len(value), "secret"


# A wallet's recovery phrase: its name, a separator or a linking word, then 12-24 lower-case words of
# 3-8 letters (BIP39's words), optionally numbered ("1. abandon 2. ability ...").
_SEED_NAME = re.compile(
    r"(?i)(?<![\w\-])(?:(?:secret[ \t]+)?(?:recovery|seed|backup|wallet|mnemonic)[ \t]+(?:phrase|words)|"
    r"mnemonic|seed)(?![\w\-])[ \t]*"
    r"(?:[:=][ \t]*\n?[ \t]*|\n[ \t]*|[ \t]+(?:is|was|are|were)[ \t]*:?[ \t]*)[\"'\[]?[ \t]*"
)
_SEED_WORD = re.compile(r"(?:\d{1,2}[.)][ \t]*)?[a-z]{3,8}(?![\w\-])")
_SEED_GAP = re.compile(r"[ \t]*,?[ \t\n]*")


def seed_phrase_spans(text: str) -> Iterator[Span]:
    """Spans of `text` holding a recovery phrase of 12 or more words after its name."""
    for m in _SEED_NAME.finditer(text):
        pos, words, end = m.end(), 0, m.end()
        while words < 24:
            w = _SEED_WORD.match(text, pos)
            if w is None:
                break
            words, end = words + 1, w.end()
            pos = _SEED_GAP.match(text, end).end()  # type: ignore[union-attr]  # it matches empty
        if words >= 12:
            yield m.end(), end, "secret"
