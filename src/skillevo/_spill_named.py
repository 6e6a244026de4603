"""A journal's files on disk: whether one is this user's private one, still where its process put
it, what an open one holds; a folder synced.

A process appends to its own journal file through a descriptor it keeps open. Something else may
remove the file's name meanwhile (the folder deleted by a tmp cleaner or an operator, the file
replaced): appends still succeed, into a file no name reaches, and the replay, which reads the
file by its name, finds nothing. `skillevo._spill.Journal` checks the name before it uses the file
and, when the name is gone, makes a new file from what the open one holds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

__all__ = ["contents", "foreign", "made_in", "still_named", "sync_folder"]

#: Folders opened as descriptors, files made relative to them (not on Windows).
_DIR_FDS = hasattr(os, "O_DIRECTORY") and hasattr(os, "O_NOFOLLOW") and os.open in os.supports_dir_fd

_BLOCK = 1 << 20


def still_named(fd: int, path: Path) -> bool:
    """Whether `path` names the open file `fd` (neither deleted nor replaced; a link is not it)."""
    try:
        named = os.lstat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def contents(fd: int) -> bytes:
    """Everything the open file `fd` holds, read by offset (its own position is left alone)."""
    blocks: list[bytes] = []
    offset = 0
    while block := os.pread(fd, _BLOCK, offset):
        blocks.append(block)
        offset += len(block)
    return b"".join(blocks)


def foreign(st: os.stat_result, *, folder: bool) -> str | None:
    """Why the file or folder `st` (an lstat) is not this user's private journal's, or None."""
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link"
    if not (stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)):
        return "not a folder" if folder else "not a plain file"
    euid = getattr(os, "geteuid", lambda: None)()
    if euid is not None and st.st_uid != euid:
        return f"owned by another user (uid {st.st_uid})"
    if st.st_mode & (0o022 if folder else 0o077):
        return f"open to other users (mode {stat.S_IMODE(st.st_mode):o})"
    if not folder and st.st_nlink > 1:
        return "linked elsewhere too"
    return None


def made_in(folder: Path, name: str, lock: Callable[[int], None] | None) -> int:
    """A new private file `name` in `folder`, open for appends: made under a hidden name, `lock`ed,
    then named. The folder is opened once without following a link, judged (`foreign`), made 0700
    and written through that descriptor: before 2026-12-08 each step went by the folder's name, and
    a folder swapped for a link after its check had the link's target made 0700 and the file put
    there (see tests/test_spill_folder_swapped.py)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_EXCL
    making = f".{name}.new"
    if not _DIR_FDS:  # (Windows: by name, as it can)
        fd = os.open(folder / making, flags, 0o600)
        os.rename(folder / making, folder / name)
        return fd
    dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        why = foreign(os.fstat(dfd), folder=True)
        if why is not None:
            raise OSError(errno.EPERM, f"the journal folder {folder} is {why}")
        os.fchmod(dfd, 0o700)
        fd = os.open(making, flags, 0o600, dir_fd=dfd)
        try:
            if lock is not None:
                lock(fd)
            os.rename(making, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except OSError:
            os.close(fd)
            raise
        with contextlib.suppress(OSError):
            os.fsync(dfd)  # (its new name survives a power cut)
        return fd
    finally:
        os.close(dfd)


def sync_folder(folder: Path) -> None:
    """fsync `folder`: a file made, renamed or deleted in it stays so through a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # no folder descriptors here (Windows): the file's own fsync is what there is
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
