"""A secret's name read as a person reads it: accents, look-alike letters and spaces folded away.

A key written ``pássword`` (an accent, precomposed or combining), ``pаssword`` (a Cyrillic ``а``),
``ᴘᴀssᴡᴏʀᴅ`` (Latin small capitals), ``pɑssword`` (Latin alpha), ``pın`` (a dotless ``ı``) reads as the
secret's name to a person and to many tools, and as no word to the key rules. `ascii_reading` gives
a text's ASCII reading, character for character from Unicode's own data: canonical decomposition
(NFD) with its combining marks dropped, then TR39's confusables table (the kept
``confusable-homoglyphs`` data), then, for a Latin letter that table leaves (its small capitals,
``ı``), the letter its Unicode name names (``LATIN LETTER SMALL CAPITAL P`` is ``p``). The key rules
judge a key on its words as written *and* on this reading (`_secret_keys`); the text rules' pre-filter
reads it too (a text holding ``ᴘᴀssᴡᴏʀᴅ=`` must not be skipped as holding no key word).
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["ascii_reading", "letter_reading"]

# A Latin letter's name ("LATIN SMALL LETTER DOTLESS I", "LATIN LETTER SMALL CAPITAL P", "LATIN SMALL
# LETTER L WITH STROKE"): the letter it is a form of is the name's last single letter before "WITH".
_LATIN_NAME = re.compile(r"LATIN (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL )?(?:[A-Z]+ )*([A-Z])(?: WITH .+)?")


class _Reading(dict[int, str]):
    """Code point -> its ASCII reading ("" for a combining mark), computed when a text first holds it."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        self[code] = reading = letter_reading(ch)
        return reading


@functools.lru_cache(maxsize=4096)
def letter_reading(ch: str) -> str:
    """The ASCII character `ch` reads as ("" for a combining mark), or `ch` itself (see the module doc)."""
    if ch.isascii():
        return ch
    if unicodedata.category(ch) == "Mn":  # an accent left by NFD ("a" + U+0301): a reader sees the letter
        return ""
    from ._untrusted import confusable_table  # that module redacts: imported when first needed

    look = confusable_table().get(ch, "")
    if len(look) == 1 and look.isalnum():
        return look
    if not unicodedata.decomposition(ch):  # a letter NFKC leaves: small capitals, "ı", "ł"
        m = _LATIN_NAME.fullmatch(unicodedata.name(ch, ""))
        if m is not None:
            return m.group(1).lower()
    return ch


_READING = _Reading()
_MAX_READING = 65_536  # distinct characters remembered (a text of every code point must not grow it)


def ascii_reading(text: str) -> str:
    """`text` with each accented or look-alike letter read as the ASCII letter it shows (see the module
    doc); characters without one (``п``, ``密``) stay. Position for position it is not: a mark is dropped."""
    if text.isascii():
        return text
    if len(_READING) > _MAX_READING:
        _READING.clear()
    return unicodedata.normalize("NFD", text).translate(_READING)
