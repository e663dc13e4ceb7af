"""Price arithmetic: tax per line, coupon discounts and their fair split across lines. Pure; integers only.

Rounding is half-up on each line, and a discount is split across lines by largest remainder so that
the parts always add up to the whole: an order's total is then exactly the sum of its items and
shipping, which the orders table CHECKs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CouponKind(StrEnum):
    """What a coupon takes off."""

    PERCENT = "percent"
    FIXED = "fixed"
    FREE_SHIPPING = "free_shipping"


def percent_of(amount: int, bps: int) -> int:
    """`amount` × `bps`/10 000, rounded half up (amounts are never negative here)."""
    return (amount * bps + 5_000) // 10_000


def line_tax(line_amount: int, rate_bps: int) -> int:
    """Tax on one line's (already discounted) amount."""
    return percent_of(line_amount, rate_bps)


def split_proportionally(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` proportionally, by largest remainder, so the parts sum to `total`."""
    whole = sum(weights)
    if whole == 0 or total == 0:
        return [0] * len(weights)
    exact = [total * w for w in weights]
    parts = [e // whole for e in exact]
    remainders = sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon's rule, as stored."""

    code: str
    kind: CouponKind
    value: int
    currency: str | None
    min_subtotal: int
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True, slots=True)
class CouponEffect:
    """What a coupon does to one order: a discount on goods, or shipping waived."""

    discount: int
    free_shipping: bool


def coupon_problem(coupon: Coupon, *, subtotal: int, currency: str, now: datetime) -> str | None:
    """Why the coupon does not apply to this order (a sentence for the client), or None if it does."""
    if coupon.starts_at and now < coupon.starts_at:
        return "the coupon is not valid yet"
    if coupon.ends_at and now >= coupon.ends_at:
        return "the coupon has expired"
    if subtotal < coupon.min_subtotal:
        return f"the coupon needs a subtotal of at least {coupon.min_subtotal}"
    if coupon.kind is CouponKind.FIXED and coupon.currency != currency:
        return "the coupon is for another currency"
    return None


def coupon_effect(coupon: Coupon, *, subtotal: int) -> CouponEffect:
    """The discount the coupon gives on `subtotal` (never more than the subtotal)."""
    if coupon.kind is CouponKind.PERCENT:
        return CouponEffect(discount=min(subtotal, percent_of(subtotal, coupon.value)), free_shipping=False)
    if coupon.kind is CouponKind.FIXED:
        return CouponEffect(discount=min(subtotal, coupon.value), free_shipping=False)
    return CouponEffect(discount=0, free_shipping=True)
