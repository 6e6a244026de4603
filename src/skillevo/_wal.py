"""Committed transactions a damaged write-ahead log would drop without a word, found at open.

SQLite replays a library's ``-wal`` file when the first connection opens it after a crash, and
stops at the first frame whose checksum fails: every transaction after it is left out, silently,
and overwritten by the next writes. What was committed and is being dropped is known two ways
(https://www.sqlite.org/walformat.html):

- the WAL index (``-shm``) the last writer left says how many frames it had committed; after
  SQLite's recovery rebuilt the index from the log, fewer frames of the same log (same salts) means
  committed frames were lost (a truncated log, a damaged frame);
- past the last frame recovery kept, a frame of the same log that ends a transaction (a commit
  frame) and is not merely the log's last, cut-off write, is a committed transaction dropped.

Such a log is copied aside (``<file>-wal.damaged``) before anything can overwrite it, and one
warning says what is lost; the library opens with what came before. The check runs only when this
open is the one that runs recovery: no other process has the file open (the WAL index's
dead-man-switch byte is unlocked) and no library of this process has it open.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IndexHeader", "index_header", "keep_damaged_log", "lost_frames", "recovery_owner"]

_log = logging.getLogger("skillevo")

_WAL_HEADER = 32
_FRAME_HEADER = 24
_MAGIC = (0x377F0682, 0x377F0683)  # checksums in little-endian, big-endian words
_DMS_BYTE = 128  # WALINDEX_LOCK_OFFSET (120) + SQLITE_SHM_NLOCK (8): held shared by every open connection
_INDEX_HEADER = 48  # written twice, one copy after the other


@dataclass(frozen=True)
class IndexHeader:
    """What the WAL index says of the log: frames committed, page size, the log's salts."""

    frames: int
    page_size: int
    salts: bytes
    checksum: tuple[int, int]  # of the last committed frame: where the next frame's chain starts
    big_endian: bool


def _flock(kind: int, start: int) -> bytes:
    if sys.platform.startswith("linux"):
        return struct.pack("hhqqi4x", kind, os.SEEK_SET, start, 1, 0)
    return struct.pack("qqihh", start, 1, 0, kind, os.SEEK_SET)  # the BSDs, macOS


def _locked_elsewhere(shm: Path) -> bool | None:
    """Whether another process holds a lock on the index's dead-man-switch byte (has the library
    open); None when that cannot be told here."""
    if not (sys.platform.startswith("linux") or sys.platform == "darwin"):
        return None
    try:
        fd = os.open(shm, os.O_RDONLY)
    except OSError:
        return None
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, _flock(fcntl.F_WRLCK, _DMS_BYTE))
    except OSError:
        return None
    finally:
        os.close(fd)
    kind = struct.unpack("h", answer[:2])[0] if sys.platform.startswith("linux") else struct.unpack("qqihh", answer)[3]
    return bool(kind != fcntl.F_UNLCK)


def recovery_owner(path: Path) -> bool:
    """Whether opening `path` now makes this process the one that replays its log (nobody else has
    the library open). The caller makes sure no connection of its own process has it open: closing
    any descriptor of the index would drop such a connection's locks."""
    shm = Path(f"{path}-shm")
    if not shm.exists():
        return True
    return _locked_elsewhere(shm) is False


def index_header(path: Path) -> IndexHeader | None:
    """The WAL index's header, when both of its copies agree and it is initialised."""
    try:
        with open(f"{path}-shm", "rb") as fh:
            raw = fh.read(2 * _INDEX_HEADER)
    except OSError:
        return None
    if len(raw) < 2 * _INDEX_HEADER or raw[:_INDEX_HEADER] != raw[_INDEX_HEADER:]:
        return None
    _version, _unused, _change, init, big, size, frames = struct.unpack("=IIIBBHI", raw[:20])
    if not init:
        return None
    c1, c2 = struct.unpack("=II", raw[24:32])
    return IndexHeader(frames, 65536 if size == 1 else size, raw[32:40], (c1, c2), bool(big))


def _checksum(data: bytes, seed: tuple[int, int], big_endian: bool) -> tuple[int, int]:
    s0, s1 = seed
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


