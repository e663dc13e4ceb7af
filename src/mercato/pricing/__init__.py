"""Pricing: tax rates (table + external provider with fallback), coupons, price arithmetic."""

from mercato.pricing.coupons import redeem_coupon, release_coupon
from mercato.pricing.domain import CouponEffect, line_tax, split_proportionally
from mercato.pricing.tax import Destination, HttpTaxProvider, TaxRate, TaxRateTable, TaxService

__all__ = [
    "CouponEffect",
    "Destination",
    "HttpTaxProvider",
    "TaxRate",
    "TaxRateTable",
    "TaxService",
    "line_tax",
    "redeem_coupon",
    "release_coupon",
    "split_proportionally",
]
