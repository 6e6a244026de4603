"""A tool result that opens with the word "error" of another language, as a label, is a failure.

Backends written for a local market answer in their own language (``Fehler: ...``, ``Erreur : ...``,
``Ошибка: ...``, ``エラー：...``). Before 2026-12-07 only the English ``Error`` label (and exception
lines, status lines, JSON, markup) was read: in a held-out HR back office (world8), every rejection
of a tool answering in German was recorded as a success (3 seeds: its 3 habits failed 3 calls an
episode with and without skillevo, nothing mined). The word must be the text's label (followed by a
colon); a label whose value says there is none (``Fehler: keine``, ``Erreurs : 0``) is data, as
``Error: none`` is.
"""

from __future__ import annotations

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._detect import detect_failure

FAILURES = [
    "Fehler: Das Feld 'menge' muss eine ganze Zahl sein.",
    "Erreur : le champ « quantité » est obligatoire",
    "Errore: valore non valido per 'colore'",
    "Fout: ongeldige waarde voor 'kleur'",
    "Błąd: nieprawidłowa wartość pola 'ilość'",
    "Ошибка: неверное значение поля 'количество'",
    "Σφάλμα: μη έγκυρη τιμή",
    "エラー：数量は数値である必要があります",
    "错误：参数 quantity 必须是整数",
    "오류: 잘못된 값",
    "  FEHLER:\n'menge' fehlt",
    "Erro: o campo 'quantidade' é obrigatório",
]
SUCCESSES = [
    "Fehler: keine",
    "Erreurs : 0",
    "Fehlerbericht erstellt: 3 Seiten",
    "Fehlerquote: 0.1%",
    "Feldwert gespeichert",
    "Erreur de mesure estimée à 2 %",
    "Ошибка исправлена в версии 2",
]


@pytest.mark.parametrize("text", FAILURES)
def test_an_error_label_in_another_language_is_a_failure(text: str) -> None:
    found = detect_failure(text)
    assert found is not None, text
    assert found.message.split() == text.split()


@pytest.mark.parametrize("text", SUCCESSES)
def test_other_texts_that_start_with_such_a_word_are_data(text: str) -> None:
    assert detect_failure(text) is None, text


def test_an_episode_records_the_rejected_call_as_failed_and_learns_from_its_correction() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1, mining="inline")
        for i in range(4):
            with evo.episode(task=f"t{i}") as ep:
                assert ep.on_tool_result("stock", {"qty": f"{i + 3}"}, "Fehler: 'qty' muss eine Zahl sein.") is True
                assert ep.on_tool_result("stock", {"qty": i + 3}, {"ok": True}) is False
                ep.finish(reward=1.0)
        assert any(s.trigger.tool == "stock" for s in lib.skills())


@pytest.mark.parametrize("text", FAILURES)
def test_the_per_call_path_reads_it_too(text: str) -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1)
        with evo.episode(task="t") as ep:
            assert ep.on_tool_result("stock", {"qty": "x"}, text) is True
