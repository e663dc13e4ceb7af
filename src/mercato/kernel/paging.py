"""Keyset paging: opaque, tamper-evident cursors and the list envelope of shared/API.md.

A cursor carries the sort name and the last row's sort key; it is signed so that a tampered or
foreign cursor is refused (422 invalid-cursor) instead of silently returning a wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from mercato.kernel.errors import InvalidCursor, ValidationFailed

DEFAULT_LIMIT = 24
MAX_LIMIT = 100


def check_limit(limit: int) -> int:
    """Refuse a limit outside 1..100 (API.md: above the maximum is a 422, not a clamp)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="query.limit")
    return limit


@dataclass(frozen=True, slots=True)
class CursorCodec:
    """Encodes and verifies cursors with an HMAC under the deployment's secret."""

    secret: bytes

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()[:12]

    def encode(self, scope: str, key: list[Any]) -> str:
        """A cursor for the list `scope` (e.g. "products:price") positioned after `key`."""
        payload = json.dumps({"s": scope, "k": key}, separators=(",", ":")).encode()
        raw = self._sign(payload) + payload
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, scope: str, cursor: str) -> list[Any]:
        """The key a cursor carries, or InvalidCursor if it is tampered, foreign or for another list."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError) as exc:
            raise InvalidCursor("the cursor is not one this API issued") from exc
        signature, payload = raw[:12], raw[12:]
        if len(signature) != 12 or not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidCursor("the cursor is not one this API issued")
        data = json.loads(payload)
        if data.get("s") != scope or not isinstance(data.get("k"), list):
            raise InvalidCursor("the cursor belongs to another list or sort order")
        key: list[Any] = data["k"]
        return key


def list_envelope(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """The list shape every collection endpoint answers."""
    return {"object": "list", "items": items, "next_cursor": next_cursor}
