"""An adapter's framework check: one sentence naming what is missing and the install that fixes it."""

from __future__ import annotations

import pytest

from skillevo.adapters import require_framework


def test_a_missing_framework_is_one_sentence_with_the_install_that_fixes_it() -> None:
    with pytest.raises(ImportError) as info:
        require_framework(
            "skillevo_x",
            ("json", "skillevo_no_such_framework.sub"),
            needs="xframework>=2",
            fix="`pip install skillevo-x`",
        )
    message = str(info.value)
    assert message.startswith("skillevo_x needs xframework>=2 (")
    assert "skillevo_no_such_framework" in message and message.endswith("`pip install skillevo-x` fixes it")
    assert "\n" not in message
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_an_installed_framework_passes_silently() -> None:
    require_framework("skillevo_x", ("json", "collections.abc"), needs="nothing", fix="nothing")
