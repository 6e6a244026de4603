"""A missing-argument error names the missing argument in the clause that says it is missing.

A framework's heading around a validation error ("Arguments validation failed: 1 validation error
for ...", "Parameter checks failed: ...") is no report of a missing argument: the word after
"arguments" there is not an argument name. The CrewAI tool error put such a heading above
pydantic's report, and the miner wrote "`deploy` requires `approved`, `validation`" (or, when the
only missing member was nested, "requires `validation`") into guidance every later run sees.
Deterministic, offline.
"""

from __future__ import annotations

from skillevo import Episode, Event, EventKind, SkillLibrary
from skillevo._detect import error_signature
from skillevo._guidance_facts import missing_fields
from skillevo._mining import RuleMiner

_REPORT = (
    "1 validation error for DeployArgs\napproved\n  Field required [type=missing, input_value={'env': 'prod'},"
    " input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.12/v/missing"
)
_HEADINGS = (
    "Arguments validation failed: ",
    "Tool 'deploy' arguments validation failed: ",
    "Parameters check failed:\n",
    "Argument parsing error. ",
    "Field validation failed for the call: ",
)


def test_a_heading_word_is_no_missing_argument() -> None:
    for heading in _HEADINGS:
        assert missing_fields(heading + _REPORT, {"env": "prod"}) == ["approved"], heading


def test_missing_names_in_their_own_clause_are_still_read() -> None:
    for message, name in (
        ("missing 1 required positional argument: 'seats'", "seats"),
        ("seats: Field required", "seats"),
        ("1 validation error for Book\nseats\n  Field required [type=missing]", "seats"),
        ('{"error": "missing required parameter \'seats\'"}', "seats"),
        ("Error: the field `seats` is required", "seats"),
    ):
        assert missing_fields(message, {"city": "Oslo"}) == [name], message


def test_the_miner_names_only_the_missing_argument_under_a_heading() -> None:
    for heading in _HEADINGS:
        message = heading + _REPORT
        lib = SkillLibrary(":memory:")
        ep = Episode(task="t")
        data = {
            "args": {"env": "prod"},
            "error": message,
            "error_type": "ValueError",
            "signature": error_signature(message),
        }
        lib.save_episode(ep, [Event(kind=EventKind.TOOL_ERROR, tool="deploy", data=data)])
        (p,) = RuleMiner().mine(lib.events(episode_id=ep.id), lib)
        assert p.strategy.guidance == "`deploy` requires `approved`: always include it in the call.", heading
