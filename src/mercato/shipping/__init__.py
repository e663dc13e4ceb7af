"""Shipping: zones, carrier rates by zone and weight."""

from mercato.shipping.rates import RateSnapshot, ShippingQuote, ShippingRateTable

__all__ = ["RateSnapshot", "ShippingQuote", "ShippingRateTable"]
