"""Credentials inside an authentication scheme's parameters: an ``Authorization`` header's value is a
scheme and then a comma-separated list of ``name=value`` parameters (RFC 9110's auth-params). HTTP
Digest carries the proof in ``response="..."``, AWS SigV4 in ``Signature=...`` (and the access key
in ``Credential=``), and the pair rule hid only the header's first parameter, so the signature reached
the library file. A request signature named as such (``Signature=``, ``signature:``, ``X-Signature``,
a CloudFront ``&Signature=``) holding a digest or base64 value is a credential wherever it stands;
the word ``signature`` with other values (an error's signature, a function's) keeps them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

DIGEST = "6629fae49393a05397450978507c4ef1"
SIGV4 = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
B64SIG = "tnnArxj06cWHq44gCs1OSKk/jYQ="
AKID = "AKIDEXAMPLE7QZ4LRMX2"

LEAKED: dict[str, tuple[str, list[str]]] = {
    "HTTP Digest": (
        f'Authorization: Digest username="ana", realm="api", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        f'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="{DIGEST}", opaque="5ccc069c"',
        [DIGEST],
    ),
    "Proxy Digest, lower case, in JSON": (
        f'{{"headers": "proxy-authorization: digest username=\\"ana\\", response=\\"{DIGEST}\\", realm=\\"x\\""}}',
        [DIGEST],
    ),
    "AWS SigV4": (
        f"Authorization: AWS4-HMAC-SHA256 Credential={AKID}/20150830/us-east-1/iam/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date, Signature={SIGV4}",
        [AKID, SIGV4],
    ),
    "AWS SigV4 in a header dict": (
        str({"Authorization": f"AWS4-HMAC-SHA256 Credential={AKID}/x, Signature={SIGV4}"}),
        [AKID, SIGV4],
    ),
    "a custom HMAC scheme": (f"Authorization: HMAC-SHA256 keyId=ana,algorithm=hmac,signature={B64SIG}", [B64SIG]),
    "a signature query parameter": (
        f"https://d111111abcdef8.cloudfront.net/a.png?Expires=1357034400&Signature={B64SIG}&Key-Pair-Id=K2JCJMDEHXQW5F",
        [B64SIG],
    ),
    "a signature in prose of an error": (f"rejected: signature {SIGV4} does not match", [SIGV4]),
    "a credentials tuple in code": (f"requests.get(url, auth=('ana', '{B64SIG}'))", [B64SIG]),
    "a credentials object in code": (f"session.auth = HTTPDigestAuth('ana', '{B64SIG}')", [B64SIG]),
    "a signature header": (f"X-Signature: {SIGV4}\nX-Timestamp: 1700000000", [SIGV4]),
}

KEPT = {
    "an error's signature": "signature: ValueError: rejected order <id>",
    "a function's signature": "signature=(a, b, *, c=None)",
    "a commit": "commit=9fceb02d0ae598e95dc970b74767f19372d61af8",
    "the method of a signature": "oauth_signature_method=HMAC-SHA1, signature_version=4",
    "a libpq DSN's next field": "host=db user=app password=[REDACTED:secret] dbname=shop sslmode=require",
    "a Digest challenge's realm": 'WWW-Authenticate: Digest realm="api", qop="auth"',
}


@pytest.mark.parametrize("form", list(LEAKED))
def test_a_scheme_parameter_credential_is_hidden(form: str) -> None:
    text, secrets = LEAKED[form]
    out = redact_text(text)
    for secret in secrets:
        assert secret not in out, out


@pytest.mark.parametrize("form", list(KEPT))
def test_signature_words_without_a_credential_stay(form: str) -> None:
    assert redact_text(KEPT[form]) == KEPT[form]


def test_a_dict_signature_holding_a_digest_is_hidden_and_an_error_signature_stays() -> None:
    out = redact({"signature": SIGV4, "algorithm": "sha256"})
    assert SIGV4 not in str(out) and out["algorithm"] == "sha256"
    kept = {"signature": "TimeoutError: upstream took too long", "commit": SIGV4[:40]}
    assert redact(kept) == kept


def test_scheme_credentials_reach_no_library_file(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    headers = {"Authorization": LEAKED["HTTP Digest"][0].split(": ", 1)[1], "Accept": "application/json"}
    run_two_episodes(db, {"url": "https://api.example.com/x", "raw": LEAKED["AWS SigV4"][0], "hdrs": [headers]})
    data = db_bytes(db)
    for secret in (DIGEST, SIGV4, AKID):
        assert secret.encode() not in data
    assert b"application/json" in data


def test_a_signature_key_seen_with_plain_text_first_still_hides_a_digest() -> None:
    assert redact({"signature": "v2: rejected order <id>"}) == {"signature": "v2: rejected order <id>"}
    assert SIGV4 not in str(redact({"signature": SIGV4}))
