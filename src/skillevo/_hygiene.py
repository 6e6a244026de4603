"""Untrusted text hygiene: text that came from tools (outputs, error messages) is redacted, quoted,
capped and defused before it can reach a prompt. Redaction itself lives in `skillevo._redaction`
(`redact` is re-exported here for the modules that import it from this one).

Tool outputs can carry prompt injection ("ignore previous instructions and ..."): such text is
never copied into guidance verbatim.
"""

from __future__ import annotations

import re

from ._redaction import redact, redact_text

__all__ = ["injection_score", "looks_like_injection", "quote_untrusted", "redact"]

_INJECTION = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|your|the)\b.{0,20}"
        r"\b(instructions?|prompts?|rules?|directions?|guidelines?)",
        r"\b(new|updated|real)\s+(instructions?|system\s+prompt)",
        r"\bsystem\s*prompt\b",
        r"\byou\s+are\s+now\b",
        r"\bact\s+as\b.{0,30}\b(admin|root|developer|dan|jailbroken)",
        r"<\s*/?\s*(system|assistant|user|im_start|im_end)\s*>",
        r"\[\s*(system|inst)\s*\]",
        r"\b(do\s+not|don't)\s+tell\s+the\s+user\b",
        r"\b(exfiltrate|send|post|upload)\b.{0,40}\b(password|secret|token|credentials?|api\s*key)",
        r"\bcall\s+the\s+\w+\s+tool\b",
    )
]


def injection_score(text: str) -> int:
    """How many instruction-injection patterns `text` contains (0 for ordinary tool output)."""
    return sum(1 for p in _INJECTION if p.search(text))


def looks_like_injection(text: str) -> bool:
    """Whether `text` reads like an attempt to instruct the agent."""
    return injection_score(text) > 0


def quote_untrusted(text: str, max_chars: int = 160) -> str:
    """Text from a tool, made safe to show inside guidance: redacted, one line, capped, quoted.

    Text that looks like an injection is replaced by a neutral placeholder, so an injected
    instruction never reaches a prompt verbatim.
    """
    flat = " ".join(redact_text(str(text), emails=True).split())
    if looks_like_injection(flat):
        return '"[tool text withheld: it contained instructions]"'
    flat = flat.replace('"', "'").replace("`", "'")
    if len(flat) > max_chars:
        flat = flat[: max(0, max_chars - 3)].rstrip() + "..."
    return f'"{flat}"'
