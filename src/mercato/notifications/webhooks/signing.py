"""Webhook signatures, as Stripe signs its webhooks, on the kernel's one signature scheme.

Header: `Mercato-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. During a
secret rotation's overlap the header carries one `v1=` per valid secret (new first), so a receiver that
still knows only the old secret keeps verifying. Receivers compare in constant time and refuse timestamps
older than their tolerance (5 minutes) to stop replays: `mercato.kernel.signatures.verify` does both.
"""

from __future__ import annotations

import secrets

from mercato.kernel.signatures import signature_header, verify

SIGNATURE_HEADER = "Mercato-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret (shown to the merchant once, at creation or rotation)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


__all__ = ["SIGNATURE_HEADER", "new_secret", "signature_header", "verify"]
