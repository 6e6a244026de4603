"""A plain Agent Skills folder read as skillevo skills: what its text becomes, built as data.

A plain folder (https://agentskills.io/specification: front matter ``name`` + ``description``, a free
Markdown body, optional ``scripts/``, ``references/``, ``assets/``) carries no trigger and no
strategy in skillevo's terms, so both are *derived*, never taken on trust:

* the **guidance** is the body reduced to plain text: Unicode NFKC, invisible format and control
  characters removed, HTML comments and tags, images and link targets dropped (they hide text
  from a reader or point a model elsewhere), capped at the guidance limit on a line boundary;
* the **trigger** fires at the start of a task whose text contains one of the description's
  distinctive words (``task_start`` with a ``task_pattern``), or at every task start when the
  description has none;
* each ``scripts/*.py`` that defines ``repair(tool, args, error)`` becomes a separate *code*
  skill on tool errors; other scripts are not skills and are left out.

Everything derived here still goes through the import checks (injection filter, proposal check,
sandbox smoke run) before anything is stored.
"""

from __future__ import annotations

import ast
import hashlib
import re
import unicodedata
from collections import Counter

import re2  # type: ignore[import-untyped]

from ._models import GUIDANCE_MAX_CHARS, SKILL_NAME_RE, Trigger, TriggerKind

__all__ = ["clean_text", "defines_repair", "derive_trigger", "guidance_from_body", "script_skill_name", "visible"]

_MORE = " (more in the skill's SKILL.md)"
# Words that say nothing about which tasks a skill is for.
_STOP = frozenset(
    str.split(
        "a about above after again all also an and any are as at be because been before being below between both "
        "but by can could did do does doing done during each else etc every few for from further get gets had has "
        "have having help helps here how if in into is it its itself just like make makes may might more most must "
        "need needs new no nor not now of off on once one only or other our out over own same should so some such "
        "than that the their them then there these they this those through to too under until up use used useful "
        "user users uses using very via want was we were what send sends sent when whenever where which while "
        "who whom why will "
        "with within without would you your skill skills agent agents task tasks work works working file files tool "
        "tools claude model "
    )
)
_WORD = re.compile(r"[a-z][a-z0-9]{2,19}")
_MAX_KEYWORDS = 6
# Markdown shapes, run on RE2: a body is someone else's text and is cleaned about ten times per
# import. Bounded quantifiers alone were not linear under Python's re: each '[' of a 250 KB body was a
# start scanned up to 300 characters before failing (1.7 s per cleaning, 84 s for 10 such folders).
_IMAGE = re2.compile(r"!\[[^\]\n]{0,300}\]\([^)\n]{0,1000}\)")
_LINK = re2.compile(r"\[([^\]\n]{0,300})\]\([^)\n]{0,1000}\)")
_TAG = re2.compile(r"</?[A-Za-z][^<>\n]{0,300}>")
# (RE2's \s is ASCII; with \pZ it is Python's, the controls `visible` drops aside.)
_HEADING = re2.compile(r"^[\s\pZ]{0,3}#{1,6}[\s\pZ]+")


def _drop_comments(text: str) -> str:
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        end = text.find("-->", start + 4)
        if end < 0:
            return "".join(out)  # an unclosed comment hides the rest from a reader: drop it
        pos = end + 3


def visible(text: str) -> str:
    """`text` in NFKC without invisible characters (zero-width, bidi controls) or control characters."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Cn")
    )


def clean_text(text: str) -> str:
    """`text` as a reader sees it: `visible`, and no HTML, comments, images or link targets."""
    text = _drop_comments(visible(text))
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    lines: list[str] = []
    for raw in text.splitlines():
        line = _HEADING.sub("", raw).rstrip()
        if line.strip().startswith("```"):
            continue
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def guidance_from_body(body: str, description: str) -> str:
    """The guidance a plain skill's body becomes: cleaned and capped on a line boundary."""
    text = clean_text(body) or clean_text(description)
    if len(text) <= GUIDANCE_MAX_CHARS:
        return text
    room = GUIDANCE_MAX_CHARS - len(_MORE)
    cut = text.rfind("\n", 0, room)
    if cut < room // 2:
        cut = text.rfind(" ", 0, room)
    if cut < room // 2:
        cut = room
    return text[:cut].rstrip() + _MORE


def derive_trigger(description: str) -> Trigger:
    """A ``task_start`` trigger on the description's distinctive words (every task when it has none)."""
    # A plural's stem: the pattern matches at a word start, so "form" also finds "forms".
    words = [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in _WORD.findall(clean_text(description).lower())
        if w not in _STOP
    ]
    counts = Counter(words)
    first = {w: i for i, w in reversed(list(enumerate(words)))}
    keys = sorted(counts, key=lambda w: (-counts[w], first[w]))[:_MAX_KEYWORDS]
    if not keys:
        return Trigger(kind=TriggerKind.TASK_START)
    return Trigger(kind=TriggerKind.TASK_START, task_pattern=r"\b(?:" + "|".join(sorted(keys)) + ")")


def defines_repair(code: str) -> bool:
    """Whether `code` defines a top-level ``repair(tool, args, error)`` (parsed, never run)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "repair":
            params = node.args.posonlyargs + node.args.args
            return len(params) == 3 or (len(params) < 3 and node.args.vararg is not None)
    return False


def script_skill_name(skill: str, script: str) -> str:
    """The name of the code skill made from ``scripts/<script>`` of skill `skill` (valid, <= 64 chars)."""
    stem = re.sub(r"[^a-z0-9]+", "-", script.removesuffix(".py").lower()).strip("-") or "script"
    name = f"{skill}-{stem}"
    if len(name) > 64 or not SKILL_NAME_RE.fullmatch(name):
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{skill[:55].rstrip('-')}-{digest}"
    return name
