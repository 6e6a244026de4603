"""`skillevo migrate SRC DST`: copy a library between SQLite and PostgreSQL, verified by counts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .._library import SkillLibrary, library_exists
from .._redaction import mask_url
from ._common import console, fail, usage

__all__ = ["migrate", "register"]


def _counts(lib: SkillLibrary) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in lib.dump():
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def migrate(
    src: Annotated[str, typer.Argument(help="Library to copy from (file path or postgresql:// URL).")],
    dst: Annotated[str, typer.Argument(help="Empty library to copy into (file path or postgresql:// URL).")],
) -> None:
    """Copy every skill, version, posterior, episode and event from SRC into the empty DST.

    The copy keeps ids and timestamps, runs in one transaction on DST, and is verified by comparing
    the record counts of both sides afterwards.
    """
    if src == dst:
        raise usage("SRC and DST are the same library", "migrate")
    if not library_exists(src):
        # A typo in SRC would otherwise make an empty library there and copy it, and say "verified".
        raise fail(f"no skill library at {mask_url(src)}: SRC must be an existing library")
    with SkillLibrary(src) as source, SkillLibrary(dst) as target:
        copied = target.load(source.dump())
        expected = _counts(source)
        actual = _counts(target)
    table = Table(title=f"{mask_url(src)} -> {mask_url(dst)}")
    for col in ("records", "source", "copied", "in destination"):
        table.add_column(col)
    kinds = sorted(set(expected) | set(actual))
    for kind in kinds:
        table.add_row(kind, str(expected.get(kind, 0)), str(copied.get(kind, 0)), str(actual.get(kind, 0)))
    console.print(table)
    if expected != actual:
        raise fail("verification failed: the destination's counts differ from the source's (see the table)")
    console.print(f"verified: {sum(actual.values())} records copied", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add `migrate` to `app`."""
    app.command("migrate")(migrate)
