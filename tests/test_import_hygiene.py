"""The core must not import an agent framework or torch: a LangGraph user never pays for CrewAI."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("langgraph", "langchain", "langchain_core", "crewai", "torch", "transformers", "trl", "vllm")


def _imported_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_skillevo_pulls_in_no_framework() -> None:
    loaded = _imported_after("import skillevo\nskillevo.SkillLibrary(':memory:').close()")
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)


def test_the_cli_pulls_in_no_framework() -> None:
    loaded = _imported_after("import skillevo.cli\nskillevo.cli.main(['ls', '--db', ':memory:'])")
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)


def test_the_public_submodules_pull_in_no_framework() -> None:
    # skillevo.testing's LangChain and CrewAI models load only when first used.
    code = "import skillevo.adapters, skillevo.extend, skillevo.grpo, skillevo.testing\n"
    code += "skillevo.testing.memory_library().close()"
    loaded = _imported_after(code)
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)
