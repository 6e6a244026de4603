"""`ProcessSandbox(imports=...)` given an iterator (a generator, ``map``, a dict's keys view read
once) or something that is no collection of names.

The fault: the imports check read the names once to validate them and then stored what was left:
an iterator came out empty, so every module was refused inside the jail and each code skill that
imports ``json`` failed as the skill's own error (1 of 1 sandboxes kept no import -> 0 of 1); a
number instead of names raised a raw ``TypeError`` rather than the library's one-line
`ConfigError` (1 of 1 -> 0 of 1).
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import ConfigError, ProcessSandbox


def test_an_iterator_of_module_names_is_kept_whole() -> None:
    names: Any = (name for name in ("json", "re"))
    sandbox = ProcessSandbox(warm=False, imports=names)
    try:
        assert sandbox.imports == ("json", "re")
    finally:
        sandbox.close()


def test_imports_that_are_no_collection_of_names_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="imports"):
        ProcessSandbox(warm=False, imports=3)  # type: ignore[arg-type]
