"""`/v1/merchant/webhooks` over HTTP: strict validation with nothing written on error, ownership (another
merchant's endpoint is a 404), roles, paging, and the secret shown only when it is issued."""

from __future__ import annotations

import httpx
import pytest

from tests import factories


@pytest.fixture
def staff(api: httpx.Client, database_url: str) -> factories.Account:
    return factories.merchant_staff(api, database_url)


def create(api: httpx.Client, staff: factories.Account, **body: object) -> httpx.Response:
    payload = {"url": "https://hooks.example.com/mercato", "event_types": ["order.confirmed"], **body}
    return api.post("/v1/merchant/webhooks", json=payload, headers=staff.headers)


def test_an_endpoint_is_created_with_its_secret_which_is_never_shown_again(
    api: httpx.Client, staff: factories.Account
) -> None:
    response = create(api, staff, event_types=["order.confirmed", "shipment.shipped", "order.confirmed"])
    assert response.status_code == 201
    body = response.json()
    assert body["object"] == "webhook_endpoint"
    assert body["id"].startswith("we_")
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["order.confirmed", "shipment.shipped"]
    assert body["status"] == "enabled"
    fetched = api.get(f"/v1/merchant/webhooks/{body['id']}", headers=staff.headers).json()
    assert fetched["secret"] is None
    listed = api.get("/v1/merchant/webhooks", headers=staff.headers).json()
    assert listed["object"] == "list"
    assert [e["id"] for e in listed["items"]] == [body["id"]]
    assert listed["items"][0]["secret"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_types": ["order.teleported"]}, "body.event_types"),
        ({"event_types": ["user.registered"]}, "body.event_types"),  # not a merchant event
        ({"event_types": []}, "body.event_types"),
        ({"url": "ftp://hooks.example.com/x"}, "body.url"),
        ({"url": "not a url"}, "body.url"),
        ({"colour": "blue"}, "body.colour"),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_written(
    api: httpx.Client, staff: factories.Account, body: dict[str, object], field: str
) -> None:
    response = create(api, staff, **body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field
    assert api.get("/v1/merchant/webhooks", headers=staff.headers).json()["items"] == []


def test_all_events_can_be_chosen_with_a_star(api: httpx.Client, staff: factories.Account) -> None:
    assert create(api, staff, event_types=["*"]).json()["event_types"] == ["*"]


def test_another_merchants_endpoint_is_not_found_anywhere(api: httpx.Client, database_url: str) -> None:
    owner = factories.merchant_staff(api, database_url, merchant_name="Owner")
    other = factories.merchant_staff(api, database_url, merchant_name="Other")
    endpoint_id = create(api, owner).json()["id"]
    for method, path in (
        ("GET", f"/v1/merchant/webhooks/{endpoint_id}"),
        ("PATCH", f"/v1/merchant/webhooks/{endpoint_id}"),
        ("DELETE", f"/v1/merchant/webhooks/{endpoint_id}"),
        ("POST", f"/v1/merchant/webhooks/{endpoint_id}/rotate-secret"),
        ("GET", f"/v1/merchant/webhooks/{endpoint_id}/deliveries"),
        ("POST", f"/v1/merchant/webhooks/{endpoint_id}/deliveries/whd_0000000000000000000000000a/redeliver"),
        ("GET", "/v1/merchant/webhooks/we_0000000000000000000000000a"),
        ("GET", "/v1/merchant/webhooks/not-an-id/deliveries"),
    ):
        response = api.request(method, path, json={} if method in ("PATCH", "POST") else None, headers=other.headers)
        assert response.status_code == 404, (method, path, response.text)
    assert api.get(f"/v1/merchant/webhooks/{endpoint_id}", headers=owner.headers).status_code == 200


def test_only_merchant_staff_may_manage_webhooks(api: httpx.Client) -> None:
    customer = factories.customer(api)
    assert api.get("/v1/merchant/webhooks", headers=customer.headers).status_code == 403
    assert api.get("/v1/merchant/webhooks").status_code == 401


def test_endpoints_page_with_a_cursor_and_refuse_large_limits(api: httpx.Client, staff: factories.Account) -> None:
    made = [create(api, staff).json()["id"] for _ in range(3)]
    first = api.get("/v1/merchant/webhooks", params={"limit": 2}, headers=staff.headers).json()
    second = api.get(
        "/v1/merchant/webhooks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=staff.headers
    ).json()
    assert [e["id"] for e in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None
    assert api.get("/v1/merchant/webhooks", params={"limit": 101}, headers=staff.headers).status_code == 422
    tampered = api.get("/v1/merchant/webhooks", params={"cursor": "abc"}, headers=staff.headers)
    assert tampered.status_code == 422
    assert tampered.json()["code"] == "invalid-cursor"


def test_rotation_overlap_is_bounded_and_zero_means_at_once(api: httpx.Client, staff: factories.Account) -> None:
    endpoint_id = create(api, staff).json()["id"]
    path = f"/v1/merchant/webhooks/{endpoint_id}/rotate-secret"
    assert api.post(path, json={"overlap_seconds": 8 * 86400}, headers=staff.headers).status_code == 422
    immediate = api.post(path, json={"overlap_seconds": 0}, headers=staff.headers)
    assert immediate.status_code == 200
    assert immediate.json()["previous_secret_expires_at"] is None
    default = api.post(path, json={}, headers=staff.headers).json()
    assert default["previous_secret_expires_at"] is not None


def test_a_deleted_endpoint_is_gone(api: httpx.Client, staff: factories.Account) -> None:
    endpoint_id = create(api, staff).json()["id"]
    assert api.delete(f"/v1/merchant/webhooks/{endpoint_id}", headers=staff.headers).status_code == 204
    assert api.get(f"/v1/merchant/webhooks/{endpoint_id}", headers=staff.headers).status_code == 404


def test_problem_answers_are_counted_by_code_on_metrics(api: httpx.Client, staff: factories.Account) -> None:
    api.get("/v1/merchant/webhooks/we_0000000000000000000000000a", headers=staff.headers)
    text = api.get("/metrics").text
    assert 'mercato_domain_errors_total{code="not-found"}' in text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": None}, "body.url"),
        ({"event_types": None}, "body.event_types"),
        ({"status": None}, "body.status"),
        ({"status": "paused"}, "body.status"),
        ({"event_types": ["nope.nope"]}, "body.event_types"),
        ({"secret": "mine"}, "body.secret"),
    ],
)
def test_bad_changes_are_refused_and_the_endpoint_is_unchanged(
    api: httpx.Client, staff: factories.Account, body: dict[str, object], field: str
) -> None:
    created = create(api, staff).json()
    response = api.patch(f"/v1/merchant/webhooks/{created['id']}", json=body, headers=staff.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    after = api.get(f"/v1/merchant/webhooks/{created['id']}", headers=staff.headers).json()
    assert {k: after[k] for k in ("url", "event_types", "status")} == {
        k: created[k] for k in ("url", "event_types", "status")
    }
