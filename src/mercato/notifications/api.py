"""HTTP routes of customer notifications: preferences and 'notify me' subscriptions."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response, status

from mercato.http.deps import Customer, ReadConn, WriteTx
from mercato.http.problems import openapi_problems
from mercato.notifications.preferences import get_preferences, update_preferences
from mercato.notifications.schemas import PreferencesPatch, PreferencesResponse, StockSubscriptionResponse
from mercato.notifications.subscriptions import subscribe_back_in_stock, unsubscribe_back_in_stock

router = APIRouter(prefix="/v1", tags=["notifications"], responses=openapi_problems(401, 403, 404, 422))


@router.get("/me/notification-preferences", response_model=PreferencesResponse)
async def read_preferences(principal: Customer, conn: ReadConn) -> PreferencesResponse:
    """The signed-in customer's notification choices (every category on by default for e-mail)."""
    return PreferencesResponse.of(await get_preferences(conn, user_id=principal.user_id))


@router.patch("/me/notification-preferences", response_model=PreferencesResponse)
async def change_preferences(body: PreferencesPatch, principal: Customer, tx: WriteTx) -> PreferencesResponse:
    """Turn categories on or off per channel, and set or remove the SMS number."""
    phone_given = "phone" in body.model_fields_set
    prefs = await update_preferences(
        tx,
        user_id=principal.user_id,
        email=body.email.given() if body.email else None,
        sms=body.sms.given() if body.sms else None,
        **({"phone": body.phone} if phone_given else {}),
    )
    return PreferencesResponse.of(prefs)


@router.post(
    "/skus/{sku_id}/notify-me",
    status_code=status.HTTP_201_CREATED,
    response_model=StockSubscriptionResponse,
    responses={200: {"model": StockSubscriptionResponse, "description": "Already subscribed"}},
)
async def notify_me(sku_id: str, principal: Customer, tx: WriteTx, response: Response) -> StockSubscriptionResponse:
    """Be told once, by e-mail, when this SKU is back in stock (asking again returns the same subscription)."""
    subscription, created = await subscribe_back_in_stock(tx, user_id=principal.user_id, sku_id=sku_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return StockSubscriptionResponse(**asdict(subscription))


@router.delete("/skus/{sku_id}/notify-me", status_code=status.HTTP_204_NO_CONTENT)
async def stop_notify_me(sku_id: str, principal: Customer, tx: WriteTx) -> Response:
    """Cancel the waiting 'notify me' subscription for this SKU."""
    await unsubscribe_back_in_stock(tx, user_id=principal.user_id, sku_id=sku_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
