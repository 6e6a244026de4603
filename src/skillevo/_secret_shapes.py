"""The secret shapes: detect-secrets' regex detectors (reviewed ones gated) and the shapes it lacks.

Each rule is (kind, pattern, gate): the gate names lower-case texts one of which a text must hold
for the rule to run (None: always run; `RUN`: a run of 16+ token characters). `_redaction` runs them.
"""

from __future__ import annotations

import re
from typing import Any

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import RegexBasedDetector

__all__ = ["DS_GATES", "EXTRA_RULES", "PRIVATE_KEY_LABELS", "RUN", "Gate", "Rule", "ds_rules"]

# ---- Shapes detect-secrets does not (yet) know, kept here in one list. Each is (kind, pattern);
# ---- group "s" (when present) is the part to hide, else the whole match.
# ---- (gate: lower-case texts one of which a text must hold for the rule to run; None: always run)
Gate = tuple[str, ...] | None
EXTRA_RULES: list[tuple[str, re.Pattern[str], Gate]] = [
    # Anthropic, OpenAI project / service-account keys, and older "sk-" keys (OpenAI, DeepSeek, ...)
    ("api_key", re.compile(r"sk-ant-[a-z]{2,8}\d{0,3}-[A-Za-z0-9_\-]{20,}"), ("sk-",)),
    ("api_key", re.compile(r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}"), ("sk-",)),
    ("api_key", re.compile(r"\bsk-[A-Za-z0-9]{20,}"), ("sk-",)),
    # Stripe-style live/test keys (secret, publishable, restricted)
    ("api_key", re.compile(r"\b(?:sk|pk|rk)[-_](?:live|test)[-_][A-Za-z0-9]{16,}"), ("live", "test")),
    # Google API keys and OAuth access tokens
    ("api_key", re.compile(r"AIza[0-9A-Za-z_\-]{35}"), ("aiza",)),
    ("oauth_token", re.compile(r"ya29\.[0-9A-Za-z_\-]{20,}"), ("ya29.",)),
    # GitHub fine-grained and classic tokens, Hugging Face tokens, Slack tokens in any form
    ("github_token", re.compile(r"github_pat_[A-Za-z0-9_]{22,}"), ("github_pat_",)),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    ("api_key", re.compile(r"\bhf_[A-Za-z0-9]{30,}"), ("hf_",)),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), ("xox",)),
    # Any scheme's user:password@ (postgresql://user:pw@host, redis://:pw@host, https://u:p@h). The
    # scheme is read for at most 32 characters (its tail, for a longer one: only the password is
    # kept): tried at every letter, an unbounded one read a long word once per letter of it.
    ("password", re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}://[^\s:/?#@\[\]]*:(?P<s>[^\s/?#]*)@"), ("://",)),
    # A webhook's URL is its credential: the path after a hook segment ("/api/webhooks/<id>/<token>")
    # when it holds a digit and 16+ characters ("/webhooks/list", ".git/hooks/pre-commit" stay)
    ("webhook", re.compile(r"(?i)/(?:[\w\-]*web)?hooks?/(?=[^\s?#\"'<>]*\d)(?P<s>[^\s?#\"'<>]{16,})"), ("hook",)),
    # HTTP auth schemes outside a header ("Authorization: ..." itself is a secret key, see _PAIR)
    ("bearer", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{8,}=*"), ("bearer",)),
    # An age identity (the file-encryption tool's private key: Bech32 after its fixed prefix)
    ("private_key", re.compile(r"AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{20,}"), ("age-secret-key-",)),
    # A password hash (an htpasswd or shadow line, a dumped user row): offline guessing turns it back into
    # the password. The modular crypt format's "$id$" (bcrypt, MD5/APR1/SHA-crypt, yescrypt, argon2,
    # scrypt, passlib's PBKDF2) and Django's "<algorithm>$" notation, then a salt-and-hash run
    ("password_hash", re.compile(
        r"(?:\$(?:2[abxy]?|apr1|1|5|6|7|y|gy|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha(?:1|256|512))?)"
        r"|\b(?:pbkdf2_sha(?:1|256)|bcrypt_sha256|bcrypt|argon2|scrypt))\$[A-Za-z0-9./$=,+\-]{16,}"
    ), ("$2", "$apr1$", "$1$", "$5$", "$6$", "$7$", "$y$", "$gy$", "$argon2", "$scrypt", "$pbkdf2", "pbkdf2_",
        "bcrypt", "argon2$", "scrypt$")),
]
# Private keys under a label detect-secrets' PrivateKeyDetector does not list (it names eight:
# PKCS#8's "ENCRYPTED PRIVATE KEY", GnuPG's "SECRET KEY BLOCK" and PuTTY's version-3 files were read
# by none). Any armor label ending in PRIVATE KEY or SECRET KEY is a private key, whatever words lead
# it, as is a PuTTY key file of any version. Run with the plugin's own rules (kind "private_key": the
# block is hidden from its header to its END line, or to the end of a cut text).
PRIVATE_KEY_LABELS: list[tuple[str, re.Pattern[str], Gate]] = [
    ("private_key", re.compile(r"BEGIN (?:[A-Z0-9]{1,16} ){0,4}(?:PRIVATE|SECRET) KEY"), ("private key", "secret key")),
    ("private_key", re.compile(r"PuTTY-User-Key-File-\d{1,3}"), ("putty",)),
]
# detect-secrets plugins by kind; plugins not listed keep a kind made from their secret type.
_DS_KINDS = {
    "AWSKeyDetector": "aws_key",
    "GitHubTokenDetector": "github_token",
    "SlackDetector": "slack_token",
    "JwtTokenDetector": "jwt",
    "PrivateKeyDetector": "private_key",
    "OpenAIDetector": "api_key",
    "StripeDetector": "api_key",
    "BasicAuthDetector": "password",
}
# Not secrets (a public IP address), or not regex rules (entropy scores, handled by keyword below).
_DS_SKIP = {"IPPublicDetector", "KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"}


