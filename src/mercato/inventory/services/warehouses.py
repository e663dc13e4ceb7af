"""A merchant's warehouses: creating and listing them, and resolving one the caller owns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.inventory.domain import Warehouse
from mercato.inventory.tables import warehouses
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of, new_id


def _warehouse(row: Any) -> Warehouse:
    return Warehouse(
        id=row.id,
        merchant_id=row.merchant_id,
        name=row.name,
        country=row.country,
        region=row.region,
        priority=row.priority,
        created_at=row.created_at,
    )


async def create_warehouse(
    tx: Tx, *, merchant_id: str, name: str, country: str, region: str, priority: int
) -> Warehouse:
    """A new warehouse of the merchant; `country` is an ISO 3166-1 alpha-2 code, stored upper case."""
    row = (
        await tx.conn.execute(
            insert(warehouses)
            .values(
                id=new_id("warehouse"),
                merchant_id=merchant_id,
                name=name,
                country=country.upper(),
                region=region,
                priority=priority,
            )
            .returning(warehouses)
        )
    ).one()
    tx.emit(
        aggregate="warehouse",
        aggregate_id=row.id,
        event_type="warehouse.created",
        payload={"warehouse_id": row.id, "merchant_id": merchant_id},
    )
    return _warehouse(row)


async def list_warehouses(
    conn: AsyncConnection, *, merchant_id: str, limit: int, after_id: str | None = None
) -> tuple[list[Warehouse], bool]:
    """A page of the merchant's warehouses in creation (id) order, and whether more follow."""
    query = select(warehouses).where(warehouses.c.merchant_id == merchant_id)
    if after_id is not None:
        query = query.where(warehouses.c.id > after_id)
    rows = (await conn.execute(query.order_by(warehouses.c.id).limit(limit + 1))).all()
    return [_warehouse(r) for r in rows[:limit]], len(rows) > limit


async def owned_warehouse(conn: AsyncConnection, *, merchant_id: str, warehouse_id: str) -> Warehouse:
    """The merchant's warehouse; another merchant's is NotFound exactly like a missing one."""
    if is_id_of("warehouse", warehouse_id):
        row = (
            await conn.execute(
                select(warehouses).where(warehouses.c.id == warehouse_id, warehouses.c.merchant_id == merchant_id)
            )
        ).one_or_none()
        if row is not None:
            return _warehouse(row)
    raise NotFound("no such warehouse")
