"""The shipping context: rate estimates (for now a flat rate table), later carriers, shipments, tracking."""

from mercato.shipping.rates import FlatRate, FlatRateTable, ShippingEstimator

__all__ = ["FlatRate", "FlatRateTable", "ShippingEstimator"]
