"""Text that came from a tool (error messages, allowed-value lists, tool and argument names) is data.

Every piece of it is normalised before anything reads it: NFKC (full-width and compatibility forms
fold to their plain letters), format and control characters removed (zero-width spaces and joiners,
bidi overrides, Unicode tag characters, variation selectors: Unicode categories Cf/Cc/Co/Cn), and
capped. Checks then run on that text *and* on its confusable skeleton (Unicode TR39 confusables, read
from the kept ``confusable-homoglyphs`` package: Cyrillic ``о`` and Greek ``ο`` become Latin ``o``), so
``Ignоre previous instructions`` written with a Cyrillic letter reads as what it looks like.

The pattern check (`looks_like_injection`) is the *second* line. The first is structural: guidance is
assembled from templates and validated tokens only (see `_guidance_facts`), so tool text that is
not an identifier or a short token has no way into a prompt, whether a pattern names it or not.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ._redaction import redact_text

__all__ = [
    "clean_text",
    "confusable_table",
    "declared_name",
    "has_hidden",
    "holds_record_number",
    "identifier",
    "infix_code",
    "injection_score",
    "is_mixed_script",
    "looks_like_injection",
    "name_words",
    "quote_untrusted",
    "skeleton",
]

#: Unicode categories removed from tool text: format (zero-width, bidi, tags), control, private use,
#: unassigned. Newlines are kept where lines matter (`clean_text(keep_lines=True)`).
_DROP_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs"})
#: Invisible characters outside those categories: variation selectors, Hangul fillers, braille blank,
#: and the default-ignorable combining marks (the combining grapheme joiner, Khmer's inherent vowels,
#: Mongolian's variation selectors), which a Python identifier may hold: ``is_ad\u034fmin`` is
#: another name than the ``is_admin`` it shows.
_INVISIBLE = frozenset(
    [*map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0100, 0xE01F0)), "\u115f", "\u1160", "\u3164", "\uffa0",
     "\u2800", "\u034f", "\u17b4", "\u17b5", "\u180b", "\u180c", "\u180d", "\u180f"]
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(text: object, max_chars: int = 2000, *, keep_lines: bool = True) -> str:
    """`text` NFKC-normalised, without format/control/invisible characters, runs of spaces collapsed, capped.

    Only as much of `text` is normalised as the cap keeps (hostile tool output may be megabytes long):
    a prefix cut where nothing after it can change what comes before (`_cut_at`), grown until its
    cleaned text passes the cap, so the result is the whole text's, cleaned then capped.

    Args:
        text: anything; it is converted with ``str``.
        max_chars: the cap (applied after normalisation, so a cap cannot split a hidden sequence).
        keep_lines: keep line breaks (error messages are read line by line); else one line.
    """
    raw = str(text)
    limit = 2 * max_chars + 256
    while True:
        cut = _cut_at(raw, limit) if limit < len(raw) else len(raw)
        if cut < 0:
            limit *= 4
            continue
        cleaned = _cleaned(raw[:cut], keep_lines)
        # The cleaned prefix agrees with the whole's cleaning but for its last character (a trailing
        # space it stripped, a blank line it dropped): past the cap by two, what is kept is the same.
        if cut == len(raw) or len(cleaned) >= max_chars + 2:
            return cleaned[:max_chars]
        limit *= 4


#: How far past a prefix's wanted end `_cut_at` looks for a place to cut it.
_CUT_LOOKAHEAD = 64


def _cut_at(raw: str, limit: int) -> int:
    """A position at or after `limit` (within `_CUT_LOOKAHEAD`) where NFKC of the text before it and of
    the text from it join to NFKC of the whole, or -1: a starter that does not compose with the
    character before it (an ASCII character always qualifies)."""
    for i in range(max(1, limit), min(len(raw), limit + _CUT_LOOKAHEAD)):
        ch = raw[i]
        if ch.isascii():
            return i
        # (Its normal form must start with a starter too: no reordering of marks crosses the cut.)
        own = unicodedata.normalize("NFKC", ch)
        before = unicodedata.normalize("NFKC", raw[i - 1])
        if unicodedata.combining(own[0]) == 0 and unicodedata.normalize("NFKC", raw[i - 1 : i + 1]) == before + own:
            return i
    return -1


def _cleaned(text: str, keep_lines: bool) -> str:
    raw = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for ch in raw:
        if ch in "\n\r":
            out.append("\n" if keep_lines else " ")
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in _DROP_CATEGORIES or ch in _INVISIBLE:
            continue
        else:
            out.append(ch)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(out).split("\n")]
    return "\n".join(line for line in lines if line) if keep_lines else " ".join(lines).strip()


def has_hidden(text: str) -> bool:
    """Whether `text` holds characters that do not show: format, control (other than line breaks and
    tabs), private-use or unassigned code points, variation selectors and other invisible letters.

    Compatibility forms (full-width letters, ligatures, a no-break space) are not hidden: they show,
    and `clean_text` folds them to their plain form before anything reads the text.
    """
    return any(ch in _INVISIBLE or (unicodedata.category(ch) in _DROP_CATEGORIES and ch not in "\n\r\t") for ch in text)


@functools.lru_cache(maxsize=1)
def confusable_table() -> dict[str, str]:
    """Non-ASCII character -> its ASCII look-alike, from the TR39 confusables data the package ships."""
    from confusable_homoglyphs import confusables

    table: dict[str, str] = {}
    for ch, alternatives in confusables.confusables_data.items():
        if ch.isascii():
            continue
        for alt in alternatives:
            c = alt.get("c", "")
            if c and c.isascii() and c.isprintable() and len(c) <= 3:
                table[ch] = c
                break
    return table


def skeleton(text: str) -> str:
    """The confusable skeleton of `text`, projected to ASCII where a look-alike exists (TR39 style).

    Decomposes (NFD), drops combining marks, and replaces each non-ASCII character that the Unicode
    confusables table maps to an ASCII look-alike by that look-alike; other characters stay.
    """
    table = confusable_table()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if ch.isascii():
            out.append(ch)
        elif unicodedata.combining(ch):
            continue
        else:
            out.append(table.get(ch, ch))
    return "".join(out)


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (``CYRILLIC SMALL LETTER O`` -> ``CYRILLIC``)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else None


#: The scripts one word of Japanese, Korean or Chinese text mixes as written (UTS #39's "highly
#: restrictive" level: Han with Hiragana and Katakana, with Hangul, or with Bopomofo, and Latin with
#: any of them: ``IDが無効です``, ``時々``), by the first word of their characters' names.
_CJK_SETS = tuple(
    frozenset({"LATIN", "CJK", "IDEOGRAPHIC", "HALFWIDTH", *extra})
    for extra in (("HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"), ("HANGUL",), ("BOPOMOFO",))
)


def is_mixed_script(text: str) -> bool:
    """Whether one word of `text` mixes letters of more than one script (Latin with Cyrillic, ...),
    other than the mixes Japanese, Korean and Chinese are written in (`_CJK_SETS`)."""
    for word in re.findall(r"\w+", text):
        scripts = {s for s in map(_script, word) if s is not None}
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _CJK_SETS):
            return True
    return False


_NAME_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def name_words(name: str) -> list[str]:
    """The words of an identifier, lower-cased: ``firstCallWire_transfer`` -> first, call, wire, transfer."""
    return [w.lower() for part in re.split(r"[_\-.\s/:]+", name) for w in _NAME_PARTS.findall(part)]


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
#: A run of digits this long is a record's number (an order, an account, a phone), as `_shape` reads one.
_RECORD_NUMBER = re.compile(r"\d{5,}")
#: An identifier of more words than this is a sentence written with underscores, not a name.
_MAX_NAME_WORDS = 6


def identifier(name: object) -> str | None:
    """`name` when it may appear in guidance as a tool or argument name, else None.

    It must be an ASCII identifier (``^[A-Za-z_][A-Za-z0-9_.-]{0,63}$``, checked on the raw text,
    so hidden or look-alike characters fail it), of at most six words, its words must not read
    as an instruction, and it holds no record's data (a run of five digits: the rule a declared
    value crosses, `_shape.is_instance_value`). A name holding one order's, account's or phone's
    number (``acct_88812345678``, a key the agent built from a record, a field an error echoed a
    lookup into) names that record, not an argument: no later call has it, and shown, it would put
    one customer's number in every later session's prompt.
    """
    if not isinstance(name, str) or _RECORD_NUMBER.search(name):
        return None
    return declared_name(name)


def holds_record_number(name: str) -> bool:
    """Whether `name` holds a run of digits long enough to name one record (the rule `identifier` keeps
    and `declared_name` waives): a name no declaration wrote is then a customer's, not a tool's."""
    return _RECORD_NUMBER.search(name) is not None


def declared_name(name: object) -> str | None:
    """`name` when a tool's declaration gives it (a tool's name, an argument its schema declares) and
    it may appear in guidance: `identifier` without the record rule. A declaration is written before
    any call, so a number in it (``orders_api_v20240101``, ``iso20022_pay``) names no customer's record;
    held to that rule, such a tool lost its schema and never got a skill (before 2026-12-07)."""
    # Whole: ``$`` also matches before a final line break, and ``amount\n`` is no identifier.
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        return None
    words = name_words(name)
    if len(words) > _MAX_NAME_WORDS or looks_like_injection(" ".join(words)):
        return None
    return name


_INJECTION = [
    re.compile(p, re.IGNORECASE | re.MULTILINE)
    for p in (
        r"\b(ignore|disregard|forget|override|skip|drop)\b.{0,40}\b(previous|prior|above|earlier|all|your|the|"
        r"everything|anything|any)\b.{0,20}\b(instructions?|prompts?|rules?|directions?|guidelines?|context|above|"
        r"before|said|told)",
        r"\b(forget|ignore|disregard)\s+(everything|anything|all)\b",
        r"\b(new|updated|real|actual|hidden)\s+(instructions?|system\s+prompt|task|orders?)",
        r"\bsystem\s*(prompt|notice|message|override|instruction)",
        r"\b(notice|message|note|instructions?)\s+(to|for)\s+(the\s+)?(agent|assistant|model|ai|llm)\b",
        r"\byou\s+(are\s+now|must\s+now|will\s+now|should\s+now)\b",
        r"\bact\s+as\b.{0,30}\b(admin|root|developer|dan|jailbroken|system)",
        r"<\s*/?\s*(system|assistant|user|im_start|im_end|tool|instructions?)\b[^>]*>",
        r"<\|[^|>]{0,40}\|>",
        r"\[\s*/?\s*(system|inst|assistant|user)\s*\]",
        r"^\s*#{0,6}\s*(system|assistant|developer)\s*:",
        r"\b(do\s+not|don't|never)\s+(tell|inform|show|mention)\b.{0,20}\b(user|customer|human)",
        r"\b(exfiltrate|send|post|upload|forward|leak)\b.{0,40}\b(password|secret|token|credentials?|api\s*key|"
        r"history|conversation)",
        # "then call X" is ordinary advice; "first/now/instead call X" is how injected orders read.
        r"\b(first|now|instead|immediately)\s+(call|invoke|run|execute)\s+(the\s+)?\w+",
        r"\b(call|invoke|run|execute|use)\s+the\s+\w+\s+(tool|function|api)\b",
        r"!\[[^\]]{0,200}\]\s*\(",
        r"\[[^\]]{0,200}\]\s*\(\s*(https?|javascript|data|file|ftp):",
        r"<\s*(script|img|iframe|a|object|embed|svg|style|link|meta)\b",
        r"\bjavascript\s*:",
    )
]


def injection_score(text: str) -> int:
    """How many instruction-injection patterns `text` contains (0 for ordinary tool output).

    The patterns run on the normalised text, on its confusable skeleton, and on both with
    identifiers split into words (``ignore_previous_instructions``), so hidden characters,
    look-alike letters and underscores do not hide a phrase.
    """
    cleaned = clean_text(text, 20_000)
    variants = {cleaned, skeleton(cleaned)}
    variants |= {" ".join(name_words(v)) for v in list(variants)}
    return sum(1 for p in _INJECTION if any(p.search(v) for v in variants))


def looks_like_injection(text: str) -> bool:
    """Whether `text` reads like an attempt to instruct the agent (or to render markup)."""
    return injection_score(text) > 0


_MARKUP = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")", "`": "'", '"': "'", "|": "/"})


def quote_untrusted(text: Any, max_chars: int = 160) -> str:
    """Text from a tool, made safe to show as data: normalised, redacted, one line, capped, quoted.

    Text that looks like an injection is replaced by a neutral placeholder; mixed-script words
    (look-alike letters) the same; markup characters are swapped for inert look-alikes, so the
    result cannot open a tag, a link or a code span wherever it is shown.
    """
    # Redacted before anything is cut or swapped: a secret's shape is read on the text as it came.
    # Lines are joined after: a line's end closes a clause the prose rules read ("log in with X\nend").
    flat = clean_text(redact_text(clean_text(text, 20_000, keep_lines=True), emails=True), 20_000, keep_lines=False)
    if looks_like_injection(flat):
        return '"[tool text withheld: it contained instructions]"'
    if is_mixed_script(flat):
        return '"[tool text withheld: it mixed look-alike letters of several scripts]"'
    flat = flat.translate(_MARKUP)
    if len(flat) > max_chars:
        flat = flat[: max(0, max_chars - 3)].rstrip() + "..."
    return f'"{flat}"'


def infix_code(text: object, max_chars: int = 300) -> str:
    """`text` as one Markdown inline code span, inert wherever the Markdown is read.

    One line (a line break in a tool name or a pattern would otherwise start a heading or a
    section of its own), without hidden characters, capped, fenced with one more backtick than
    its longest run of backticks (so a backtick in it cannot close the span early).
    """
    flat = clean_text(text, max_chars, keep_lines=False)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks}{flat}{ticks}" if longest == 0 else f"{ticks} {flat} {ticks}"
