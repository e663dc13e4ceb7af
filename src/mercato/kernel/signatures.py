"""Timestamped HMAC-SHA256 signatures, in the header form Stripe uses: `t=<unix>,v1=<hex>[,v1=<hex>]`.

One scheme for every webhook Mercato sends or receives, so that verification (constant-time compare,
timestamp tolerance against replays, several `v1` values during a secret rotation) is written once.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"{timestamp}." + body` under `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """A header value carrying one `v1` signature per secret (two while a rotated secret overlaps)."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets)])


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance_seconds: int = 300) -> bool:
    """Whether `header` carries a valid, fresh signature of `body` under `secret`."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
