"""API keys of services detect-secrets has no detector for: a short vendor prefix, then a long random
run (``shpat_<32 hex>``, ``dop_v1_<64 hex>``, ``npm_<36>``, ``gsk_<52>``, ``xai-<80>``, ...). No rule
knew them, so a key pasted into a task or echoed in a tool's error reached the library file. The
rule is a shape, not a list of vendors: a lower-case prefix of a few words, ``_`` or ``-``, and 32+
letters and digits holding a digit whose randomness passes detect-secrets' own entropy limits. Ids
and hashes of that size keep their values (a Stripe id, an OpenAI file id, a UUID, a content hash,
an identifier in camel case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact_text

KEYS = {
    "Shopify": "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",
    "DigitalOcean": "dop_v1_9b1c4e7a2d5f8b0c3e6a9d2f5b8c1e4a7d0f3b6c9e2a5d8f1b4c7e0a3d6f9b2c",
    "npm": "npm_Zq4Lr7Mx2Nb9Vc6Kd1Hf8Jg3Tp5Ws0Ye7Ua2B",
    "Groq": "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",
    "xAI": "xai-R7kP2mN9qL4vX8tB3wZ6yH1jF5sD0gC7aE2uQ9iO4pK8nM3bV6cX1zT5rY0wL7hJ2fG9dS4aQ1",
    "Linear": "lin_api_K3m9Px2Rq7Lw5Nz8Tb4Vc1Yd6Hf0Jg2Ms5Ua9Ek3",
    "Replicate": "r8_Ab3Cd9Ef2Gh7Ij4Kl1Mn8Op5Qr0St6Uv2Wx9Yz3a",
}


@pytest.mark.parametrize("vendor", list(KEYS))
def test_a_prefixed_key_is_redacted(vendor: str) -> None:
    key = KEYS[vendor]
    for text in (key, f"export TOKEN_FOR_DEPLOY {key}", f"request failed with {key}: 401", f'"{key}"'):
        out = redact_text(text)
        assert key not in out and key[-12:] not in out, out
        assert "[REDACTED:" in out


def test_a_prefixed_key_reaches_no_file(tmp_path: Path) -> None:
    key = KEYS["Shopify"]
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task=f"list the orders, use {key}") as ep:
                sent = ep.before_tool("shop_orders", {"shop": "acme", "header": f"X-Shopify-Access {key}"})
                ep.on_tool_error("shop_orders", sent, RuntimeError(f"401: {key} was revoked"))
                ep.finish(reward=0.0)
        lib.flush()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert key.encode() not in data and key[-16:].encode() not in data
    assert b"acme" in data


@pytest.mark.parametrize(
    "text",
    [
        "cus_NffrFeUfNV2Hib",
        "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "file-abc123def456ghi789jkl0",
        "user_0f8fad5b-d9cb-469f-a165-70867728950e",
        "sha256_9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "md5-5d41402abc4b2a76b9719d911017c592",
        "get_ThisIsAVeryLongIdentifierNameForTests",
        "build-00000000000000000000000000000000000001",
        "order_12345678901234567890123456789012345",
        "img_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
    ],
)
def test_ids_and_hashes_keep_their_values(text: str) -> None:
    assert redact_text(text) == text
