"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURRENCY = re.compile(r"^[a-z]{3}$")

# Currencies whose minor unit is not the cent; everything else has two decimals.
_ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "isk", "ugx", "xof", "xaf"})


def normalize_currency(code: str) -> str:
    """Return the lower-case ISO 4217 code, as the API writes it, or raise ValueError."""
    lowered = code.strip().lower()
    if not _CURRENCY.match(lowered):
        raise ValueError(f"not an ISO 4217 currency code: {code!r}")
    return lowered


def minor_unit_digits(currency: str) -> int:
    """How many decimal digits the currency's minor unit has (0 for JPY, 2 for USD)."""
    return 0 if currency in _ZERO_DECIMAL else 2


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency; arithmetic refuses to mix currencies."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, qty: int) -> Money:
        """The amount for `qty` units."""
        return Money(self.amount * qty, self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in the given currency."""
        return cls(0, currency)
