"""API models of the notifications context (customer side)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mercato.http.schema_base import RequestBody
from mercato.notifications.domain import Preferences

E164 = r"^\+[1-9][0-9]{6,14}$"


class CategoryChoices(BaseModel):
    """Per category: true to receive, false to turn off. Omitted categories are left as they are."""

    model_config = ConfigDict(extra="forbid")

    order_updates: bool | None = None
    cart_reminders: bool | None = None
    back_in_stock: bool | None = None

    def given(self) -> dict[str, bool]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CategorySettings(BaseModel):
    order_updates: bool
    cart_reminders: bool
    back_in_stock: bool


class PreferencesPatch(RequestBody):
    phone: str | None = Field(default=None, pattern=E164, description="E.164 number for SMS; null removes it")
    email: CategoryChoices | None = None
    sms: CategoryChoices | None = None


class PreferencesResponse(BaseModel):
    object: Literal["notification_preferences"] = "notification_preferences"
    phone: str | None
    email: CategorySettings
    sms: CategorySettings

    @classmethod
    def of(cls, prefs: Preferences) -> PreferencesResponse:
        return cls(
            phone=prefs.phone,
            email=CategorySettings(**{c.value: on for c, on in prefs.email.items()}),
            sms=CategorySettings(**{c.value: on for c, on in prefs.sms.items()}),
        )


class StockSubscriptionResponse(BaseModel):
    id: str
    object: Literal["stock_subscription"] = "stock_subscription"
    sku_id: str
    created_at: str
    notified_at: str | None
