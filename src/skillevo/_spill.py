"""The spill journal: records the write-behind queue cannot hold, kept on disk until the store takes them.

During a store outage (PostgreSQL away, SQLite locked by another process, a full disk) the queue's
records are moved here when a write of them is refused (`WriteBehind`), and so is each record made
until the store takes writes again: a process killed during the outage (SIGKILL) loses none of them.
Once a record is journaled, every later one is too until the journal is written, so records reach
the store in the order they were recorded. A record is on disk (``fsync``; a new file's folder
too) before `append` returns, and so is each progress mark, before the next chunk's transaction
deletes the write keys of the last: a power cut neither loses a journaled record nor has one
written twice. Each process appends to its own file (``<pid>-<random>.jsonl``) and
holds an exclusive ``flock`` on it while it lives (taken before the file gets its name); a file
whose lock can be taken belongs to a process that ended (a kill, a crash during the outage) and is
written by the next process that opens the same library, or by a process open already: each looks
for such files again every `RESCAN_S` seconds. Records carry their write keys, so a record written twice (a replay cut
short, two processes taking the same file) is applied once (`skillevo._sql_batch`); progress is
appended as ``{"done": n}`` after each committed chunk, so a replay cut short resumes there and
never rewrites records whose keys the store has since forgotten. Lines a version cannot write
(another version's records, a corrupt line) are kept alone as ``<name>.jsonl.unread``: each process
that opens the journal tries them once (a later version may read them) and says in one line what
it keeps.

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

import contextlib
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from ._spill_named import contents, made_in, still_named
from ._spill_named import foreign as _foreign
from ._spill_named import sync_folder as _sync_folder
from ._spill_read import LazyFile

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
_UNREAD = ".unread"
#: How often (seconds) a process looks again for files other processes left after it opened the journal.
RESCAN_S = 5.0
CHUNK = 500  # records written back in one transaction, and decoded ahead of a write


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
        kind: a record's kind, as `held_counts` counts them (a noun: "recorded episode").
    """

    def __init__(
        self, folder: Path, encode: Callable[[T], Any], decode: Callable[[Any], T], *,
        cap_bytes: int = DEFAULT_CAP_BYTES, kind: Callable[[T], str] = lambda record: "record",
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
        self._told: set[Path] = set()  # set-aside files already reported kept
        self._dirty = False  # appended without fsync since the last one (`sync`)
        self._kind = kind
        self._held: Counter[str] = Counter()  # this process's own file's records, not written yet, by kind
        #: set-aside files (``.unread``) this process tries once: a later version may read them
        self._stranded = self._unread()
        #: how often (seconds) to look again for files processes that ended since left (None: never)
        self.rescan_s: float | None = RESCAN_S
        self._scanned = time.monotonic()
        self._pending = any(self._others()) or bool(self._stranded)

    @property
    def pending(self) -> bool:
        """Whether records wait here: this process's, a file an ended process left (looked for
        again every `rescan_s`: a process that ends after this one opened leaves one), or a
        set-aside file not tried yet."""
        if not self._pending and self.rescan_s is not None and time.monotonic() - self._scanned >= self.rescan_s:
            self._scanned = time.monotonic()
            self._pending = self._left_by_ended()
        return self._pending

    @pending.setter
    def pending(self, value: bool) -> None:
        self._pending = value

    def _left_by_ended(self) -> bool:
        """Whether a trusted file of another process whose lock can be taken (it ended) is here."""
        if fcntl is None:
            return False
        for path in self._others():
            if path in self._reported:
                continue
            try:
                fd = os.open(path, _OPEN_OTHER)
            except OSError:
                continue
            try:
                if _foreign(os.fstat(fd), folder=False) is not None:
                    continue  # never replayed: reported (once) when a replay meets it
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                continue  # its process lives and writes it itself
            finally:
                os.close(fd)
        return False

    def _unread(self) -> list[Path]:
        if not self._folder_trusted():
            return []
        try:
            return sorted(self.folder.glob(f"*{_SUFFIX}{_UNREAD}"))
        except OSError:
            return []

    def append(self, record: T, *, sync: bool = True) -> bool:
        """Append `record`, on disk (fsync) when it returns True; False if it was not kept (not
        encodable, the cap reached, the disk refused): the caller refuses it as before. Never raises.
        `sync` False: in the OS's cache (a killed process loses nothing) until `sync` is called."""
        return not self.extend([record], sync=sync)

    def sync(self) -> None:
        """Put on disk what `append` left in the OS's cache. Never raises."""
        with self._lock:
            if self._dirty and self._fd is not None and self._pid == os.getpid():
                with contextlib.suppress(OSError):
                    os.fsync(self._fd)
            self._dirty = False

    def extend(self, records: Sequence[T], *, sync: bool = True) -> list[T]:
        """Append `records` in order, on disk (one fsync; `sync` False: see `append`) when it
        returns; the records not kept, in order: those it does not encode, and every one from the
        first past the cap, or all if the disk refused. Never raises."""
        lines: list[bytes | None] = []
        for record in records:
            try:
                encoded = self._encode(record)
                text = None if encoded is None else json.dumps({"r": encoded}, separators=(",", ":")) + "\n"
            except Exception:
                text = None
            lines.append(None if text is None else text.encode())
        encoded_lines = [line for line in lines if line is not None]
        if not encoded_lines:
            return list(records)
        with self._lock:
            try:
                fd = self._own()
                n = self._fitting(encoded_lines)
                if n:
                    n = self._write_all(fd, encoded_lines[:n], sync=sync)
                data = b"".join(encoded_lines[:n])
            except OSError as exc:
                _log.error("skillevo: the journal %s cannot be written (%s)", self.folder, exc.strerror or exc)
                return list(records)
            self._size = (self._size or 0) + len(data)
            if n:
                self._pending = True
            left: list[T] = []
            for record, line in zip(records, lines, strict=True):
                if line is not None and n > 0:
                    n -= 1
                    self._held[self._key(record)] += 1
                else:
                    left.append(record)
        return left

    def held_counts(self) -> dict[str, int]:
        """How many records of each `kind` this process's own file holds, not written yet: counted as
        they are appended and written, so the error of a refused replay rereads nothing."""
        with self._lock:
            return dict(self._held) if self._path is not None and self._pid == os.getpid() else {}

    def _key(self, record: T) -> str:
        try:
            return self._kind(record)
        except Exception:  # a count's wording never fails an append or a replay
            return "record"

    def _unheld(self, part: Sequence[T]) -> None:
        """`part` of this process's own file is written (the lock held)."""
        for record in part:
            key = self._key(record)
            self._held[key] -= 1
            if self._held[key] <= 0:
                del self._held[key]

    def held(self) -> list[T]:
        """The records this process's own file holds, not written yet."""
        with self._lock:
            path = self._path if self._pid == os.getpid() else None
            if path is None:
                return []
            records, done, _ = self._read(path, quiet=True)
        return records[done:]

    def _fitting(self, lines: list[bytes]) -> int:
        """How many of `lines` fit under the cap (the lock held)."""
        # Other processes append to the folder too, and replays empty it: it is counted again
        # after each sixteenth of the cap written here and before a record is refused, so N
        # writers together hold at most the cap and N sixteenths of it.
        if self._size is None or self._size - self._counted > self.cap_bytes // 16:
            self._size = self._counted = self._folder_bytes()
        total = sum(len(line) for line in lines)
        if self._size + total > self.cap_bytes:
            self._size = self._counted = self._folder_bytes()
        room, n = self.cap_bytes - self._size, 0
        for line in lines:
            if len(line) > room:
                break
            room -= len(line)
            n += 1
        return n

    def _folder_bytes(self) -> int:
        total = 0
        for path in [*self.folder.glob(f"*{_SUFFIX}"), *self.folder.glob(f"*{_SUFFIX}{_UNREAD}")]:
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                pass  # written back and deleted meanwhile by another process
        return total

    def _write_all(self, fd: int, lines: list[bytes], *, sync: bool = True) -> int:
        """Append `lines`; how many of them were kept (at least one, else `OSError`): a disk that
        takes part of the data (filling up, a file-size limit) keeps the whole lines it took."""
        start = os.lseek(fd, 0, os.SEEK_END)
        data = b"".join(lines)
        kept = len(lines)
        try:
            written = os.write(fd, data)
            if written != len(data):
                kept, size = 0, 0
                while size + len(lines[kept]) <= written:  # (written < len(data): stops in range)
                    size += len(lines[kept])
                    kept += 1
                if not kept:
                    raise OSError(28, "short write")
                os.ftruncate(fd, start + size)
                _log.error("skillevo: the journal %s took %d of %d records (the disk is full)", self.folder,
                           kept, len(lines))
            if sync:  # acknowledged records survive a power cut, not only a killed process
                os.fsync(fd)
            self._dirty = self._dirty or not sync
        except OSError:
            # A part of the line would glue the next record to it: cut back to the last whole line.
            try:
                os.ftruncate(fd, start)
            except OSError:
                self._close_own()  # a fresh file next time; the torn line is skipped on reading
            raise
        return kept

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
        self._keep_named()
        if self._fd is None:
            made = not os.path.lexists(self.folder)
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._folder_trusted():
                raise OSError(1, "not this user's private folder")
            if made:
                _sync_folder(self.folder.parent)
            name = f"{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
            # Made under a name no reader lists, locked, then named: a file found under a journal
            # name without its lock is one an ended process left, never one being made. The folder
            # judged again where it is used, through one descriptor (a link swapped in is refused).
            lock = None if fcntl is None else lambda fd: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._fd, self._path = made_in(self.folder, name, lock), self.folder / name
        return self._fd

    def _keep_named(self) -> None:
        """This process's file, deleted or replaced under it (its folder removed by a cleaner):
        what the open file holds goes into a new one (the lock held). Before 2026-12-07 appends
        went on into the nameless file and the replay, reading by name, lost every record."""
        old_fd, old_path = self._fd, self._path
        if old_fd is None or old_path is None or still_named(old_fd, old_path):
            return
        data = contents(old_fd)
        self._fd = self._path = None
        try:
            fd = self._own()
            if data:
                self._write_all(fd, [data])  # all or nothing: one part
        except OSError:
            if self._fd is not None:  # the new file, if made, is given up; the old one is kept
                os.close(self._fd)
                with contextlib.suppress(OSError):
                    os.unlink(str(self._path))
            self._fd, self._path = old_fd, old_path
            raise
        os.close(old_fd)
        self._size = None
        _log.warning("skillevo: the journal file %s was deleted or replaced while this process held records "
                     "in it; they are kept in %s", old_path, self._path)

    def _close_own(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = self._path = None
        self._held.clear()  # the records of a file no longer this process's own are not counted

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

    def replay(self, write: Callable[[list[T]], None], chunk: int | None = None) -> int:
        """Write every journaled record with `write` (a batch, in one transaction), oldest file
        first, then delete what was written; returns how many were written. A file another live
        process holds is left to it. Raises what `write` raises (the rest stays journaled)."""
        chunk = chunk or CHUNK
        written = 0
        self._live.clear()  # a process that held its file then may have ended since: tried again
        for path in list(self._others()):
            written += self._replay_file(path, write, chunk, own=False)
        while self._stranded:
            written += self._replay_file(self._stranded[0], write, chunk, own=False)
            self._stranded.pop(0)
        with self._lock:
            if self._pid == os.getpid():
                try:
                    self._keep_named()
                except OSError as exc:
                    _log.error("skillevo: the journal %s cannot be written (%s)", self.folder, exc.strerror or exc)
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
        aside = path.name.endswith(_UNREAD)
        try:
            while True:
                # Decoded as far as it is written: an attempt refused at its first write (each read
                # during an outage makes one) decodes one chunk, not the whole journal.
                lines = LazyFile(path, self._decode)
                try:
                    done = lines.done()
                    while part := lines.part(done, chunk):
                        write(part)
                        done += len(part)
                        written += len(part)
                        with self._lock:
                            # On disk before the next chunk's transaction deletes this one's write
                            # keys: a power cut then never has these records written a second time.
                            os.write(fd, f'{{"done":{done}}}\n'.encode())
                            os.fsync(fd)
                            if own and self._path == path:
                                self._unheld(part)
                    unread = lines.finish()
                finally:
                    self._tell_unread(path, lines.torn + len(lines.unread), quiet=aside)
                with self._lock:
                    if own and self._path == path:
                        if LazyFile(path, self._decode).count > lines.count:
                            continue  # appended to while it was written: those too
                        self._close_own()
                        self._size = None
                    if unread:
                        self._set_aside(path, unread, rewrite=written > 0 or not aside)
                    else:
                        path.unlink()
                        _sync_folder(self.folder)
                return written
        finally:
            if not own:
                os.close(fd)

    def _set_aside(self, path: Path, unread: list[bytes], *, rewrite: bool) -> None:
        """Keep the `unread` whole lines of a written file (another version's records, a corrupt or
        foreign line) as ``<name>.unread``, alone: each process that opens the journal tries
        them once more (a later version may read them), and says in one line what stays."""
        kept = path if path.name.endswith(_UNREAD) else path.with_name(path.name + _UNREAD)
        if rewrite:
            making = path.with_name(f".{kept.name}.{secrets.token_hex(4)}.new")
            try:
                fd = os.open(making, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    self._write_all(fd, [b"".join(unread)])
                finally:
                    os.close(fd)
                os.replace(making, kept)
                if kept != path:
                    path.unlink()
                _sync_folder(self.folder)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(making)
                with contextlib.suppress(OSError):
                    os.replace(path, kept)  # as it is: its written records are marked done
        if kept in self._told:
            return
        self._told.add(kept)
        _log.error("skillevo: the journal %s holds %d line(s) this skillevo cannot write (another version's "
                   "records, or not a record the queue journals): kept as %s, not written; each process that "
                   "opens the library tries them again", path, len(unread), kept.name)

    def _read(self, path: Path, *, quiet: bool = False) -> tuple[list[T], int, list[bytes]]:
        """The records of `path`, how many are written (its progress marks), and the whole lines
        that could not be read (`quiet`: not logged, a set-aside file's are told once)."""
        records: list[T] = []
        done = 0
        torn = 0
        unread: list[bytes] = []
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
                    unread.append(raw)
        self._tell_unread(path, torn + len(unread), quiet=quiet)
        return records, done, unread

    def _tell_unread(self, path: Path, n: int, *, quiet: bool) -> None:
        if n and not quiet:
            self.torn += n
            _log.error("skillevo: the journal %s had %d unreadable line(s) (a crash mid-append, or not "
                       "a record the queue journals); skipped", path, n)


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
