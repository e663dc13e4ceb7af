"""Opaque, type-prefixed, time-ordered ids (`prod_…`, `sku_…`), safe in URLs.

Time-ordered so that B-tree inserts stay local and `id` is a stable tie-breaker for keyset paging.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_BODY_LEN = 26
_ID = re.compile(r"^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$")

PREFIXES: dict[str, str] = {
    "merchant": "mer",
    "user": "usr",
    "category": "cat",
    "brand": "brd",
    "product": "prod",
    "sku": "sku",
    "image": "img",
    "review": "rev",
    "warehouse": "wh",
    "reservation": "res",
    "cart": "cart",
    "cart_line": "cli",
    "order": "ord",
    "order_item": "oi",
    "shipment": "shp",
    "payment": "pay",
    "payment_attempt": "patt",
    "payment_review": "prv",
    "refund": "re",
    "event": "evt",
    "ledger": "led",
    "checkout": "chk",
    "coupon": "cpn",
    "webhook_endpoint": "we",
    "webhook_delivery": "whd",
    "notification": "ntf",
    "stock_subscription": "nms",
}


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(kind: str, *, now_ms: Callable[[], int] | None = None) -> str:
    """A new id for an object of `kind` (a key of PREFIXES): 48 bits of milliseconds, 80 random bits."""
    prefix = PREFIXES[kind]
    millis = now_ms() if now_ms else time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{_encode((millis << 80) | rand, _BODY_LEN)}"


def is_id_of(kind: str, value: str) -> bool:
    """Whether `value` is well-formed as an id of `kind`; a malformed id is simply not found."""
    return bool(_ID.match(value)) and value.split("_", 1)[0] == PREFIXES[kind]
