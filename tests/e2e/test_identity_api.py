"""Identity over HTTP: register, login, me, and every way a token can be wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt

from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, customer, login, merchant_staff


def test_registered_customer_logs_in_and_sees_themself(api: httpx.Client) -> None:
    account = customer(api, name="Ada Buyer")
    response = api.get("/v1/me", headers=account.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "user"
    assert body["id"] == account.user_id and body["id"].startswith("usr_")
    assert body["role"] == "customer" and body["name"] == "Ada Buyer"


def test_login_answers_bearer_token_with_expiry(api: httpx.Client) -> None:
    account = customer(api)
    response = api.post("/v1/auth/login", json={"email": account.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and body["access_token"]


def test_second_registration_of_same_email_is_already_exists(api: httpx.Client) -> None:
    account = customer(api)
    response = api.post("/v1/auth/register", json={"email": account.email, "password": PASSWORD, "name": "X"})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "already-exists"


def test_wrong_password_and_unknown_email_get_the_same_401(api: httpx.Client) -> None:
    account = customer(api)
    wrong = api.post("/v1/auth/login", json={"email": account.email, "password": "not-the-password"})
    unknown = api.post("/v1/auth/login", json={"email": "nobody@nowhere.example.com", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "unauthenticated"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_me_without_token_is_unauthenticated(api: httpx.Client) -> None:
    response = api.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_garbage_token_is_unauthenticated(api: httpx.Client) -> None:
    for header in ("Bearer not.a.jwt", "Basic abc", "Bearer"):
        response = api.get("/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["code"] == "unauthenticated"


def test_expired_token_is_unauthenticated(api: httpx.Client) -> None:
    account = customer(api)
    past = datetime.now(UTC) - timedelta(hours=2)
    token = jwt.encode(
        {"iss": "mercato", "sub": account.user_id, "role": "customer", "iat": past, "exp": past + timedelta(minutes=5)},
        TEST_SECRET,
        algorithm="HS256",
    )
    response = api.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_token_signed_with_another_secret_or_algorithm_is_refused(api: httpx.Client) -> None:
    account = customer(api)
    now = datetime.now(UTC)
    claims = {"iss": "mercato", "sub": account.user_id, "role": "admin", "iat": now, "exp": now + timedelta(hours=1)}
    forged = jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned):
        assert api.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_merchant_staff_token_carries_their_merchant(api: httpx.Client, database_url: str) -> None:
    staff = merchant_staff(api, database_url)
    body = api.get("/v1/me", headers=staff.headers).json()
    assert body["role"] == "merchant_staff" and body["merchant_id"] == staff.merchant_id
    assert login(api, staff.email)


def test_register_validates_fields(api: httpx.Client) -> None:
    response = api.post("/v1/auth/register", json={"email": "not-an-email", "password": "short", "name": ""})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.email", "body.password", "body.name"} <= fields
