"""Shipping: zones, carrier rates by zone and weight."""

from mercato.shipping.rates import ShippingQuote, ShippingRateTable

__all__ = ["ShippingQuote", "ShippingRateTable"]
