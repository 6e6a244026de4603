"""A config file or tool-schemas file that is a FIFO, a device or huge is refused in one line (attack35).

``load_config`` (``skillevo train --config``, ``skillevo grpo``...) and ``--tool-schemas`` read the
path whole with ``Path.read_text``: a FIFO blocked the command forever, and ``/dev/zero`` was read
until memory ran out. Now only a regular file is read, opened without blocking, and at most a cap
of bytes; anything else is a one-line `ConfigError`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from skillevo import ConfigError
from skillevo._config import CONFIG_MAX_BYTES, load_config


def _loaded(path: Path) -> BaseException | None:
    caught: list[BaseException | None] = []

    def load() -> None:
        try:
            load_config(path)
            caught.append(None)
        except BaseException as exc:  # the test reads what it was
            caught.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():
        if path.is_fifo():  # release the blocked open so the thread ends
            with open(path, "wb"):
                pass
        pytest.fail(f"reading {path} did not end")
    return caught[0]


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_config_path_that_is_no_small_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "skillevo.toml"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "skillevo.toml"
        path.write_text("# " + "x" * (CONFIG_MAX_BYTES + 10) + "\n")
    error = _loaded(path)
    assert isinstance(error, ConfigError), error
    assert "\n" not in str(error)


def test_a_small_config_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "skillevo.toml"
    path.write_text('[library]\ndb = "lib.db"\n')
    assert load_config(path).library.db.endswith("lib.db")
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml")
