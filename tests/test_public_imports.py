"""No first-party package imports a private module of another one.

The adapters, the TRL integration and the examples are written against the public surface only
(``skillevo``, ``skillevo.adapters``, ``skillevo.extend``, ``skillevo.grpo``, ``skillevo.testing``,
``skillevo_x``), so that the core can move its private modules freely. A package may import its own
private modules (and its own tests, those). The core imports only public names of the adapters.
Benchmarks are left out on purpose: they measure the core's internals.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
#: where first-party code lives; each is scanned whole (sources, tests, examples)
SCANNED = ("src", "adapters", "integrations", "examples")


def _package_of(path: Path) -> str | None:
    """The first-party package a file is part of: ``skillevo`` under ``src/``; for anything in a
    distribution's folder (``adapters/langgraph/src/...``, ``adapters/langgraph/tests/...``) its
    package (``skillevo_langgraph``), since a package's own tests may test its internals; None
    elsewhere (the examples)."""
    parts = path.relative_to(ROOT).parts
    if parts[0] == "src":
        return parts[1]
    if len(parts) < 3 or parts[0] not in ("adapters", "integrations"):
        return None
    packages = [p.name for p in (ROOT / parts[0] / parts[1] / "src").glob("skillevo_*") if p.is_dir()]
    return packages[0] if len(packages) == 1 else None


def _imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module an import statement names, with its line (``from a.b import c`` also names ``a.b.c``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def private_imports(source: str, own: str | None) -> list[str]:
    """The imports in `source` (code of package `own`) that reach into a private module of another
    first-party package, as ``"<line>: <module>"``."""
    found = []
    for line, module in _imported(ast.parse(source)):
        parts = module.split(".")
        if parts[0] != "skillevo" and not parts[0].startswith("skillevo_"):
            continue
        if parts[0] == own:
            continue
        if any(part.startswith("_") and not part.startswith("__") for part in parts[1:]):
            found.append(f"{line}: {module}")
    return found


def _files() -> list[Path]:
    return sorted(p for top in SCANNED for p in (ROOT / top).rglob("*.py") if ".venv" not in p.parts)


def test_the_scan_covers_every_first_party_package() -> None:
    packages = {_package_of(p) for p in _files()}
    assert {"skillevo", "skillevo_langgraph", "skillevo_crewai", "skillevo_trl"} <= packages
    assert any(p.parent.name == "examples" for p in _files())


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_import_of_another_package(path: Path) -> None:
    assert private_imports(path.read_text(encoding="utf-8"), _package_of(path)) == []


def test_the_check_sees_every_form() -> None:
    bad = (
        "import skillevo._grpo\n"
        "from skillevo._config import import_callable\n"
        "from skillevo import _selection\n"
        "from skillevo.cli._main import main\n"
        "from skillevo_langgraph._common import x\n"
        "def f():\n    from skillevo._models import ReformatDate\n"
    )
    good = (
        "from skillevo import Evolver, __version__\n"
        "from skillevo.adapters import call_tool\n"
        "from skillevo_trl._tiny import build_tiny_model\n"
        "from . import _reward\n"
        "import skillevo_langgraph\n"
    )
    found = private_imports(bad + good, "skillevo_trl")
    assert [f.split(": ", 1)[1] for f in found] == [
        "skillevo._grpo",
        "skillevo._config",
        "skillevo._config.import_callable",
        "skillevo._selection",
        "skillevo.cli._main",
        "skillevo.cli._main.main",
        "skillevo_langgraph._common",
        "skillevo_langgraph._common.x",
        "skillevo._models",
        "skillevo._models.ReformatDate",
    ]


def test_every_package_pins_skillevo_to_the_core_minor_series() -> None:
    # A package built against the public surface of skillevo X.Y may break on X.(Y+1) (pre-1.0).
    core = Version(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])
    next_minor = Version(f"{core.major}.{core.minor + 1}")
    for pyproject in sorted(ROOT.glob("*/*/pyproject.toml")):
        deps = [Requirement(d) for d in tomllib.loads(pyproject.read_text())["project"]["dependencies"]]
        (core_dep,) = [d for d in deps if d.name == "skillevo"]
        assert core in core_dep.specifier and next_minor not in core_dep.specifier, (pyproject, core_dep)
