"""Webhook signatures, as Stripe signs its webhooks.

Header: `Mercato-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. During a
secret rotation's overlap the header carries one `v1=` per valid secret (new first), so a receiver that
still knows only the old secret keeps verifying. Receivers must compare in constant time and refuse
timestamps older than their tolerance (5 minutes is usual) to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Mercato-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret (shown to the merchant once, at creation or rotation)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets_in_force: list[str], timestamp: int, body: bytes) -> str:
    """The header value: the timestamp and one v1 signature per secret in force."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets_in_force)])


def verify(header: str, secret: str, body: bytes, *, now: int, tolerance_seconds: int = 300) -> bool:
    """What a receiver does: parse the header, check the timestamp is recent and one v1 matches."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    timestamps = [v for k, v in parts if k == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for k, v in parts if k == "v1")
