"""Reading an untrusted skill folder: files, YAML front matter and JSON, each bounded.

A skill folder comes from someone else (a download, a pull request, another team's export), so
reading it must not be a way out of it or a way to stall the importer:

* nothing is read through a link that leaves the folder (a ``SKILL.md`` or ``repair.py`` that is
  a symlink to ``~/.aws/credentials``), nor from a file with other hard links (its content may
  belong to a file outside), nor from anything that is not a regular file (a FIFO would block);
* every file has a size cap, and a folder a cap on its files, on its entries of any kind (links
  and folders too) and on its depth; a link's target is found by the kernel (at most 40 hops),
  never by following a chain link by link;
* text must be UTF-8 without NUL bytes (binary junk gets a one-line error);
* YAML is loaded by a safe loader that refuses aliases and anchors (a few hundred bytes of
  nested aliases expand to gigabytes), explicit tags (``!!python/object``), duplicate keys and
  deep nesting; JSON refuses duplicate keys, ``NaN`` and numbers too large to be finite (``1e999``).

Every refusal is a one-line `SkillFormatError` naming the file.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._errors import SkillFormatError

__all__ = ["SkillFolder", "load_front_matter", "load_json", "read_skill_folder", "split_front_matter"]

#: What skillevo reads from a folder, and the cap on each (bytes).
READ_CAPS: dict[str, int] = {
    "SKILL.md": 256 * 1024,
    "skillevo.json": 256 * 1024,
    "repair.json": 64 * 1024,
    "repair.py": 64 * 1024,
}
SCRIPT_CAP = 64 * 1024  # each scripts/*.py
FILE_CAP = 8 * 1024 * 1024  # any other file (references/, assets/: listed, never read)
FOLDER_CAP = 32 * 1024 * 1024  # all files of one skill together
MAX_FILES = 256
# Links and folders cost a stat each (a link also a kernel lookup) and were bounded by nothing.
MAX_ENTRIES = 4 * MAX_FILES
MAX_DEPTH = 8
MAX_SCRIPTS = 32
FRONT_MATTER_CAP = 32 * 1024
YAML_MAX_DEPTH = 16
YAML_MAX_NODES = 2000


@dataclass(frozen=True)
class SkillFolder:
    """The files of one skill folder that skillevo reads, as text, and the list of all its files.

    Attributes:
        path: the folder.
        texts: relative POSIX path -> text, for ``SKILL.md``, ``skillevo.json``, ``repair.json``,
            ``repair.py`` and ``scripts/*.py`` when present.
        listing: every regular file's relative POSIX path (references and assets are listed, not read).
    """

    path: Path
    texts: dict[str, str]
    listing: tuple[str, ...]


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW


def _wanted(rel: str) -> int | None:
    """The size cap of a file skillevo reads, or None for a file it only lists."""
    if rel in READ_CAPS:
        return READ_CAPS[rel]
    parts = rel.split("/")
    if len(parts) == 2 and parts[0] == "scripts" and parts[1].endswith(".py"):
        return SCRIPT_CAP
    return None


def read_skill_folder(folder: Path) -> SkillFolder:
    """Read one skill folder under the rules above. Raises `SkillFormatError`."""
    where = str(folder)
    try:
        if folder.is_symlink():
            raise SkillFormatError(where, None, "the skill folder is a symbolic link: refused")
        # The folder itself, pinned by identity: one swapped for a link after the check above fails
        # to open (O_NOFOLLOW), and one swapped later is a different inode (checked at every open).
        fd = os.open(folder, _DIR_FLAGS)
        try:
            pinned = _identity(os.fstat(fd))
        finally:
            os.close(fd)
        root = os.path.realpath(folder)
        if _identity(os.stat(root)) != pinned:
            raise SkillFormatError(where, None, "the skill folder changed while it was read: refused")
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(folder):
            raise SkillFormatError(where, None, "the skill folder is a symbolic link: refused") from None
        raise SkillFormatError(where, None, f"cannot read: {exc.strerror or exc}") from None
    listing: list[str] = []
    texts: dict[str, str] = {}
    inside: set[tuple[int, int]] = {pinned}
    links: list[tuple[str, str, bool]] = []
    total = 0
    entries_seen = 0
    scripts = 0
    pending: list[tuple[str, int]] = [("", 0)]
    while pending:
        rel_dir, depth = pending.pop()
        entries: list[os.DirEntry[str]] = []
        try:
            with os.scandir(os.path.join(root, rel_dir)) as listed:
                for entry in listed:
                    entries_seen += 1
                    if entries_seen > MAX_ENTRIES:
                        raise SkillFormatError(where, None, f"more than {MAX_ENTRIES} entries (files, folders, links)")
                    entries.append(entry)
        except OSError as exc:
            raise SkillFormatError(os.path.join(where, rel_dir), None, f"cannot list: {exc.strerror or exc}") from None
        entries.sort(key=lambda e: e.name)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            shown = os.path.join(where, rel)
            if not entry.name.isprintable():
                raise SkillFormatError(where, None, f"a file name with control characters: {entry.name!r}")
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                # Judged once every entry is known: a link may point at a sibling listed after it.
                links.append((entry.path, shown, _wanted(rel) is not None))
                continue  # a link to a sibling is listed by its target, never followed
            inside.add(_identity(info))
            if stat.S_ISDIR(info.st_mode):
                if depth + 1 >= MAX_DEPTH:
                    raise SkillFormatError(shown, None, f"folders nested deeper than {MAX_DEPTH} levels")
                pending.append((rel, depth + 1))
                continue
            if not stat.S_ISREG(info.st_mode):
                raise SkillFormatError(shown, None, "not a regular file (device, FIFO or socket): refused")
            listing.append(rel)
            if len(listing) > MAX_FILES:
                raise SkillFormatError(where, None, f"more than {MAX_FILES} files in one skill folder")
            total += info.st_size
            if info.st_size > FILE_CAP or total > FOLDER_CAP:
                raise SkillFormatError(shown, None, f"files larger than {FOLDER_CAP // (1024 * 1024)} MiB in all")
            cap = _wanted(rel)
            if cap is None:
                continue
            if rel.startswith("scripts/"):
                scripts += 1
                if scripts > MAX_SCRIPTS:
                    raise SkillFormatError(shown, None, f"more than {MAX_SCRIPTS} scripts")
            texts[rel] = _read_text(root, rel, shown, cap, pinned)
    for path, shown, read in links:
        _check_link(path, shown, inside)
        if read:
            raise SkillFormatError(shown, None, "a symbolic link where skillevo reads a file: refused")
    return SkillFolder(Path(folder), texts, tuple(sorted(listing)))


def _check_link(path: str, shown: str, inside: set[tuple[int, int]]) -> None:
    """Refuse a link whose target is not a file or folder of the skill folder itself.

    The kernel resolves the link (at most 40 hops, ELOOP past them) and the target is judged by
    identity, not by its path: ``os.path.realpath`` followed a chain link by link, recursively, so
    1,200 chained links raised ``RecursionError`` and a few chains of 900 took seconds each.
    """
    try:
        target = os.stat(path)
    except OSError:
        raise SkillFormatError(shown, None, "a symbolic link that leads nowhere or loops: refused") from None
    if _identity(target) not in inside:
        raise SkillFormatError(shown, None, "a symbolic link leaving the skill folder: refused")


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _open_inside(root: str, rel: str, pinned: tuple[int, int] | None = None) -> int:
    """Open `rel` under `root` one component at a time, following no link at any level.

    The listing checked each entry, but a folder can be swapped for a link after it was listed:
    opening relative to each parent's descriptor with ``O_NOFOLLOW`` leaves no such window.
    """
    dir_flags = _DIR_FLAGS
    fd = os.open(root, dir_flags)
    try:
        if pinned is not None and _identity(os.fstat(fd)) != pinned:
            raise OSError(errno.ESTALE, "the skill folder changed while it was read")
        parts = rel.split("/")
        for part in parts[:-1]:
            inner = os.open(part, dir_flags, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)


def _read_text(root: str, rel: str, shown: str, cap: int, pinned: tuple[int, int] | None = None) -> str:
    try:
        fd = _open_inside(root, rel, pinned)
    except OSError as exc:
        raise SkillFormatError(shown, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        # Checked again on the open file: it may have been swapped since the listing.
        if not stat.S_ISREG(info.st_mode):
            raise SkillFormatError(shown, None, "not a regular file: refused")
        if info.st_nlink > 1:
            raise SkillFormatError(shown, None, "a file with other hard links (its content may be another file's)")
        if info.st_size > cap:
            raise SkillFormatError(shown, None, f"larger than {cap // 1024} KiB")
        data = os.read(fd, cap + 1)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise SkillFormatError(shown, None, f"larger than {cap // 1024} KiB")
    if b"\x00" in data:
        raise SkillFormatError(shown, None, "binary content (NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SkillFormatError(shown, None, "not UTF-8 text") from None
    return text.removeprefix("\ufeff")


# --------------------------------------------------------------------------- YAML


class _Refused(yaml.YAMLError):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases, anchors, explicit tags, duplicate keys and deep or large documents."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("YAML aliases are not accepted")
        if getattr(event, "anchor", None) is not None:
            raise _Refused("YAML anchors are not accepted")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise _Refused(f"explicit YAML tags are not accepted ({tag})")
        self._nodes += 1
        if self._nodes > YAML_MAX_NODES:
            raise _Refused(f"more than {YAML_MAX_NODES} YAML nodes")
        self._depth += 1
        try:
            if self._depth > YAML_MAX_DEPTH:
                raise _Refused(f"YAML nested deeper than {YAML_MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise _Refused("a mapping key that is not a plain value") from None
            if duplicate:
                raise _Refused(f"duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def split_front_matter(text: str, path: str) -> tuple[str, str]:
    """``(front matter YAML, Markdown body)`` of a SKILL.md. Raises `SkillFormatError`."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SkillFormatError(path, "front matter", "must start with a '---' line")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise SkillFormatError(path, "front matter", "no closing '---' line")
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :])


def load_front_matter(source: str, path: str) -> dict[str, Any]:
    """The front matter as a mapping, loaded under the bounds above. Raises `SkillFormatError`."""
    if len(source) > FRONT_MATTER_CAP:
        raise SkillFormatError(path, "front matter", f"longer than {FRONT_MATTER_CAP // 1024} KiB")
    try:
        data = yaml.load(source, Loader=_BoundedLoader)
    except _Refused as exc:
        raise SkillFormatError(path, "front matter", f"refused: {exc}") from None
    except yaml.YAMLError as exc:
        first = " ".join(str(exc).split())[:160]
        raise SkillFormatError(path, "front matter", f"invalid YAML: {first}") from None
    except RecursionError:
        raise SkillFormatError(path, "front matter", "refused: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value YAML resolves but cannot build (2024-13-45)
        raise SkillFormatError(path, "front matter", f"invalid value: {' '.join(str(exc).split())[:160]}") from None
    if not isinstance(data, dict):
        raise SkillFormatError(path, "front matter", "must be a YAML mapping")
    return data


def load_json(text: str, path: str, field: str | None = None) -> Any:
    """Strict JSON: no duplicate keys, no NaN/Infinity. Raises `SkillFormatError` (naming `field`)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise SkillFormatError(path, field, f"duplicate key {key!r}")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise SkillFormatError(path, field, f"{name} is not a JSON number")

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):  # 1e999: NaN and Infinity by another spelling
            raise SkillFormatError(path, field, f"{literal[:40]} is not a finite number")
        return value

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=number)
    except ValueError as exc:
        if isinstance(exc, SkillFormatError):
            raise
        raise SkillFormatError(path, field, f"invalid JSON: {' '.join(str(exc).split())[:160]}") from None
    except RecursionError:
        raise SkillFormatError(path, field, "refused: JSON nested too deeply") from None
