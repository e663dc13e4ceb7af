"""Factories that build test data through the real services and the real API."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import httpx

from mercato.db.engine import make_engine
from mercato.db.unit_of_work import unit_of_work
from mercato.identity import Role, create_merchant, register_user

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@dataclass(frozen=True)
class Account:
    """A user with a token and ready-made auth headers."""

    user_id: str
    email: str
    token: str
    merchant_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def login(api: httpx.Client, email: str, password: str = PASSWORD) -> str:
    response = api.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def customer(api: httpx.Client, *, name: str = "Casey Customer") -> Account:
    """Register a customer over HTTP and log in."""
    email = f"customer{next(_counter)}@shop.test.example.com"
    response = api.post("/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    assert response.status_code == 201, response.text
    return Account(user_id=response.json()["id"], email=email, token=login(api, email))


async def _create_staff(database_url: str, email: str, role: Role, merchant_name: str | None) -> tuple[str, str | None]:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with unit_of_work(engine) as tx:
            merchant_id = None
            if merchant_name is not None:
                merchant_id = await create_merchant(tx, name=merchant_name, slug=f"m-{next(_counter)}")
            user = await register_user(
                tx, email=email, password=PASSWORD, name="Staff", role=role, merchant_id=merchant_id
            )
        return user.id, merchant_id
    finally:
        await engine.dispose()


def merchant_staff(api: httpx.Client, database_url: str, *, merchant_name: str = "Acme Goods") -> Account:
    """A new merchant with one staff member, logged in (merchants are created by admins, not over HTTP)."""
    email = f"staff{next(_counter)}@merchant.test.example.com"
    user_id, merchant_id = asyncio.run(_create_staff(database_url, email, Role.MERCHANT_STAFF, merchant_name))
    return Account(user_id=user_id, email=email, token=login(api, email), merchant_id=merchant_id)


def admin(api: httpx.Client, database_url: str) -> Account:
    """An administrator, logged in."""
    email = f"admin{next(_counter)}@ops.test.example.com"
    user_id, _ = asyncio.run(_create_staff(database_url, email, Role.ADMIN, None))
    return Account(user_id=user_id, email=email, token=login(api, email))