def _kind_of(plugin: type[RegexBasedDetector]) -> str:
    return _DS_KINDS.get(plugin.__name__) or re.sub(r"[^a-z0-9]+", "_", str(plugin.secret_type).lower()).strip("_")


# What a text must hold for each reviewed plugin's patterns to match: a literal (lower-case), or
# "run" for a run of 16 or more token characters (every such plugin's secret is one).
# The reviewed plugins (detect-secrets 1.5), each with its gate: what a text must hold for any of
# its patterns to match (checked by tests/test_secret_attacks.py on a sample of each). A plugin added
# by a later version is not gated, and runs on every text, until it is reviewed here.
RUN = "\x00run"  # in a gate: the text must also hold a run of 16+ token characters
DS_GATES: dict[str, Gate] = {
    "ArtifactoryDetector": ("akc", "ap"),
    "AWSKeyDetector": ("a3t", "abia", "acca", "akia", "asia", "aws", RUN),
    "AzureStorageKeyDetector": ("accountkey=", RUN),
    "BasicAuthDetector": ("://",),
    "CloudantDetector": ("key", "pw", "pass", "token", "cloudant", RUN),
    "DiscordBotTokenDetector": (RUN,),
    "GitHubTokenDetector": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", RUN),
    "GitLabTokenDetector": ("gl", "gr1348941", RUN),
    "IbmCloudIamDetector": ("key", "pwd", "pass", "token", RUN),
    "IbmCosHmacDetector": ("key", RUN),
    "JwtTokenDetector": ("eyj",),
    "MailchimpDetector": ("-us", RUN),
    "NpmDetector": ("_authtoken",),
    "OpenAIDetector": ("t3blbkfj", RUN),
    "PrivateKeyDetector": ("private key", "putty"),
    "PypiTokenDetector": ("pypi-", RUN),
    "SendGridDetector": ("sg.", RUN),
    "SlackDetector": ("xox", "hooks.slack.com"),
    "SoftlayerDetector": ("key", "pwd", "pass", "token", "softlayer", RUN),
    "SquareOAuthDetector": ("sq0csp-", RUN),
    "StripeDetector": ("k_live_", RUN),
    "TelegramBotTokenDetector": (":", RUN),
    "TwilioKeyDetector": ("ac", "sk", RUN),
}

Rule = tuple[str, re.Pattern[str], Gate]


def ds_rules() -> tuple[list[Rule], list[Rule]]:
    """(reviewed, unreviewed) regex rules of the installed detect-secrets plugins."""
    reviewed: list[Rule] = []
    unreviewed: list[Rule] = []
    plugins: list[type[Any]] = list(get_mapping_from_secret_type_to_class().values())
    for plugin in plugins:
        if plugin.__name__ in _DS_SKIP or not issubclass(plugin, RegexBasedDetector):
            continue
        if plugin.__name__ in DS_GATES:
            target, gate = reviewed, DS_GATES[plugin.__name__]
        else:
            target, gate = unreviewed, None
        # `denylist` is a class attribute (a list of compiled patterns) typed as a property upstream.
        patterns: list[re.Pattern[str]] = list(vars(plugin).get("denylist") or ())
        target.extend((_kind_of(plugin), p, gate) for p in patterns)
    return reviewed + PRIVATE_KEY_LABELS, unreviewed
