"""Shipping estimates from a flat rate table: a base price plus a price per started kilogram, by zone.

Zones are the destination country (a few listed ones) or "rest of the world"; amounts are per currency
because a flat fee means different things in yen and in dollars. An estimate for the cart page; carrier
rates, origins and parcel splits belong to the checkout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

REST_OF_WORLD = "*"


class ShippingEstimator(Protocol):
    """Estimates shipping for a parcel of physical goods (of `weight_grams`, possibly 0 if unknown)."""

    def estimate(
        self, *, country: str, region: str | None, postal_code: str | None, weight_grams: int, currency: str
    ) -> int | None:
        """Shipping in the currency's minor units, or None if the estimator cannot price this currency."""
        ...


@dataclass(frozen=True, slots=True)
class FlatRate:
    """`base` plus `per_kg` for every started kilogram, in minor units."""

    base: int
    per_kg: int

    def price(self, weight_grams: int) -> int:
        started_kg = -(-weight_grams // 1000)
        return self.base + self.per_kg * started_kg


# currency -> zone (country code or REST_OF_WORLD) -> rate
STANDARD_RATES: Mapping[str, Mapping[str, FlatRate]] = {
    "usd": {"US": FlatRate(499, 100), "CA": FlatRate(999, 250), REST_OF_WORLD: FlatRate(1999, 500)},
    "cad": {"CA": FlatRate(699, 150), "US": FlatRate(1299, 300), REST_OF_WORLD: FlatRate(2599, 650)},
    "eur": {"DE": FlatRate(399, 80), "FR": FlatRate(499, 90), REST_OF_WORLD: FlatRate(1499, 400)},
    "gbp": {"GB": FlatRate(349, 80), REST_OF_WORLD: FlatRate(1299, 350)},
    "aud": {"AU": FlatRate(799, 150), REST_OF_WORLD: FlatRate(2999, 700)},
    "jpy": {"JP": FlatRate(600, 150), REST_OF_WORLD: FlatRate(2500, 700)},
}


@dataclass(frozen=True, slots=True)
class FlatRateTable:
    """A ShippingEstimator from fixed rates (callers with nothing physical to ship need no estimate)."""

    rates: Mapping[str, Mapping[str, FlatRate]] = field(default_factory=lambda: STANDARD_RATES)

    def estimate(
        self, *, country: str, region: str | None, postal_code: str | None, weight_grams: int, currency: str
    ) -> int | None:
        zones = self.rates.get(currency)
        if zones is None:
            return None
        rate = zones.get(country.upper()) or zones.get(REST_OF_WORLD)
        return rate.price(weight_grams) if rate is not None else None
