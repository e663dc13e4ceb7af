"""Sales tax estimates from a small rate table: basis points by country, refined by region.

An estimate for the cart page, not a tax engine: no product tax classes, no tax on shipping, no
exemptions. The checkout (and later a tax provider behind the same protocol) makes the binding number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class TaxEstimator(Protocol):
    """Estimates the tax on an amount of goods shipped to a destination."""

    def estimate(
        self, *, country: str, region: str | None, postal_code: str | None, taxable_amount: int, currency: str
    ) -> int:
        """Tax in the currency's minor units."""
        ...


# Basis points (1/100 of a percent). Regions refine a country's rate where the country has none of its own
# (US sales tax is levied by states) or a different one.
STANDARD_COUNTRY_RATES: Mapping[str, int] = {
    "AT": 2000,
    "AU": 1000,
    "BE": 2100,
    "CA": 500,
    "CH": 810,
    "DE": 1900,
    "DK": 2500,
    "ES": 2100,
    "FR": 2000,
    "GB": 2000,
    "IE": 2300,
    "IT": 2200,
    "JP": 1000,
    "NL": 2100,
    "NZ": 1500,
    "PL": 2300,
    "SE": 2500,
    "US": 0,
}

STANDARD_REGION_RATES: Mapping[tuple[str, str], int] = {
    ("CA", "BC"): 1200,
    ("CA", "ON"): 1300,
    ("CA", "QC"): 1498,
    ("US", "CA"): 725,
    ("US", "FL"): 600,
    ("US", "IL"): 625,
    ("US", "NY"): 400,
    ("US", "TX"): 625,
    ("US", "WA"): 650,
}


@dataclass(frozen=True, slots=True)
class TaxRateTable:
    """A TaxEstimator from fixed rates; an unknown country is taxed at 0 (the estimate says so honestly)."""

    country_rates: Mapping[str, int] = field(default_factory=lambda: STANDARD_COUNTRY_RATES)
    region_rates: Mapping[tuple[str, str], int] = field(default_factory=lambda: STANDARD_REGION_RATES)

    def rate_bps(self, country: str, region: str | None) -> int:
        """The rate for a destination: its region's if listed, else its country's, else 0."""
        country = country.upper()
        if region is not None:
            regional = self.region_rates.get((country, region.upper()))
            if regional is not None:
                return regional
        return self.country_rates.get(country, 0)

    def estimate(
        self, *, country: str, region: str | None, postal_code: str | None, taxable_amount: int, currency: str
    ) -> int:
        """Tax on `taxable_amount`, rounded half up to a whole minor unit."""
        return (taxable_amount * self.rate_bps(country, region) + 5_000) // 10_000
