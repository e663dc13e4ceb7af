"""Carts: guest or customer carts, their lines and saved-for-later items, and the totals preview.

Other contexts use only what is exported here (the checkout reads the cart it is asked to check out).
"""

from mercato.cart.domain import Cart, CartLine, CartOwner, Estimates
from mercato.cart.services.checkout_read import CheckoutContents, CheckoutLine, checkout_contents
from mercato.cart.services.claim import claim_guest_cart
from mercato.cart.services.convert import convert_cart
from mercato.cart.services.loading import CartRules
from mercato.cart.services.view import EstimateRequest, get_cart

__all__ = [
    "Cart",
    "CartLine",
    "CartOwner",
    "CartRules",
    "CheckoutContents",
    "CheckoutLine",
    "EstimateRequest",
    "Estimates",
    "checkout_contents",
    "claim_guest_cart",
    "convert_cart",
    "get_cart",
]
