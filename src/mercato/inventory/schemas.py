"""Request and response bodies of the merchant inventory API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from mercato.http.schema_base import RequestBody
from mercato.inventory.domain import LedgerEntry, StockLevel, Warehouse, ledger_entry_id
from mercato.kernel.clock import rfc3339

_MAX_UNITS = 1_000_000_000


class WarehouseCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. US")
    region: str = Field(min_length=1, max_length=64, description="The region within the country, e.g. CA")
    priority: int = Field(default=100, ge=0, le=1_000_000, strict=True, description="Lower is preferred")


class WarehouseOut(BaseModel):
    id: str
    object: Literal["warehouse"] = "warehouse"
    name: str
    country: str
    region: str
    priority: int
    created_at: str

    @classmethod
    def of(cls, warehouse: Warehouse) -> WarehouseOut:
        return cls(
            id=warehouse.id,
            name=warehouse.name,
            country=warehouse.country,
            region=warehouse.region,
            priority=warehouse.priority,
            created_at=rfc3339(warehouse.created_at),
        )


class WarehouseList(BaseModel):
    object: Literal["list"] = "list"
    items: list[WarehouseOut]
    next_cursor: str | None


class StockSet(RequestBody):
    on_hand: int = Field(ge=0, le=_MAX_UNITS, strict=True)


class StockLevelOut(BaseModel):
    object: Literal["stock_level"] = "stock_level"
    sku_id: str
    warehouse_id: str
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, level: StockLevel) -> StockLevelOut:
        return cls(
            sku_id=level.sku_id,
            warehouse_id=level.warehouse_id,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
        )


class StockLevelList(BaseModel):
    object: Literal["list"] = "list"
    items: list[StockLevelOut]
    next_cursor: str | None = None


class AdjustmentCreate(RequestBody):
    delta: int = Field(ge=-_MAX_UNITS, le=_MAX_UNITS, strict=True, description="Units to add (negative: remove)")
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be zero")
        return value


class AdjustmentOut(BaseModel):
    id: str
    object: Literal["stock_adjustment"] = "stock_adjustment"
    sku_id: str
    warehouse_id: str
    delta: int
    reason: str
    on_hand: int
    reserved: int
    available: int
    created_at: str

    @classmethod
    def of(cls, level: StockLevel, entry: LedgerEntry) -> AdjustmentOut:
        return cls(
            id=ledger_entry_id(entry.seq),
            sku_id=level.sku_id,
            warehouse_id=level.warehouse_id,
            delta=entry.on_hand_delta,
            reason=entry.reason,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
            created_at=rfc3339(entry.created_at),
        )


class LedgerEntryOut(BaseModel):
    id: str
    object: Literal["ledger_entry"] = "ledger_entry"
    sku_id: str
    warehouse_id: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    reason: str
    reference: str | None
    created_at: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryOut:
        return cls(
            id=ledger_entry_id(entry.seq),
            sku_id=entry.sku_id,
            warehouse_id=entry.warehouse_id,
            kind=entry.kind.value,
            on_hand_delta=entry.on_hand_delta,
            reserved_delta=entry.reserved_delta,
            reason=entry.reason,
            reference=entry.reference,
            created_at=rfc3339(entry.created_at),
        )


class LedgerPage(BaseModel):
    object: Literal["list"] = "list"
    items: list[LedgerEntryOut]
    next_cursor: str | None
