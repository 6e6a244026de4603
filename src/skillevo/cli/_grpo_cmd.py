"""``skillevo export grpo OUT``: the GRPO datasets, their group-size histogram and warnings."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from .._errors import ConfigError
from .._library import SkillLibrary
from .._small_file import read_small_text
from ._render import emit_json, stdout_console, visible_text

__all__ = ["GroupKeyOption", "MinGroupOption", "ToolSchemasOption", "export_grpo_command"]

GroupKeyOption = Annotated[
    str,
    typer.Option("--group-key", help="grpo: the episode metadata field holding your group key ('' for none)."),
]
ToolSchemasOption = Annotated[
    Path | None,
    typer.Option(
        "--tool-schemas",
        help="grpo: a JSON file of the agent's tool schemas (a list of tools or a name -> schema map) for the prompts.",
        show_default=False,
    ),
]
MinGroupOption = Annotated[
    int, typer.Option("--min-group-size", min=1, help="grpo: leave out groups with fewer rewarded episodes.")
]


#: Longest --tool-schemas file read (JSON schemas of a toolset: well under this).
_SCHEMAS_MAX_BYTES = 16 << 20


def _schemas(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        text = read_small_text(path, _SCHEMAS_MAX_BYTES, f"--tool-schemas {path}")  # its own one-line errors
    except FileNotFoundError as exc:
        raise ConfigError(f"--tool-schemas {path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"--tool-schemas {path}: not JSON ({exc})") from None


def export_grpo_command(
    lib: SkillLibrary, out: Path, *, as_json: bool, group_key: str, tool_schemas: Path | None, min_group_size: int
) -> None:
    """Run the export on `lib` and print its summary (or, with `as_json`, the result as JSON)."""
    from .. import _grpo

    schemas = _schemas(tool_schemas)
    logger = logging.getLogger("skillevo.grpo")
    # The command prints the warnings itself (and the manifest keeps them): not twice on stderr.
    quiet = logging.NullHandler()
    logger.addHandler(quiet)
    propagate, logger.propagate = logger.propagate, False
    try:
        result = _grpo.export_grpo(
            lib, out, group_key=group_key, tool_schemas=schemas, min_group_size=min_group_size
        )
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    console = stdout_console()
    for line in result.summary().splitlines():
        if line.startswith("warning: "):
            console.print(Text.assemble(("warning:", "bold yellow"), " ", visible_text(line.removeprefix("warning: "))))
        else:
            console.print(visible_text(line))
