"""`/v1/me/notification-preferences` and `/v1/skus/{id}/notify-me` over HTTP: defaults, partial updates,
strict validation (no partial writes), and who may call them."""

from __future__ import annotations

import httpx

from tests import factories
from tests.integration.notifications.pipeline import insert_sku

DEFAULTS = {
    "object": "notification_preferences",
    "phone": None,
    "email": {"order_updates": True, "cart_reminders": True, "back_in_stock": True},
    "sms": {"order_updates": True, "cart_reminders": False, "back_in_stock": False},
}


def test_a_new_customer_gets_every_email_and_no_sms_until_a_number_is_given(api: httpx.Client) -> None:
    casey = factories.customer(api)
    response = api.get("/v1/me/notification-preferences", headers=casey.headers)
    assert response.status_code == 200
    assert response.json() == DEFAULTS


def test_patching_one_category_leaves_the_others_as_they_were(api: httpx.Client) -> None:
    casey = factories.customer(api)
    api.patch("/v1/me/notification-preferences", json={"email": {"back_in_stock": False}}, headers=casey.headers)
    response = api.patch(
        "/v1/me/notification-preferences",
        json={"email": {"cart_reminders": False}, "sms": {"cart_reminders": True}, "phone": "+447700900123"},
        headers=casey.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == {"order_updates": True, "cart_reminders": False, "back_in_stock": False}
    assert body["sms"]["cart_reminders"] is True
    assert body["phone"] == "+447700900123"
    cleared = api.patch("/v1/me/notification-preferences", json={"phone": None}, headers=casey.headers)
    assert cleared.json()["phone"] is None
    assert cleared.json()["email"]["back_in_stock"] is False
    assert api.get("/v1/me/notification-preferences", headers=casey.headers).json() == cleared.json()


def test_unknown_categories_fields_and_bad_numbers_are_refused_without_writing(api: httpx.Client) -> None:
    casey = factories.customer(api)
    for body, field in (
        ({"email": {"newsletter": False}}, "body.email.newsletter"),
        ({"push": {"order_updates": False}}, "body.push"),
        ({"phone": "555-0123"}, "body.phone"),
        ({"email": {"order_updates": "nope"}}, "body.email.order_updates"),
        ({"email": {"order_updates": False}, "phone": "12"}, "body.phone"),
    ):
        response = api.patch("/v1/me/notification-preferences", json=body, headers=casey.headers)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
    assert api.get("/v1/me/notification-preferences", headers=casey.headers).json() == DEFAULTS


def test_preferences_need_a_signed_in_customer(api: httpx.Client, database_url: str) -> None:
    assert api.get("/v1/me/notification-preferences").status_code == 401
    staff = factories.merchant_staff(api, database_url)
    assert api.get("/v1/me/notification-preferences", headers=staff.headers).status_code == 403


def test_notify_me_on_an_unknown_or_malformed_sku_is_a_404(api: httpx.Client) -> None:
    casey = factories.customer(api)
    for sku_id in ("sku_0000000000000000000000000z", "not-an-id", "prod_0000000000000000000000000z"):
        response = api.post(f"/v1/skus/{sku_id}/notify-me", headers=casey.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not-found"


def test_notify_me_can_be_cancelled_once(api: httpx.Client, database_url: str) -> None:
    sku_id = insert_sku(database_url, merchant_id="mer_0000000000000000000000000a", name="Teapot")
    casey = factories.customer(api)
    created = api.post(f"/v1/skus/{sku_id}/notify-me", headers=casey.headers)
    assert created.status_code == 201
    assert created.json()["id"].startswith("nms_")
    assert api.delete(f"/v1/skus/{sku_id}/notify-me", headers=casey.headers).status_code == 204
    assert api.delete(f"/v1/skus/{sku_id}/notify-me", headers=casey.headers).status_code == 404
    assert api.post(f"/v1/skus/{sku_id}/notify-me").status_code == 401
