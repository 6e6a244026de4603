"""`ProcessSandbox` limits that cannot hold are refused when the sandbox is made, not at a call.

The fault: a deployer's configuration (a TOML value read as text, a NaN from arithmetic, a sign
slip). Before the fix, 10 of 10 such values were accepted or failed with a raw error: a NaN or
infinite wall clock raised a raw ``ValueError``/``OverflowError`` out of every call, a negative
memory limit reached the kernel as no limit at all (RLIMIT_AS takes it as a huge unsigned number),
a negative wall clock or output cap stopped every call as if the skill had broken it, a NaN CPU
limit or worker count raised a raw ``ValueError``, a single module name given as text allowed its
letters as modules, and a boolean passed as a number. Now each is a one-line `ConfigError` naming
the setting (0 of 10), and the values the tests and docs use still make a working sandbox.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import ConfigError, ProcessSandbox

BAD: dict[str, dict[str, Any]] = {
    "NaN wall clock": {"wall_s": float("nan")},
    "infinite wall clock": {"wall_s": float("inf")},
    "negative wall clock": {"wall_s": -1},
    "negative memory": {"memory_mb": -5},
    "zero memory": {"memory_mb": 0},
    "negative output cap": {"max_output_bytes": -1},
    "NaN CPU limit": {"cpu_s": float("nan")},
    "NaN worker count": {"max_workers": float("nan")},
    "imports as one text": {"imports": "json"},
    "boolean CPU limit": {"cpu_s": True},
}


def test_limits_that_cannot_hold_are_refused_when_made() -> None:
    accepted = []
    for name, kwargs in BAD.items():
        try:
            ProcessSandbox(warm=False, **kwargs).close()
        except ConfigError as exc:
            assert "\n" not in str(exc) and next(iter(kwargs)) in str(exc)
            continue
        except Exception:  # a raw error: not the library's own type
            pass
        accepted.append(name)
    assert not accepted, f"{len(accepted)} of {len(BAD)} were not a ConfigError: {accepted}"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"cpu_s": 1, "memory_mb": 256, "wall_s": 4.0}, {"cpu_s": 30, "wall_s": 2.0, "guard": False},
     {"wall_s": 30.0, "max_workers": 2}, {"imports": ["json", "re"]}, {"cpu_s": 1.5, "max_output_bytes": 4096}],
)  # fmt: skip
def test_working_limits_are_kept(kwargs: dict[str, Any]) -> None:
    ProcessSandbox(warm=False, **kwargs).close()
