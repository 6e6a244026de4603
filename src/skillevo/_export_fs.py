"""Writing export files into a folder that someone else may have prepared.

`skillevo export DIR` often targets a folder the user did not make alone: a shared checkout, a
pulled repository, the folder an import came from. An entry planted there (``SKILL.md`` linked to
``~/.bashrc``, a skill folder linked elsewhere, a hard link of a file outside, a FIFO) must never
make the export write through it, truncate what it points to, or block. So every folder below DIR
is opened relative to its parent without following a link and pinned by descriptor, and every
file is written to a fresh private name and renamed over its place: the rename replaces the planted
entry itself (the link, the hard link's name, the FIFO), never what it points to.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ._errors import LibraryError

__all__ = ["ExportFolder"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _refuse(shown: Path, why: str) -> LibraryError:
    return LibraryError(f"export refused: {shown} {why}; nothing was written there (move it away and export again)")


class ExportFolder:
    """A folder under the export root, opened without following links; a context manager."""

    def __init__(self, fd: int, shown: Path) -> None:
        self._fd = fd
        self.shown = shown

    @classmethod
    def root(cls, directory: Path) -> ExportFolder:
        """The folder the user named (made if missing; a link the user named is theirs to follow)."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            return cls(os.open(directory, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)), directory)
        except OSError as exc:
            raise _refuse(directory, f"cannot be used as a folder ({exc.strerror or exc})") from None

    def folder(self, name: str) -> ExportFolder:
        """The sub-folder `name` (one path component), made if missing; never through a link."""
        shown = self.shown / name
        try:
            os.mkdir(name, 0o777, dir_fd=self._fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise _refuse(shown, f"cannot be made ({exc.strerror or exc})") from None
        try:
            return ExportFolder(os.open(name, _DIR_FLAGS, dir_fd=self._fd), shown)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise _refuse(shown, "is a link or not a folder") from None
            raise _refuse(shown, f"cannot be opened ({exc.strerror or exc})") from None

    def existing(self, name: str) -> ExportFolder | None:
        """The sub-folder `name` if it is one (not a link); None otherwise. Nothing is made."""
        try:
            return ExportFolder(os.open(name, _DIR_FLAGS, dir_fd=self._fd), self.shown / name)
        except OSError:
            return None

    def has_file(self, name: str) -> bool:
        """Whether `name` is a plain file here (not a link, not a folder)."""
        try:
            return stat.S_ISREG(os.stat(name, dir_fd=self._fd, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def write(self, name: str, content: str) -> None:
        """Put `content` at `name` (one component): a fresh file renamed over whatever entry was there."""
        temp = f".{name}.skillevo-{os.getpid()}-{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(temp, _NEW_FILE_FLAGS, 0o644, dir_fd=self._fd)
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                    handle.write(content)
                if self._is_folder(name):
                    raise _refuse(self.shown / name, "is a folder")
                os.replace(temp, name, src_dir_fd=self._fd, dst_dir_fd=self._fd)
            except BaseException:
                try:
                    os.unlink(temp, dir_fd=self._fd)
                except OSError:
                    pass
                raise
        except OSError as exc:
            raise _refuse(self.shown / name, f"cannot be written ({exc.strerror or exc})") from None

    def write_path(self, parts: tuple[str, ...], content: str) -> None:
        """`write` at a relative path given as components, its folders made (never through a link)."""
        if len(parts) == 1:
            self.write(parts[0], content)
            return
        with self.folder(parts[0]) as sub:
            sub.write_path(parts[1:], content)

    def remove_path(self, parts: tuple[str, ...]) -> None:
        """`remove` at a relative path given as components; nothing is made, no link followed."""
        if len(parts) == 1:
            self.remove(parts[0])
            return
        try:
            fd = os.open(parts[0], _DIR_FLAGS, dir_fd=self._fd)
        except OSError:
            return  # absent, a link or not a folder: nothing of the export's own to remove there
        with ExportFolder(fd, self.shown / parts[0]) as sub:
            sub.remove_path(parts[1:])

    def remove(self, name: str) -> None:
        """Remove the file or link `name` if present (a folder of that name is left alone)."""
        try:
            if not self._is_folder(name):
                os.unlink(name, dir_fd=self._fd)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _refuse(self.shown / name, f"cannot be removed ({exc.strerror or exc})") from None

    def _is_folder(self, name: str) -> bool:
        try:
            return stat.S_ISDIR(os.stat(name, dir_fd=self._fd, follow_symlinks=False).st_mode)
        except FileNotFoundError:
            return False

    def close(self) -> None:
        """Release the folder's descriptor."""
        os.close(self._fd)

    def __enter__(self) -> ExportFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
