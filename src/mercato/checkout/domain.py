"""The order plan: how reserved lines become shipments, items, taxes, discounts and totals. Pure.

Lines are split by where their stock was reserved (merchant × warehouse); digital goods form their
own shipment per merchant and ship free. A coupon discount is split across items in proportion to
their amounts (largest remainder, so the parts add up), tax is charged per item on its discounted
amount, and the totals are sums of the parts, so subtotal + shipping + tax − discount = total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.pricing import line_tax, split_proportionally


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A cart line as checked out: the current price and what the catalog says of its SKU."""

    sku_id: str
    product_id: str
    merchant_id: str
    name: str
    qty: int
    unit_price: int
    digital: bool
    weight_grams: int


@dataclass(frozen=True, slots=True)
class HeldStock:
    """Units of one SKU reserved in one warehouse."""

    sku_id: str
    warehouse_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class ParcelKey:
    """What makes a shipment: one merchant, one warehouse, physical or digital."""

    merchant_id: str
    warehouse_id: str
    digital: bool


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One order item: a SKU's units from one warehouse, priced."""

    sku_id: str
    product_id: str
    merchant_id: str
    name: str
    qty: int
    unit_price: int
    discount: int
    tax: int
    digital: bool

    @property
    def amount(self) -> int:
        """Units × price, before discount and tax."""
        return self.unit_price * self.qty


@dataclass(frozen=True, slots=True)
class PlannedTotals:
    """The order's totals, each a sum of its parts."""

    subtotal: int
    shipping_total: int
    tax_total: int
    discount_total: int

    @property
    def total(self) -> int:
        """subtotal + shipping + tax − discount."""
        return self.subtotal + self.shipping_total + self.tax_total - self.discount_total


def parcels(lines: list[PricedLine], held: list[HeldStock]) -> dict[ParcelKey, list[tuple[PricedLine, int]]]:
    """Group the reserved units into parcels: each line's units, split the way its stock was held."""
    by_sku = {line.sku_id: line for line in lines}
    grouped: dict[ParcelKey, list[tuple[PricedLine, int]]] = {}
    for hold in sorted(held, key=lambda h: (h.sku_id, h.warehouse_id)):
        line = by_sku[hold.sku_id]
        key = ParcelKey(line.merchant_id, hold.warehouse_id, line.digital)
        grouped.setdefault(key, []).append((line, hold.qty))
    return dict(sorted(grouped.items(), key=lambda kv: (kv[0].merchant_id, kv[0].warehouse_id, kv[0].digital)))


def parcel_weight(contents: list[tuple[PricedLine, int]]) -> int:
    """The parcel's weight in grams."""
    return sum(line.weight_grams * qty for line, qty in contents)


def price_items(
    grouped: dict[ParcelKey, list[tuple[PricedLine, int]]], *, discount: int, tax_rate_bps: int
) -> dict[ParcelKey, list[PlannedItem]]:
    """Items per parcel with the discount split across all of them and tax charged on what remains."""
    flat = [(key, line, qty) for key, contents in grouped.items() for line, qty in contents]
    shares = split_proportionally(discount, [line.unit_price * qty for _, line, qty in flat])
    priced: dict[ParcelKey, list[PlannedItem]] = {key: [] for key in grouped}
    for (key, line, qty), share in zip(flat, shares, strict=True):
        priced[key].append(
            PlannedItem(
                sku_id=line.sku_id,
                product_id=line.product_id,
                merchant_id=line.merchant_id,
                name=line.name,
                qty=qty,
                unit_price=line.unit_price,
                discount=share,
                tax=line_tax(line.unit_price * qty - share, tax_rate_bps),
                digital=line.digital,
            )
        )
    return priced


def totals(items: dict[ParcelKey, list[PlannedItem]], shipping: dict[ParcelKey, int]) -> PlannedTotals:
    """The order's totals from its items and its parcels' shipping."""
    every = [item for group in items.values() for item in group]
    return PlannedTotals(
        subtotal=sum(i.amount for i in every),
        shipping_total=sum(shipping.values()),
        tax_total=sum(i.tax for i in every),
        discount_total=sum(i.discount for i in every),
    )
