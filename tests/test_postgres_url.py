"""A PostgreSQL URL's libpq parameters reach libpq as written (offline: libpq's own parser reads them)."""

from __future__ import annotations

import pytest

from skillevo._postgres import _split_url

psycopg = pytest.importorskip("psycopg")


@pytest.mark.parametrize(
    ("url", "param", "expected"),
    [
        # PostgreSQL's documented way to set a setting per connection: a space, percent-encoded.
        ("postgresql://h/db?options=-c%20statement_timeout%3D5000&schema=s", "options", "-c statement_timeout=5000"),
        # libpq reads a plus as a plus: it stays one.
        ("postgresql://h/db?schema=s&application_name=a+b", "application_name", "a+b"),
        ("postgresql://h/db?sslmode=disable&schema=s&connect_timeout=5", "connect_timeout", "5"),
    ],
)
def test_libpq_parameters_pass_through_unchanged(url: str, param: str, expected: str) -> None:
    conninfo, schema = _split_url(url)
    assert schema == "s"
    assert psycopg.conninfo.conninfo_to_dict(conninfo)[param] == expected


def test_the_schema_parameter_is_taken_out() -> None:
    assert _split_url("postgresql://h/db?schema=a%2Db") == ("postgresql://h/db", "a-b")
    assert _split_url("postgresql://h/db") == ("postgresql://h/db", "skillevo")
