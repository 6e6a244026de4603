"""Extension points: the abstract classes a third party implements to replace a part of skillevo.

An `Evolver` is assembled from four parts, each an ABC here with a default implementation:

* **`SkillStore`**: where skills, versions, posteriors, episodes and events live. Defaults:
  ``SkillLibrary(path)`` (SQLite) and ``SkillLibrary("postgresql://...")``. Every method is part
  of the contract (atomic writes, immutable versions, nothing deleted, thread-safe, nothing secret
  written); ``tests/test_store_conformance.py`` is the suite a new backend must pass.
* **`Selector`**: chooses one arm (a skill version, or `skillevo.NULL_ARM` for "no skill") per call
  site and learns from rewards in [0, 1]. Default: `skillevo.ThompsonSelector`. Pass one with
  ``Evolver(lib, selector=...)``; it is `Selector.attach`-ed to the library so posteriors persist.
* **`Miner`**: turns the events of a finished episode into proposals (`Proposal`), each checked
  like any miner's (docs/mining.md) before it becomes a candidate version. Defaults:
  `skillevo.RuleMiner`, `skillevo.LLMMiner`. ``Evolver(lib, miner=[...])`` chains several.
  `Miner.repair_now` optionally proposes an immediate retry.
* **`Sandbox`**: runs a code skill's ``repair(tool, args, error)`` on untrusted input and raises
  `skillevo.SandboxError` when it fails (`skillevo.SandboxNotRun` when the skill did not run, so
  nothing is credited against it; any other exception is taken as that). Its answer is used only as
  a dict of strict JSON. Default: `skillevo.ProcessSandbox` (a jailed worker process).
  ``Evolver(lib, sandbox=None)`` never runs code.

`import_callable` resolves ``"package.module:function"`` paths the way the configuration file does
(``[miner].llm``, ``[policy].verifier``), with a one-line `skillevo.ConfigError` when it cannot.

Framework adapters have their own contract, `skillevo.adapters`; test doubles for all of these are
in `skillevo.testing`.
"""

from __future__ import annotations

from ._config import import_callable
from ._mining import Miner, Proposal
from ._sandbox import Sandbox
from ._selection import Selector
from ._store import SkillStore
from ._surface import present_as

__all__ = ["Miner", "Proposal", "Sandbox", "Selector", "SkillStore", "import_callable"]

present_as(__name__, globals(), __all__)
