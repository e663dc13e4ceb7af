"""HTTP routes of the inventory context."""

from __future__ import annotations

from fastapi import APIRouter

merchant_router = APIRouter(prefix="/v1/merchant", tags=["merchant inventory"])
