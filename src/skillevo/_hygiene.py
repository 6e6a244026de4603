"""Untrusted text hygiene, one import for the modules that need both halves: secrets are redacted
(`skillevo._redaction`) and text that came from tools is quoted, capped and defused before it can
reach a prompt (`skillevo._untrusted`).
"""

from __future__ import annotations

from ._redaction import redact
from ._untrusted import injection_score, looks_like_injection, quote_untrusted

__all__ = ["injection_score", "looks_like_injection", "quote_untrusted", "redact"]
