"""A library path naming a FIFO, a device or a socket is refused at once, in one line (attack35).

`check_existing_file` judged an existing path by its size, and a FIFO or a device has none: it was
passed as an empty library, and SQLite then opened it. ``SkillLibrary(fifo)`` (and ``skillevo show
--db fifo``) blocked forever on the open, holding the agent; ``/dev/null`` opened as an empty
library, every write failing later and every read answering "no skills". Now an existing path that
is not a regular file is a `LibraryError` naming what it is, and nothing is opened.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from skillevo import LibraryError, SkillLibrary
from skillevo.cli import main as cli_main


def _opened(path: Path) -> BaseException | None:
    """What opening `path` raised, from a thread the test does not wait on past a generous bound."""
    caught: list[BaseException | None] = []

    def open_it() -> None:
        try:
            SkillLibrary(path).close()
            caught.append(None)
        except BaseException as exc:  # the test reads what it was
            caught.append(exc)

    thread = threading.Thread(target=open_it, daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():  # blocked in the open: release it so the thread ends
        with open(path, "wb"):
            pass
        thread.join(10)
        pytest.fail(f"opening {path.name} blocked")
    return caught[0]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "lib.db"
    os.mkfifo(fifo)
    error = _opened(fifo)
    assert isinstance(error, LibraryError), error
    assert "\n" not in str(error) and "not a regular file" in str(error)


def test_a_device_is_refused() -> None:
    error = _opened(Path("/dev/null"))
    assert isinstance(error, LibraryError), error


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        error = _opened(path)
    assert isinstance(error, LibraryError), error


def test_the_cli_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "lib.db"
    os.mkfifo(fifo)
    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(cli_main(["show", "s", "--db", str(fifo)])), daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():
        with open(fifo, "wb"):
            pass
        thread.join(10)
        pytest.fail("skillevo show --db FIFO blocked")
    assert done == [1]
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a regular file" in err