@dataclass(frozen=True)
class Lost:
    """Committed transactions (commit frames) and frames the replay leaves out."""

    transactions: int
    frames: int
    offset: int  # the byte of the log where the first frame left out starts


def lost_frames(path: Path, before: IndexHeader | None) -> Lost | None:
    """What of `path`'s log, just replayed (the index rebuilt), was committed and is left out.
    `before`: the index header the last writer left, read before the replay."""
    after = index_header(path)
    if after is None:
        return None
    try:
        with open(f"{path}-wal", "rb") as fh:
            if os.fstat(fh.fileno()).st_size < _WAL_HEADER:
                return None
            # Mapped, not read: a log that checkpoints could not fold in may be large.
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as log:
                return _lost(log, before, after)
    except (OSError, ValueError):
        return None


def _lost(log: mmap.mmap, before: IndexHeader | None, after: IndexHeader) -> Lost | None:
    frame_size = _FRAME_HEADER + after.page_size
    start = _WAL_HEADER + after.frames * frame_size
    if before is not None and before.salts == after.salts and before.frames > after.frames:
        # The last writer had committed these frames; some no longer replay (cut off or damaged).
        present = max(0, (len(log) - start) // frame_size)
        found = _commits(log, start, frame_size, min(present, before.frames - after.frames), after.salts)
        return Lost(max(found, 1), before.frames - after.frames, start)
    (magic,) = struct.unpack(">I", log[:4])
    # A damaged header drops the whole log: its frames then name their log by the first one's salts.
    salts = log[16:24] if magic in _MAGIC else log[_WAL_HEADER + 8 : _WAL_HEADER + 16]
    count = (len(log) - start) // frame_size  # complete frames past the replayed ones
    ours = [i for i in range(count) if log[start + i * frame_size + 8 : start + i * frame_size + 16] == salts]
    if not ours:
        return None
    commits = [i for i in ours if _is_commit(log, start + i * frame_size)]
    if not commits:
        return None  # a transaction a crash cut off before its commit: never committed
    if commits == [ours[-1]] and _only_last_fails(log, start, frame_size, ours, after):
        return None  # the log's last write, cut off half-way by a crash: its commit never returned
    return Lost(len(commits), commits[-1] + 1, start)


def _is_commit(log: mmap.mmap, at: int) -> bool:
    (size,) = struct.unpack(">I", log[at + 4 : at + 8])
    return bool(size != 0)


def _commits(log: mmap.mmap, start: int, frame_size: int, count: int, salts: bytes) -> int:
    found = 0
    for i in range(count):
        at = start + i * frame_size
        if log[at + 8 : at + 16] == salts and _is_commit(log, at):
            found += 1
    return found


def _only_last_fails(log: mmap.mmap, start: int, frame_size: int, ours: list[int], after: IndexHeader) -> bool:
    """Whether the frames past the replayed ones chain their checksums right up to the last one,
    and only that one fails (what a write cut off between a frame's header and its page leaves)."""
    if ours != list(range(len(ours))):
        return False
    seed = after.checksum
    for i in ours:
        at = start + i * frame_size
        seed = _checksum(log[at : at + 8], seed, after.big_endian)
        seed = _checksum(log[at + _FRAME_HEADER : at + frame_size], seed, after.big_endian)
        stored = struct.unpack(">II", log[at + 16 : at + 24])
        if seed != stored:
            return i == ours[-1]
    return False  # every frame is valid: nothing SQLite would drop (it replayed them)


def keep_damaged_log(path: Path, lost: Lost) -> None:
    """Copy `path`'s log aside and say, in one warning, what its replay leaves out."""
    wal = Path(f"{path}-wal")
    copy = Path(f"{wal}.damaged")
    n = 1
    while copy.exists():
        n += 1
        copy = Path(f"{wal}.damaged{n}")
    try:
        shutil.copyfile(wal, copy)
        kept = f"the log as found is kept in {copy.name}"
    except OSError as exc:
        kept = f"the log could not be copied aside ({exc.strerror or exc})"
    _log.warning(
        "%s: its write-ahead log is damaged or cut short at byte %d: %d committed page write(s), "
        "at least %d transaction(s), after it cannot be replayed and are not in the library; what "
        "came before is kept; %s",
        path, lost.offset, lost.frames, lost.transactions, kept,
    )
