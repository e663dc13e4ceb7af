"""Cart rules with no I/O: who owns a cart, what a line costs now, and the totals a cart page shows."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CartOwner:
    """Who is asking: a signed-in user, a guest holding a cart token, or both (a guest who just signed in)."""

    user_id: str | None = None
    token: str | None = None


def new_cart_token() -> str:
    """A guest's proof of ownership: 256 random bits, shown once and stored only as a hash."""
    return secrets.token_urlsafe(32)


def hash_cart_token(token: str) -> str:
    """What is stored for a token (a fast hash is enough: the token has full entropy)."""
    return hashlib.sha256(token.encode()).hexdigest()


def owns(
    owner: CartOwner,
    *,
    cart_user_id: str | None,
    cart_token_hash: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> bool:
    """A customer's cart belongs to that customer; a guest cart to whoever holds its unexpired token."""
    if cart_user_id is not None:
        return owner.user_id == cart_user_id
    if owner.token is None or cart_token_hash is None:
        return False
    if expires_at is not None and expires_at <= now:
        return False
    return hmac.compare_digest(hash_cart_token(owner.token), cart_token_hash)


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line as the cart shows it: the SKU's current price beside the price when it was added."""

    id: str
    sku_id: str
    product_id: str
    name: str
    qty: int
    unit_price: int
    added_price: int
    available: int
    digital: bool
    weight_grams: int

    @property
    def price_changed(self) -> bool:
        return self.unit_price != self.added_price

    @property
    def line_total(self) -> int:
        return self.unit_price * self.qty


@dataclass(frozen=True, slots=True)
class Estimates:
    """Shipping and tax for a destination, and the total they make with the subtotal."""

    shipping: int | None
    tax: int
    total: int | None


@dataclass(frozen=True, slots=True)
class Cart:
    """A cart as its owner sees it; `token` is set only in the answer that created a guest cart."""

    id: str
    currency: str
    status: str
    lines: tuple[CartLine, ...]
    saved_for_later: tuple[CartLine, ...]
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    estimates: Estimates | None = None
    token: str | None = None

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def ship_weight_grams(self) -> int | None:
        """The weight of the physical goods, or None if nothing needs shipping."""
        physical = [line for line in self.lines if not line.digital]
        return sum(line.weight_grams * line.qty for line in physical) if physical else None


def total_with(subtotal: int, shipping: int | None, tax: int) -> int | None:
    """The estimated total; unknown when shipping could not be estimated."""
    return None if shipping is None else subtotal + shipping + tax
