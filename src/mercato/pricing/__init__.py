"""The pricing context: tax (for now a rate-table estimate), later coupons, promotions and currency."""

from mercato.pricing.tax import TaxEstimator, TaxRateTable

__all__ = ["TaxEstimator", "TaxRateTable"]
