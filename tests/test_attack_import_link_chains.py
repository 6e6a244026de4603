"""Symbolic links and folders in an imported skill folder are bounded like its files (attack32).

Before 2026-12-07 only regular files counted against the folder's bound, and each link's target was
found with ``os.path.realpath``, which follows a chain link by link, recursively: a chain of 1,200
links to ``SKILL.md`` raised ``RecursionError`` out of ``import_skills`` (a traceback from
``skillevo import``), and five chains of 900 held the importer 22 s (quadratic in a chain's length,
linear in their number, no bound on either).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skillevo import SkillFormatError
from skillevo._skillfs import MAX_ENTRIES, read_skill_folder
from skillevo._skillimport import read_skill_folders

_SKILL = "---\nname: {name}\ndescription: Use when a refund fails.\n---\nRetry the refund with the order id.\n"


def _folder(tmp_path: Path, name: str = "linked-skill") -> Path:
    folder = tmp_path / "pack" / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(_SKILL.format(name=name))
    return folder


def _chain(folder: Path, length: int, prefix: str = "l", end: str = "SKILL.md") -> None:
    for i in range(length):
        os.symlink(f"{prefix}{i + 1:05d}" if i + 1 < length else end, folder / f"{prefix}{i:05d}")


def test_a_long_chain_of_links_is_a_format_error_not_a_recursion_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _chain(folder, 1200)
    with pytest.raises(SkillFormatError, match="link"):
        read_skill_folders(folder.parent)


def test_a_link_looping_on_itself_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    os.symlink("loop", folder / "loop")
    with pytest.raises(SkillFormatError, match="link"):
        read_skill_folder(folder)


def test_links_and_folders_count_against_the_folder_bound(tmp_path: Path) -> None:
    links = _folder(tmp_path, "many-links")
    for i in range(MAX_ENTRIES + 1):
        os.symlink("SKILL.md", links / f"x{i:05d}")
    with pytest.raises(SkillFormatError, match="entries"):
        read_skill_folder(links)
    folders = _folder(tmp_path, "many-folders")
    for i in range(MAX_ENTRIES + 1):
        (folders / f"d{i:05d}").mkdir()
    with pytest.raises(SkillFormatError, match="entries"):
        read_skill_folder(folders)


def test_links_inside_the_folder_are_still_listed_by_their_target(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "references").mkdir()
    (folder / "references" / "guide.md").write_text("how to\n")
    os.symlink("references/guide.md", folder / "guide.md")
    os.symlink("references", folder / "docs")
    _chain(folder, 30, end="references/guide.md")
    contents = read_skill_folder(folder)
    assert contents.listing == ("SKILL.md", "references/guide.md")


def test_a_link_leaving_the_folder_is_still_refused_however_it_gets_there(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("key\n")
    folder = _folder(tmp_path)
    _chain(folder, 5, end="../../secret.txt")
    with pytest.raises(SkillFormatError, match="leaving"):
        read_skill_folder(folder)
    other = _folder(tmp_path, "parent-link")
    os.symlink("..", other / "up")
    with pytest.raises(SkillFormatError, match="leaving"):
        read_skill_folder(other)


def test_loose_entries_in_the_import_folder_count_against_its_bound(tmp_path: Path) -> None:
    """Before 2026-12-07 only folders were counted: 100,000 empty files beside one skill folder were
    listed, sorted and each checked twice (13 s), then the skill imported; the entries cost as much."""
    from skillevo._skillimport import MAX_ENTRIES as ROOT_ENTRIES

    folder = _folder(tmp_path)
    for i in range(ROOT_ENTRIES + 1):
        (folder.parent / f"loose{i:05d}.txt").touch()
    with pytest.raises(SkillFormatError, match="entries"):
        read_skill_folders(folder.parent)


def test_an_import_folder_with_a_few_loose_files_still_imports(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder.parent / "README.md").write_text("skills\n")
    (folder.parent / "LICENSE").write_text("MIT\n")
    assert [doc.name for doc in read_skill_folders(folder.parent)] == ["linked-skill"]
