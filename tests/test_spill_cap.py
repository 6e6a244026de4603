"""The spill journal's cap (`skillevo._spill`) bounds the folder, however many processes append.

The fault: several processes of one library journal during the same outage. Each counted the
folder's bytes once, at its first append, and then only its own: two writers of a folder capped at
4,000 bytes held 8,000 together before either refused (before 2026-12-07: 7,900 bytes, 1.98 times the cap
with two writers, about N times with N). Now each counts the folder again after every sixteenth of the cap it
writes and before it refuses: the folder stays within the cap and one sixteenth per writer.
"""

from __future__ import annotations

from pathlib import Path

from skillevo._spill import Journal


def _same(x: object) -> object:
    return x


def test_two_writers_together_stay_within_the_cap(tmp_path: Path) -> None:
    cap = 4000
    writers = [Journal(tmp_path / "j", _same, _same, cap_bytes=cap) for _ in range(2)]
    record = "x" * 91  # a line of 100 bytes: {"r":"x..."} and its newline
    kept = 0
    for i in range(200):
        kept += writers[i % 2].append(record)
    on_disk = sum(p.stat().st_size for p in (tmp_path / "j").glob("*.jsonl"))
    assert on_disk <= cap + 2 * cap // 16
    assert kept * 100 == on_disk  # what was kept is what the files hold
