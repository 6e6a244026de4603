"""The spill journal: records the write-behind queue cannot hold, kept on disk until the store takes them.

During a long store outage (PostgreSQL away, SQLite locked by another process, a full disk) the
queue fills to its cap; a record past it is appended here instead of being refused. Once a record
is journaled, every later one is too until the journal is written, so records reach the store in
the order they were recorded. Each process appends to its own file (``<pid>-<random>.jsonl``) and
holds an exclusive ``flock`` on it while it lives; a file whose lock can be taken belongs to a
process that ended (a kill, a crash during the outage) and is written by the next process that
opens the same library. Records carry their write keys, so a record written twice (a replay cut
short, two processes taking the same file) is applied once (`skillevo._sql_batch`); progress is
appended as ``{"done": n}`` after each committed chunk, so a replay cut short resumes there and
never rewrites records whose keys the store has since forgotten.

What is journaled is what the store would hold: rows already redacted (`Deferred` records are
built and redacted before they are encoded). The folder is private (0700, files 0600) and bounded
(`cap_bytes` over all its files); a record past the cap, or one the journal cannot write, is
refused as before (counted and reported lost). A line cut short by a crash mid-append is skipped and
reported, never raised. Nothing here raises into the agent's run: `append` returns False instead.

A journal is read back into the library, so only this user's own private journal is trusted: a
folder that is a symbolic link, not a folder, another user's, or writable by others is neither
written nor read (reported once; records past the queue's cap are refused as without a journal), and
a file in it that is a symbolic link, not a plain file, another user's, writable or readable by
others, or linked elsewhere too is left unread and reported. A line is decoded as untrusted input
(`decode` refuses what the queue does not journal: see `skillevo._sql_spill`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

try:
    import fcntl
except ImportError:  # Windows: no flock; only this process's own file is replayed
    fcntl = None  # type: ignore[assignment]

__all__ = ["DEFAULT_CAP_BYTES", "Journal", "journal_folder", "write_each"]

T = TypeVar("T")
_log = logging.getLogger("skillevo")
#: The most bytes a journal folder holds (all processes' files together) before records are refused.
DEFAULT_CAP_BYTES = 256 * 1024 * 1024
_SUFFIX = ".jsonl"


def _foreign(st: os.stat_result, *, folder: bool) -> str | None:
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


_OPEN_OTHER = os.O_RDWR | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def journal_folder(location: str, scope: str | None = None) -> Path | None:
    """Where the journal of the library at `location` lives: ``$SKILLEVO_JOURNAL_DIR/<hash>`` if
    set; next to a SQLite file (``<file>.journal``); for a server, under the user's state folder
    (``$XDG_STATE_HOME/skillevo/journal-<hash>``, keyed by the password-free location and the
    `scope` within it, a PostgreSQL schema: two libraries of one database never share a journal).
    None for an in-memory library (nothing outlives its process)."""
    if location == ":memory:" or not location:
        return None
    # Absolute now: a process that changes its working folder later keeps journaling (and the next
    # process finds the journal) next to the library it opened.
    # process finds the journal) next to the library it opened; a file's key is its absolute path,
    # so two ``lib.db`` of two folders never share a `$SKILLEVO_JOURNAL_DIR` journal.
    return Path(os.path.abspath(_folder(location if "://" in location else os.path.abspath(location), scope)))


def _folder(location: str, scope: str | None) -> Path:
    named = location if scope is None else f"{location}\0{scope}"
    key = hashlib.sha256(named.encode()).hexdigest()[:16]
    configured = os.environ.get("SKILLEVO_JOURNAL_DIR")
    if configured:
        return Path(configured).expanduser() / f"journal-{key}"
    if "://" not in location:
        return Path(f"{location}.journal")
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "skillevo" / f"journal-{key}"


class Journal(Generic[T]):
    """An append-only journal of records, written back by `replay`.

    Args:
        folder: the journal's private folder (made 0700 when first needed).
        encode: a record as a JSON-able object, or None for a record the journal does not keep.
        decode: the inverse of `encode`.
        cap_bytes: the most bytes the folder holds.
    """

    def __init__(
        self, folder: Path, encode: Callable[[T], Any], decode: Callable[[Any], T], *,
        cap_bytes: int = DEFAULT_CAP_BYTES,
    ) -> None:
        self.folder = folder
        self._encode = encode
        self._decode = decode
        self.cap_bytes = cap_bytes
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._pid = os.getpid()
        self._size: int | None = None  # the folder's bytes, as last counted and appended here since
        self._counted = 0  # the folder's bytes when last counted
        self.torn = 0  # lines skipped because a crash cut them short
        self._live: set[Path] = set()  # files a live process holds: it writes them, not this one
        self._reported: set[Path] = set()  # untrusted paths already reported
        #: whether records wait here (this process's, or a file an ended process left)
        self.pending = any(self._others())

    def append(self, record: T) -> bool:
        """Append `record`; False if it was not kept (not encodable, the cap reached, the disk
        refused): the caller refuses it as before. Never raises."""
        try:
            encoded = self._encode(record)
            if encoded is None:
                return False
            line = (json.dumps({"r": encoded}, separators=(",", ":")) + "\n").encode()
        except Exception:
            return False
        with self._lock:
            try:
                fd = self._own()
                # Other processes append to the folder too, and replays empty it: it is counted
                # again after each sixteenth of the cap written here and before a record is refused,
                # so N writers together hold at most the cap and N sixteenths of it.
                if self._size is None or self._size - self._counted > self.cap_bytes // 16:
                    self._size = self._counted = self._folder_bytes()
                if self._size + len(line) > self.cap_bytes:
                    self._size = self._counted = self._folder_bytes()
                    if self._size + len(line) > self.cap_bytes:
                        return False
                if not self._write_all(fd, line):
                    return False
            except OSError as exc:
                _log.error("skillevo: the journal %s cannot be written (%s)", self.folder, exc.strerror or exc)
                return False
            self._size += len(line)
            self.pending = True
        return True

    def _folder_bytes(self) -> int:
        total = 0
        for path in self.folder.glob(f"*{_SUFFIX}"):
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                pass  # written back and deleted meanwhile by another process
        return total

    def _write_all(self, fd: int, data: bytes) -> bool:
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(28, "short write")
        except OSError:
            # A part of the line would glue the next record to it: cut back to the last whole line.
            try:
                os.ftruncate(fd, start)
            except OSError:
                self._close_own()  # a fresh file next time; the torn line is skipped on reading
            raise
        return True

    def _untrusted(self, path: Path, why: str | None) -> bool:
        """Whether `why` names a reason not to trust `path` (reported once per path)."""
        if why is None:
            return False
        if path not in self._reported:
            self._reported.add(path)
            _log.error("skillevo: the journal %s is %s: not trusted, neither written nor read back", path, why)
        return True

    def _folder_trusted(self) -> bool:
        """Whether the folder is this user's private one (missing: made so when first needed)."""
        try:
            st = os.lstat(self.folder)
        except FileNotFoundError:
            return True
        except OSError as exc:
            return not self._untrusted(self.folder, f"unreadable ({exc.strerror or exc})")
        return not self._untrusted(self.folder, _foreign(st, folder=True))

    def _own(self) -> int:
        if self._pid != os.getpid():  # a forked child: the parent's file and lock are the parent's
            self._fd, self._path, self._pid, self._size = None, None, os.getpid(), None
        if self._fd is None:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._folder_trusted():
                raise OSError(1, "not this user's private folder")
            os.chmod(self.folder, 0o700)
            path = self.folder / f"{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._fd, self._path = fd, path
        return self._fd

    def _close_own(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = self._path = None

    def _others(self) -> Iterator[Path]:
        if not self._folder_trusted():
            return
        try:
            found = list(self.folder.glob(f"*{_SUFFIX}"))
        except OSError:
            return
        stamped = []
        for path in found:
            try:  # a file another process wrote back and deleted meanwhile: only it is passed over
                stamped.append((path.stat().st_mtime, path))
            except OSError:
                continue
        stamped.sort(key=lambda item: item[0])
        yield from (p for _, p in stamped if p != self._path)

    def replay(self, write: Callable[[list[T]], None], chunk: int = 500) -> int:
        """Write every journaled record with `write` (a batch, in one transaction), oldest file
        first, then delete what was written; returns how many were written. A file another live
        process holds is left to it. Raises what `write` raises (the rest stays journaled)."""
        written = 0
        for path in list(self._others()):
            written += self._replay_file(path, write, chunk, own=False)
        with self._lock:
            own = self._path if self._pid == os.getpid() else None
        if own is not None:
            written += self._replay_file(own, write, chunk, own=True)
        with self._lock:
            # Another live process's file is its own to write: records here need not wait behind it.
            self.pending = (self._path is not None and self._pid == os.getpid()) or any(
                p not in self._live for p in self._others())
        return written

    def _replay_file(self, path: Path, write: Callable[[list[T]], None], chunk: int, *, own: bool) -> int:
        fd: int | None = None
        if own:
            fd = self._fd
        else:
            try:
                fd = os.open(path, _OPEN_OTHER)  # a symbolic link or a FIFO is refused, never followed
            except FileNotFoundError:
                return 0  # deleted meanwhile by another process's replay
            except OSError as exc:
                self._live.add(path)
                self._untrusted(path, f"unopenable ({exc.strerror or exc}): perhaps a symbolic link")
                return 0
            if self._untrusted(path, _foreign(os.fstat(fd), folder=False)):
                os.close(fd)
                self._live.add(path)  # left where it is: not this journal's to write or delete
                return 0
            if fcntl is None:
                os.close(fd)
                self._live.add(path)  # no flock: whether its process lives cannot be told
                return 0
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                self._live.add(path)
                return 0  # its process is alive and writes it itself
        assert fd is not None
        written = 0
        try:
            while True:
                records, done, unread = self._read(path)
                while done < len(records):
                    part = records[done:done + chunk]
                    write(part)
                    done += len(part)
                    written += len(part)
                    with self._lock:
                        os.write(fd, f'{{"done":{done}}}\n'.encode())
                with self._lock:
                    if own and self._path == path:
                        if len(self._read(path)[0]) > len(records):
                            continue  # appended to while it was written: those too
                        self._close_own()
                        self._size = None
                    if unread:
                        self._set_aside(path, unread)
                    else:
                        path.unlink()
                return written
        finally:
            if not own:
                os.close(fd)

    def _set_aside(self, path: Path, unread: int) -> None:
        """Keep a written file whose `unread` whole lines this version could not take (a newer
        skillevo's records, a corrupt or foreign line) under a name never replayed: not lost."""
        kept = path.with_name(path.name + ".unread")
        try:
            os.replace(path, kept)
        except OSError:
            path.unlink()
            return
        _log.error("skillevo: the journal %s held %d line(s) this version cannot write (a newer skillevo's, or "
                   "not a record the queue journals): kept as %s, the rest written", path, unread, kept.name)

    def _read(self, path: Path) -> tuple[list[T], int, int]:
        """The records of `path`, how many are written (its progress marks), and how many whole
        lines could not be read."""
        records: list[T] = []
        done = 0
        torn = unread = 0
        with open(path, "rb") as f:
            for raw in f:
                try:
                    if not raw.endswith(b"\n"):
                        torn += 1  # cut short by a crash mid-append: nothing to keep
                        continue
                    item = json.loads(raw)
                    if "done" in item:
                        # A mark counts the records before it, never more: one claiming more
                        # (corrupt, foreign) would have the records after it skipped as written.
                        mark = int(item["done"])
                        if not 0 <= mark <= len(records):
                            raise ValueError("a progress mark past its records")
                        done = max(done, mark)
                    else:
                        records.append(self._decode(item["r"]))
                except Exception:  # any line the reader cannot take is skipped, never raised
                    # (an infinite count's OverflowError, a nesting's RecursionError): raised, the
                    # same line would fail every process that opens the library, and lose the rest.
                    unread += 1
        if torn + unread:
            self.torn += torn + unread
            _log.error("skillevo: the journal %s had %d unreadable line(s) (a crash mid-append, or not "
                       "a record the queue journals); skipped", path, torn + unread)
        return records, done, unread


def write_each(
    part: list[T], write: Callable[[list[T]], None], refused: Callable[[BaseException], bool],
    drop: Callable[[BaseException, T], None],
) -> None:
    """`write(part)`; if the store refuses some record's content (`refused`), each record alone,
    those refused dropped (`drop`) and the rest written. Raises what refuses the write itself."""
    try:
        write(part)
    except BaseException as exc:
        if not refused(exc):
            raise
        for record in part:
            try:
                write([record])
            except BaseException as one:
                if not refused(one):
                    raise
                drop(one, record)
