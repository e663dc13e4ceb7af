"""API models of merchant webhooks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mercato.http.schema_base import RequestBody


class EndpointCreate(RequestBody):
    url: str = Field(max_length=2048)
    event_types: list[str] = Field(min_length=1, max_length=64, description='catalogued types, or ["*"] for all')
    description: str | None = Field(default=None, max_length=500)


class EndpointPatch(RequestBody):
    url: str | None = Field(default=None, max_length=2048)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=500)
    status: Literal["enabled", "disabled"] | None = None


class RotateSecret(RequestBody):
    overlap_seconds: int | None = Field(
        default=None, ge=0, le=7 * 24 * 3600, description="how long the old secret keeps signing (default 24 h)"
    )


class EndpointResponse(BaseModel):
    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    description: str | None
    event_types: list[str]
    status: str
    created_at: str
    updated_at: str
    previous_secret_expires_at: str | None = Field(description="while set, deliveries carry two v1 signatures")
    secret: str | None = Field(default=None, description="only in the answer to creation and rotation")


class DeliveryResponse(BaseModel):
    id: str
    object: Literal["webhook_delivery"] = "webhook_delivery"
    endpoint_id: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "dead"]
    attempts: int
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    redelivery_of: str | None
    created_at: str
    delivered_at: str | None


class EndpointList(BaseModel):
    object: Literal["list"] = "list"
    items: list[EndpointResponse]
    next_cursor: str | None


class DeliveryList(BaseModel):
    object: Literal["list"] = "list"
    items: list[DeliveryResponse]
    next_cursor: str | None
