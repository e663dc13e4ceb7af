"""Which merchants an event concerns, and the part of it each may see.

The rule (docs/events.md, "Merchant scope"): the recipients are the payload's `merchant_ids` (or its single
`merchant_id`). Merchant M receives a copy in which `merchant_ids` is `[M]`, every list of objects that
carry a `merchant_id` keeps only M's objects (items, shipments, merchant_totals…), and the fields the
catalogue marks as order-wide (the whole order's totals) are removed. So a merchant never learns what
another merchant sold in the same order.
"""

from __future__ import annotations

from typing import Any


def recipients(payload: dict[str, Any]) -> list[str]:
    """The merchants an event concerns, in a stable order."""
    ids = payload.get("merchant_ids")
    if isinstance(ids, list):
        return sorted({str(i) for i in ids})
    single = payload.get("merchant_id")
    return [str(single)] if single else []


def _scoped(value: Any, merchant_id: str) -> Any:
    if isinstance(value, list):
        kept = [v for v in value if not (isinstance(v, dict) and "merchant_id" in v) or v["merchant_id"] == merchant_id]
        return [_scoped(v, merchant_id) for v in kept]
    if isinstance(value, dict):
        return {k: _scoped(v, merchant_id) for k, v in value.items()}
    return value


def scope_for_merchant(payload: dict[str, Any], merchant_id: str, hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """The copy of `payload` merchant `merchant_id` may see."""
    data = {k: _scoped(v, merchant_id) for k, v in payload.items() if k not in hidden}
    if "merchant_ids" in data:
        data["merchant_ids"] = [merchant_id]
    return data
