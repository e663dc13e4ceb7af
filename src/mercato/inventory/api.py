"""HTTP routes of the inventory context: a merchant's warehouses, stock levels, adjustments and ledger.

Merchant staff only (customers get 403), and only their own merchant's SKUs and warehouses: another
merchant's answer 404 exactly like missing ones.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from mercato.http.deps import ContainerDep, MerchantStaff, ReadConn, WriteTx
from mercato.inventory.schemas import (
    AdjustmentCreate,
    AdjustmentOut,
    LedgerEntryOut,
    LedgerPage,
    StockLevelList,
    StockLevelOut,
    StockSet,
    WarehouseCreate,
    WarehouseList,
    WarehouseOut,
)
from mercato.inventory.services.ledger import sku_ledger
from mercato.inventory.services.stock_levels import adjust_on_hand, set_on_hand, stock_levels
from mercato.inventory.services.warehouses import create_warehouse, list_warehouses
from mercato.kernel.paging import DEFAULT_LIMIT, check_limit

merchant_router = APIRouter(prefix="/v1/merchant", tags=["merchant inventory"])

Limit = Annotated[int, Query(description="Page size, 1..100")]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]


def _merchant(staff: MerchantStaff) -> str:
    assert staff.merchant_id is not None  # guaranteed by the MerchantStaff dependency
    return staff.merchant_id


@merchant_router.get("/warehouses", response_model=WarehouseList, summary="List your warehouses")
async def get_warehouses(
    staff: MerchantStaff, conn: ReadConn, container: ContainerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> WarehouseList:
    """Your merchant's warehouses in creation order, a page at a time."""
    scope = f"warehouses:{_merchant(staff)}"
    after = container.cursors.decode(scope, cursor)[0] if cursor else None
    found, more = await list_warehouses(conn, merchant_id=_merchant(staff), limit=check_limit(limit), after_id=after)
    next_cursor = container.cursors.encode(scope, [found[-1].id]) if more else None
    return WarehouseList(items=[WarehouseOut.of(w) for w in found], next_cursor=next_cursor)


@merchant_router.post(
    "/warehouses", status_code=status.HTTP_201_CREATED, response_model=WarehouseOut, summary="Add a warehouse"
)
async def post_warehouse(body: WarehouseCreate, staff: MerchantStaff, tx: WriteTx) -> WarehouseOut:
    """A new warehouse; `priority` orders warehouses equally near a destination (lower is preferred)."""
    warehouse = await create_warehouse(
        tx,
        merchant_id=_merchant(staff),
        name=body.name,
        country=body.country,
        region=body.region,
        priority=body.priority,
    )
    return WarehouseOut.of(warehouse)


@merchant_router.put(
    "/skus/{sku_id}/stock/{warehouse_id}", response_model=StockLevelOut, summary="Set the units on hand"
)
async def put_stock(
    *, sku_id: str, warehouse_id: str, body: StockSet, staff: MerchantStaff, tx: WriteTx, container: ContainerDep
) -> StockLevelOut:
    """Set on hand after a stock count; below what is reserved is a 409 conflict."""
    level = await set_on_hand(
        tx,
        merchant_id=_merchant(staff),
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        on_hand=body.on_hand,
        actor=staff.user_id,
        now=container.clock.now(),
    )
    return StockLevelOut.of(level)


@merchant_router.get("/skus/{sku_id}/stock", response_model=StockLevelList, summary="A SKU's stock per warehouse")
async def get_stock(sku_id: str, staff: MerchantStaff, conn: ReadConn) -> StockLevelList:
    """On hand, reserved and available in each of your warehouses (zero where never stocked)."""
    levels = await stock_levels(conn, merchant_id=_merchant(staff), sku_id=sku_id)
    return StockLevelList(items=[StockLevelOut.of(level) for level in levels])


@merchant_router.post(
    "/skus/{sku_id}/stock/{warehouse_id}/adjustments",
    status_code=status.HTTP_201_CREATED,
    response_model=AdjustmentOut,
    summary="Adjust the units on hand",
)
async def post_adjustment(
    *,
    sku_id: str,
    warehouse_id: str,
    body: AdjustmentCreate,
    staff: MerchantStaff,
    tx: WriteTx,
    container: ContainerDep,
) -> AdjustmentOut:
    """Add (or, negative, remove) units with a reason; below zero or below what is reserved is a 409."""
    level, entry = await adjust_on_hand(
        tx,
        merchant_id=_merchant(staff),
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        delta=body.delta,
        reason=body.reason,
        actor=staff.user_id,
        now=container.clock.now(),
    )
    return AdjustmentOut.of(level, entry)


@merchant_router.get("/skus/{sku_id}/ledger", response_model=LedgerPage, summary="A SKU's stock ledger")
async def get_ledger(
    *,
    sku_id: str,
    staff: MerchantStaff,
    conn: ReadConn,
    container: ContainerDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> LedgerPage:
    """Every stock movement of the SKU in all your warehouses, newest first."""
    scope = f"ledger:{sku_id}"
    before = container.cursors.decode(scope, cursor)[0] if cursor else None
    entries, more = await sku_ledger(
        conn, merchant_id=_merchant(staff), sku_id=sku_id, limit=check_limit(limit), before_seq=before
    )
    next_cursor = container.cursors.encode(scope, [entries[-1].seq]) if more else None
    return LedgerPage(items=[LedgerEntryOut.of(e) for e in entries], next_cursor=next_cursor)
