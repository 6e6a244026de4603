"""The meta rows `skillevo train` keeps in the library (watermarks, run state, run index, aggregates)."""

from __future__ import annotations

import json
from typing import Any

#: The run in progress: its id, finished stages, event horizon and report (a killed run resumes from it).
STATE_KEY = "train.state"
#: The last event id the mine stage has read.
MINED_KEY = "train.mined_upto"
#: The last event id folded into the aggregates.
COMPACTED_KEY = "train.compacted_upto"
#: Per-version, per-key and per-tool aggregates of the compacted events.
AGGREGATES_KEY = "train.aggregates"
#: The index of finished runs (`skillevo diff --since-run` reads it).
RUNS_KEY = "train.runs"


def load_json(raw: str | None) -> Any:
    """A meta value decoded, or None when it is empty or not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
