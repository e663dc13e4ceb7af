"""HTTP routes of the catalog context."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["catalog"])
merchant_router = APIRouter(prefix="/v1/merchant", tags=["merchant catalog"])
