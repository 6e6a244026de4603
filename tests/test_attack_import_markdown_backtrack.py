"""A plain Agent Skills body is cleaned (`clean_text`: images, link targets, tags) each time import
reads it, by patterns bounded to 300 and 1,000 characters per try (attack32).

Bounded is not linear: Python's ``re`` tries every ``[`` or ``![`` of the body and scans up to 300
characters from each before giving up, so a 250 KB body of ``[`` took 1.7 s per cleaning, and an
import cleans a body 11 times: 10 folders of it took 84 s against 4 s for 10 folders of prose, and
the import's 1,000 folders some 2 hours. The shapes now run on RE2 (the engine the redaction and the
trigger patterns already use): one pass, whatever the text.
"""

from __future__ import annotations

import re

import pytest

from skillevo import _agentskill, _skillimport
from skillevo._agentskill import clean_text

_SHAPES = ("_IMAGE", "_LINK", "_TAG", "_HEADING")


@pytest.mark.parametrize("name", _SHAPES)
def test_the_markdown_shapes_do_not_backtrack(name: str) -> None:
    assert not isinstance(getattr(_agentskill, name), re.Pattern)


def test_the_injection_check_reads_the_body_without_backtracking() -> None:
    assert not isinstance(_skillimport._MARKUP_SYNTAX, re.Pattern)


MARKDOWN = [
    "See ![diagram](img/flow.png) then [the guide](https://example.com/guide) for details.",
    "## Steps\n\n1. Call <b>refund</b> with the <code>order_id</code>.\n   ### Note\n<!-- hidden -->shown",
    "[unclosed link text\n![also [nested] (no)](x) and [a](b) [c](d)\n<not a tag <br/> end>",
    "[" * 500 + "](x)" + "![" * 300 + "<a" * 200,
    "  # heading\n    # code, not a heading\n###### six\n####### seven",
    "\u1680# ogham-spaced heading\n#\u2003em-spaced\n\u3000\u3000\u3000\u3000# four wide",
]


@pytest.mark.parametrize("text", MARKDOWN)
def test_cleaning_reads_markdown_as_before(text: str) -> None:
    """The reference: the same shapes under Python's ``re`` (what cleaning used before)."""
    image = re.compile(r"!\[[^\]\n]{0,300}\]\([^)\n]{0,1000}\)")
    link = re.compile(r"\[([^\]\n]{0,300})\]\([^)\n]{0,1000}\)")
    tag = re.compile(r"</?[A-Za-z][^<>\n]{0,300}>")
    heading = re.compile(r"^\s{0,3}#{1,6}\s+")
    raw = tag.sub("", link.sub(r"\1", image.sub("", _agentskill._drop_comments(_agentskill.visible(text)))))
    lines: list[str] = []
    for line in raw.splitlines():
        line = heading.sub("", line).rstrip()
        if line.strip().startswith("```"):
            continue
        if line or (lines and lines[-1]):
            lines.append(line)
    assert clean_text(text) == "\n".join(lines).strip()


def test_a_body_of_brackets_is_cleaned_whole() -> None:
    body = "[" * 250_000 + "](x) ![y](z) <i>end</i>"
    assert clean_text(body) == "[" * 249_999 + "  end"


@pytest.mark.parametrize("text", [*MARKDOWN, "[a](" + "b" * 1500 + ")", "[a](" + "b" * 2500 + ")", "<!-- x -->y"])
def test_the_injection_check_strips_markup_as_before(text: str) -> None:
    reference = re.compile(r"!?\[([^\]]{0,500})\]\([^)]{0,2000}\)|<!--|-->|</?[A-Za-z][^>]{0,500}>")
    expected = reference.sub(lambda m: f" {m.group(1) or ''} ", text)
    assert _skillimport._MARKUP_SYNTAX.sub(lambda m: f" {m.group(1) or ''} ", text) == expected
