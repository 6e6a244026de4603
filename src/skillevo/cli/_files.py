"""Report files the CLI writes, whole or not at all.

``skillevo diff --out report.md --html report.html`` wrote each file in place: a write that failed
part way (a full disk, a file size limit, Ctrl-C) left a truncated report where the previous one
was, which a nightly job then mailed as the day's review (before 2026-12-07: the old report gone,
1,000 of its new bytes kept, under a 1,000-byte size limit). Each file is now written beside its
place under a temporary name and renamed over it once complete; a failure removes the temporary
file and leaves the previous report as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_whole"]


def write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8) in one rename: `path` holds the old content or the new, whole."""
    folder = path.parent
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if path.exists():  # (keep the permissions a person gave the report it replaces)
            with contextlib.suppress(OSError):
                os.chmod(temp, path.stat().st_mode & 0o7777)
        else:
            with contextlib.suppress(OSError):
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
