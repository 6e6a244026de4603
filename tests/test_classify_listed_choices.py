"""A name an error did not find among choices it lists is an enum error: the list is the lesson."""

from __future__ import annotations

import pytest

from skillevo._detect import classify_error


@pytest.mark.parametrize(
    ("message", "error_type"),
    [
        ("Error: book_trip is not a valid tool, try one of [book].", "UnknownToolError"),
        ("Unknown region 'eu-central-9'. Valid values are: eu-west-1, us-east-1", "NotFoundError"),
        ("No such plan 'gold-plus'; must be one of: basic, pro, team", "KeyError"),
    ],
)
def test_a_not_found_code_with_the_choices_listed_is_an_enum_error(message: str, error_type: str) -> None:
    assert classify_error(message, error_type) == "enum"


@pytest.mark.parametrize(
    ("message", "error_type"),
    [
        ("Order 48213 not found", "NotFoundError"),
        ("Error: book_trip is not a valid tool", "UnknownToolError"),
        ("no such file or directory: '/data/in.csv'", "FileNotFoundError"),
    ],
)
def test_a_not_found_code_without_choices_stays_not_found(message: str, error_type: str) -> None:
    assert classify_error(message, error_type) == "not_found"
