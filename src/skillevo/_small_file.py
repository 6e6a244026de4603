"""Reading a small file a person named (a config file, a schemas file): a regular file, bounded.

``Path.read_text`` opens whatever the path names and reads it to the end: a FIFO blocks the open
until a writer comes (forever, for a command), and ``/dev/zero`` never ends. A file named on a
command line or in the environment is opened here without blocking, must be a regular file, and is
read to at most a cap; anything else is a one-line `ConfigError`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ._errors import ConfigError

__all__ = ["read_small_text"]


def read_small_text(path: Path, cap: int, what: str) -> str:
    """The UTF-8 text of the regular file `path`, at most `cap` bytes.

    Raises:
        FileNotFoundError: there is nothing at `path` (the caller says what was missing).
        ConfigError: `path` is not a regular file, is longer than `cap`, cannot be read or is not UTF-8;
            the message starts with `what`.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read it ({exc.strerror or exc})") from None
    except ValueError:  # a NUL in the path: no file is named so
        raise ConfigError(f"{what}: a path cannot hold a NUL character") from None
    try:
        # Judged on the descriptor before io wraps it: io refuses a folder's descriptor with its
        # own IsADirectoryError (and leaves the descriptor open).
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{what}: not a regular file (a FIFO, device, socket or folder)")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > cap:
        raise ConfigError(f"{what}: longer than {cap} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what}: not UTF-8 text (byte {exc.start})") from None
