"""Database URLs and URLs in messages made fit to show: the password and secret query parameters
hidden (the key names judged by the same word rule as every other secret, `_secret_keys`)."""

from __future__ import annotations

import re

from ._secret_keys import is_secret_key

__all__ = ["mask_url", "mask_urls_in"]
_QUERY_SECRET = re.compile(r"(?P<sep>[?&;])(?P<k>[^=&#;\s]+)=(?P<v>[^&#;\s]*)")


def mask_url(url: str) -> str:
    """A database URL fit to show: ``postgresql://user:***@host/db?password=***``.

    The password in the user-info part and every query parameter whose name is secret
    (``password``, ``sslpassword``, ``token``, ``api_key`` ...) become ``***``; anything that is not
    a URL is returned as it is (a file path). Never raises, whatever the text.
    """
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    first_at = rest.find("@")
    if first_at >= 0:
        # The user-info ends at the last "@" before the query: a raw password may hold "@", "/" or "#".
        query_at = rest.find("?", first_at)
        at = rest.rfind("@", 0, len(rest) if query_at < 0 else query_at)
        userinfo = rest[:at]
        if ":" in userinfo:
            rest = userinfo.split(":", 1)[0] + ":***" + rest[at:]

    def query(m: re.Match[str]) -> str:
        return f"{m.group('sep')}{m.group('k')}=***" if _secret_param(m.group("k")) else m.group(0)

    return f"{scheme}://{_QUERY_SECRET.sub(query, rest)}"


def _secret_param(name: str) -> bool:
    # "key" alone is an API key in a query (Google's, Bing Maps', Steam's "?key=...")
    return is_secret_key(name) or name.lower() in {"sslpassword", "sslkey", "passfile", "key"}


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")


def mask_urls_in(text: str) -> str:
    """`text` with every URL in it passed through `mask_url` (an error message quoting a DSN)."""
    return _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
