"""A call too large for the jail's memory to take in is not handed over, nor blamed on the skill (attack35).

The worker reads the job (code, tool, arguments, error) as JSON inside its own address-space limit.
A call carrying a 200 MB argument (an upload, a document) could not even be parsed there, and the
honest skill came back as ``code skill stopped: memory limit exceeded``: a `SandboxError`, which the
Evolver logs and credits as the skill's failure. Now a job larger than a quarter of the sandbox's
memory limit is a `SandboxNotRun` (nothing ran, nothing credited), like arguments JSON cannot carry.
"""

from __future__ import annotations

import pytest

from skillevo import ProcessSandbox, SandboxError, SandboxNotRun

HONEST = "def repair(tool, args, error):\n    return {'blob': args['blob'], 'mode': 'fixed'}\n"


def test_a_job_past_the_jails_memory_is_not_run(needs_sandbox: None) -> None:
    sandbox = ProcessSandbox(memory_mb=128, wall_s=20.0, warm=False)
    try:
        with pytest.raises(SandboxError) as caught:
            sandbox.run_repair(HONEST, "upload", {"blob": "a" * (110 << 20), "mode": "x"}, "bad mode")
        assert isinstance(caught.value, SandboxNotRun), caught.value
        assert "\n" not in str(caught.value)
        # A call within the bound still runs.
        out = sandbox.run_repair(HONEST, "upload", {"blob": "a" * (100 << 10), "mode": "x"}, "bad mode")
        assert out is not None and out["mode"] == "fixed"
    finally:
        sandbox.close()
