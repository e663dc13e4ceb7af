"""The base of every payload model: unknown fields are allowed, since consumers must ignore them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """An event payload; adding a field is compatible, removing or changing one needs a new version."""

    model_config = ConfigDict(extra="allow")


class MerchantScoped(Payload):
    """An event about several merchants' data; `merchant_ids` decides which merchants' webhooks see it."""

    merchant_ids: list[str]
