"""What the endpoint's credentials look like in text, and URLs made safe to show.

A key or a URL's user:password can come back in what a server sends (an error page that
echoes the request, a proxy's message); everything reviewer keeps of a model's answers
passes through `redact`, and every URL it logs or shows through `public_url`. Plain
functions, without the openai SDK, so that anything may import them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

REDACTED = "[redacted]"
_KEY_SHAPED = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-]{6,}")
# Query parameters that carry credentials (?key=, ?api_key=, ?access_token=, ?sig= …).
_SECRET_PARAM = re.compile(r"key|token|secret|passw|pwd|sig|auth|credential|session", re.I)
_MIN_SECRET = 4  # shorter values are not replaced inside text (they would mangle it)


def redact(text: str, secret: str | Sequence[str]) -> str:
    """Text with every secret, in every form a server may echo it (as is, URL-quoted,
    base64 of user:password), and anything key-shaped replaced by [redacted]."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    for s in sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True):
        text = text.replace(s, REDACTED)
    return _KEY_SHAPED.sub(rf"\1-{REDACTED}", text)


def url_secrets(url: str) -> list[str]:
    """The credentials a URL carries: its user:password and its secret query values, in
    the forms they travel in (raw, decoded, and the Basic-auth base64 of user:password)."""
    parts = urlsplit(url)
    found: list[str] = []
    if parts.password:
        user = unquote(parts.username or "")
        password = unquote(parts.password)
        found += [parts.password, password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    for raw in filter(None, parts.query.split("&")):
        name, _, value = raw.partition("=")
        if _public_param(raw) != raw:
            found += [value, unquote_plus(value)]
    return found


def public_url(url: str) -> str:
    """The base URL as logged and shown: no user:password@, secret query values replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
    query = "&".join(map(_public_param, parts.query.split("&"))) if parts.query else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _public_param(raw: str) -> str:
    name, _, value = raw.partition("=")
    return f"{name}={REDACTED}" if value and _SECRET_PARAM.search(unquote(name)) else raw
