"""A read-only view of the inventory context's `inventory` table, for `available` and `in_stock`.

The inventory context owns that table; the catalog only reads it, here and nowhere else, so the
product listing can show and filter availability without a query per SKU. This is a stand-in: when
inventory publishes an equivalent read in its public interface, these two expressions are replaced
by it and this module is deleted. The table is described locally (not imported) so that no catalog
code depends on inventory's internals.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, exists, func, select
from sqlalchemy.sql import column, table
from sqlalchemy.sql.selectable import ScalarSelect

_inventory = table(
    "inventory",
    column("sku_id"),
    column("on_hand", Integer),
    column("reserved", Integer),
)


def available_units(sku_id: ColumnElement[Any]) -> ScalarSelect[int]:
    """A correlated scalar: units of the SKU that can be bought now (on hand - reserved, all warehouses)."""
    return (
        select(func.coalesce(func.sum(_inventory.c.on_hand - _inventory.c.reserved), 0).cast(Integer))
        .where(_inventory.c.sku_id == sku_id)
        .scalar_subquery()
    )


def has_units(sku_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """A correlated EXISTS: some warehouse holds at least one unit of the SKU that is not reserved."""
    return exists().where(_inventory.c.sku_id == sku_id, _inventory.c.on_hand - _inventory.c.reserved > 0)
