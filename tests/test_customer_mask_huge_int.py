"""An integer past Python's 4,300-digit limit under a person's key is recorded, not dropped.

privacy8's pseudonym of an integer under a person's key (`customer_id`) counted its digits with
``str()``, which raises ValueError past 4,300 digits: the episode's events could not be built and
the whole episode was dropped ("refused by the store and dropped"), where before it was stored with
the integer shown by its size (``<int of 16610 bits>``). Nothing an agent sends may lose its episode.
"""

from __future__ import annotations

from pathlib import Path

from skillevo import Evolver, SkillLibrary
from skillevo._customer_mask import mask_customers

HUGE = 10**5000


def test_a_huge_integer_under_a_persons_key_is_masked_without_an_error() -> None:
    masked = mask_customers({"customer_id": HUGE, "count": 7, "account_number": 12345})
    assert masked["count"] == 7 and masked["account_number"] == 99999
    assert "1" not in str(masked["customer_id"]).replace("16610", "")  # its size at most, never its digits


def test_the_episode_holding_it_is_kept(tmp_path: Path) -> None:
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, miner=None, sandbox=None, seed=0)
        with evo.episode(task="look the customer up", metadata={"customer_id": HUGE}) as ep:
            args = ep.before_tool("lookup", {"customer_id": HUGE})
            ep.on_tool_result("lookup", args, "ok")
            ep.finish(reward=1.0)
        lib.flush()
        assert len(lib.episodes()) == 1
        assert [e.kind for e in lib.events()] == ["tool_call", "tool_result"]
