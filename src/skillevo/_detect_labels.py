"""The word "error" of other languages, used as a result's label (``Fehler: ...``, ``Ошибка: ...``).

Backends written for a local market answer in their own language. The English ``Error`` label is
read in `skillevo._detect`; a label in another language is read the same way, and only as a label:
the word, then a colon (ASCII or full-width), then the message. A word that merely starts a text
("Fehlerquote: 0.1%", "Ошибка исправлена") is data, and so is a label whose value says there is
none ("Fehler: keine", "Erreurs : 0"), as ``Error: none`` is.
"""

from __future__ import annotations

import re

# (Singular and plural; the languages of the largest software markets. English and Spanish
# "Error" are the English label's.)
_WORDS = (
    "fehler|erreurs?|errori|errore|erros?|errores|fout(?:en)?|fel|feil|fejl|virhe(?:et)?"
    "|błąd|błędy|chyba|chyby|hiba|eroare|erori|greška|greške|napaka|hata|lỗi|ralat|kesalahan"
    "|ошибка|ошибки|помилка|помилки|грешка|грешки|σφάλμα|σφάλματα|שגיאה|خطأ|त्रुटि|エラー|错误|錯誤|오류"
)
#: The letters such a label starts with: a text starting with another is not looked at further.
LABEL_INITIALS = frozenset(c for w in _WORDS.split("|") for c in (w[0].lower(), w[0].upper()))
_LABEL = re.compile(rf"(?:{_WORDS})[ \t\u00a0]{{0,2}}[:：]", re.I)
# A value that says there is none, alone on the label (an empty report, not an error).
_NONE = re.compile(
    r"[ \t\u00a0]*(?:0|none|null|nil|n/a|-|keine|kein|aucune?|nessuno|ninguno|nenhum|geen|ingen|ei|brak"
    r"|žádné|nincs|niciuna|нет|немає|няма|なし|无|無|없음)[ \t]*[.!]?\s*\Z",
    re.I,
)


def localized_error_label(text: str) -> bool:
    """Whether `text` (stripped of leading space) opens with "error" in another language, as a
    label with a message after it."""
    found = _LABEL.match(text, 0, 80)
    if found is None:
        return False
    rest = text[found.end() : found.end() + 200]
    return bool(rest.strip()) and _NONE.match(rest) is None
