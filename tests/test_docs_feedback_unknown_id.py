"""``evo.feedback(run_id, r)`` for an id no episode has (docs/langgraph.md, "Feedback by run id")
is one `NotFoundError` saying so, not two chained tracebacks.

Before 2026-12-08 the lookup of the run id ran inside the handler of the failed episode-id lookup:
an uncaught error printed "no episode '...'", "During handling of the above exception, another
exception occurred" and then "no episode with id or run id '...'".
"""

from __future__ import annotations

import pytest

from skillevo import Evolver, NotFoundError, SkillLibrary


def test_unknown_feedback_id_is_one_error() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        with pytest.raises(NotFoundError) as err:
            evo.feedback("3f1c-no-such-run", 1.0)
    assert str(err.value) == "no episode with id or run id '3f1c-no-such-run'"
    assert err.value.__context__ is None and err.value.__cause__ is None
