"""``skillevo review mode``: read or change the library's review mark (docs/review.md).

Changing the mark is a person's decision (`set_review_mode`): ``--reason`` is required, and the
change is a ``review`` event in the library's log with the reviewer and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConfigError
from .._redaction import mask_url
from ._common import DbOption, JsonOption, usage
from ._render import emit_json, stdout_console

__all__ = ["register"]

_COMMAND = "review mode"


def review_mode(
    ctx: typer.Context,
    mode: Annotated[
        str | None, typer.Argument(help="auto, canary or required; left out: print the library's mark.")
    ] = None,
    canary_share: Annotated[
        float | None,
        typer.Option("--canary-share", help="canary: the share of episodes unapproved versions act in (0-1).",
                     show_default=False),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", "-r", help="Why (required to change the mark; recorded with it).",
                                 show_default=False)
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Who decides (default: the login name).", show_default=False)
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="skillevo.toml to read (default: ./skillevo.toml when present).",
                     show_default=False),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the library's review mark, or set it (lowering included) with --reason: a logged decision."""
    from .._review_gate import check_review
    from .._review_mode import DEFAULT_CANARY_SHARE, library_review, library_share, set_review_mode
    from ._train_cmds import _actor, _config, _from_group, _open_existing

    cfg = _config(_from_group(ctx, "config", config), _from_group(ctx, "db", db))
    as_json = _from_group(ctx, "as_json", as_json)
    # The command line's own mistakes first (exit 2), before the library is opened.
    if mode is None and (reason is not None or canary_share is not None):
        raise usage("name the mode to set (auto, canary or required) before --reason / --canary-share", _COMMAND)
    if mode is not None:
        try:
            check_review(mode, DEFAULT_CANARY_SHARE if canary_share is None else canary_share)
        except ConfigError as exc:
            raise usage(str(exc), _COMMAND) from None
        if reason is None or not reason.strip():
            raise usage("--reason must say why the review mark changes (it is recorded with the change)", _COMMAND)
    with _open_existing(cfg.db_location()) as lib:
        if mode is not None:
            assert reason is not None
            set_review_mode(lib, mode, reason=reason, actor=_actor(actor), canary_share=canary_share)
        current, share = library_review(lib), library_share(lib)
        location = mask_url(lib.location)  # (a URL's password never reaches the terminal)
    if as_json:
        emit_json({"library": location, "review": current, "canary_share": share})
        return
    shown = f"{current} (canary share {share:g})" if current == "canary" else current
    stdout_console().print(f"review mode of {location}: {shown}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``review mode`` to the ``review`` group (`app`)."""
    app.command("mode")(review_mode)
