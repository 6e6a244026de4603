"""A localized error label whose value says there is none, followed by other news, is a success.

The English label reads ``Errors: 0, Warnings: 2`` and ``Error: none. Payment P1 captured`` as
reports with no error in them; the localized labels added on 2026-12-07 (world8) read only a value
alone on its label as none, so a German build or import summary (``Fehler: 0, Warnungen: 2``) made
every successful call a failure (12 of 12 such summaries in 11 languages; the Spanish and Italian
words, which start like ``Error``, were read by the English branch: ``Errores: 0`` alone was one
too). A failed success teaches repairs, retries a call that already took effect, retires versions.
"""

from __future__ import annotations

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._detect import detect_failure

SUMMARIES = [
    "Fehler: 0, Warnungen: 2",
    "Erreurs : 0 ; avertissements : 3",
    "Errores: 0\nAdvertencias: 1",
    "Errores: 0",
    "Errori: nessuno",
    "Ошибки: 0, предупреждения: 2",
    "Fehler: keine. Bestellung 42 gebucht.",
    "エラー：0、警告：2",
    "Błędy: 0\nOstrzeżenia: 4",
    "Fel: 0, varningar: 1",
    "Hata: 0, Uyarı: 3",
    "Fout: geen\nWaarschuwingen: 2",
    "Errori: 0 | Avvisi: 5",
    "Fehler: 0\nWarnungen: 2\nDauer: 3 s",
]
# A value word that also starts a message keeps it an error, as English "Error: no such card" does.
STILL_FAILURES = [
    "Fehler: keine Berechtigung für Konto 7",
    "Ошибка: нет доступа: пользователь 5",
    "Fehler: 0 ist kein gültiger Wert für 'menge'",
    "Erreur : aucun produit « x »",
    "Errore: nessun prodotto trovato",
    "Errores: 0 filas escritas",
]


@pytest.mark.parametrize("text", SUMMARIES)
def test_a_summary_with_no_errors_is_a_success(text: str) -> None:
    assert detect_failure(text) is None, text


@pytest.mark.parametrize("text", STILL_FAILURES)
def test_a_message_after_the_label_is_still_a_failure(text: str) -> None:
    assert detect_failure(text) is not None, text


def test_the_per_call_path_records_the_summary_as_a_success() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1)
        with evo.episode(task="t") as ep:
            assert ep.on_tool_result("import_rows", {"file": "a.csv"}, SUMMARIES[0]) is False
            ep.finish(reward=1.0)
