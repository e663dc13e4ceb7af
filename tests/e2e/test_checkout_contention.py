"""Flash sale: 200 buyers at once for the last 20 units, with the API served by 1, 2 and 4 processes.

Exactly 20 orders, every other buyer a clear out-of-stock, stock and ledger consistent, and no
authorization left live for a checkout that failed. Also: 20 concurrent submissions with one key.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from tests.checkout_factories import checkout_body, fill_cart, install_rates, open_shop
from tests.conftest import TEST_SECRET, ServedApp
from tests.factories import Account
from tests.psp_fixtures import API_KEY, WEBHOOK_SECRET, SandboxProcess, _free_port, _mercato_command

UNITS = 20
BUYERS = 200


def _token(user_id: str) -> str:
    now = datetime.now(UTC)
    claims = {"iss": "mercato", "sub": user_id, "role": "customer", "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


def _buyers(database_url: str, count: int) -> list[Account]:
    """Customers inserted directly (hashing 200 passwords would only test argon2), with signed tokens."""
    accounts = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        for n in range(count):
            user_id = f"usr_{uuid.uuid4().hex[:26]}"
            conn.execute(
                "INSERT INTO users (id, email, password_hash, name, role) VALUES (%s, %s, 'x', 'Buyer', 'customer')",
                (user_id, f"flash{n}-{user_id}@shop.test.example.com"),
            )
            accounts.append(Account(user_id=user_id, email="", token=_token(user_id)))
    return accounts


class ServeProcess:
    """`mercato serve --workers N` as a separate process tree on the test database."""

    def __init__(self, database_url: str, primary: SandboxProcess, workers: int, log_dir: Any) -> None:
        self.port = _free_port()
        self.workers = workers
        self.log_path = log_dir / f"serve-{workers}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "MERCATO_ENV": "test",
            "MERCATO_JWT_SECRET": TEST_SECRET,
            "MERCATO_DATA_DIR": str(log_dir),
            "MERCATO_PSP_PROVIDERS": f"primary={primary.url}",
            "MERCATO_PSP_API_KEYS": f"primary={API_KEY}",
            "MERCATO_PSP_WEBHOOK_SECRETS": f"primary={WEBHOOK_SECRET}",
            "MERCATO_CHECKOUT_RATE_LIMIT": "0",
            "MERCATO_DB_POOL_SIZE": "8",
            "MERCATO_DB_MAX_OVERFLOW": "4",
            "MERCATO_LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServeProcess:
        log = self.log_path.open("ab")
        command = [*_mercato_command(), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mercato serve did not start: see {self.log_path}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def _rush(base_url: str, attempts: list[tuple[Account, dict[str, Any], str]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(attempts), max_keepalive_connections=len(attempts))
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post("/v1/checkout", json=body, headers={**buyer.headers, "Idempotency-Key": key})
                for buyer, body, key in attempts
            )
        )


def _assert_consistent(db: psycopg.Connection[Any], primary: SandboxProcess, sku_id: str, sold: int) -> None:
    on_hand, reserved = db.execute(
        "SELECT sum(on_hand), sum(reserved) FROM inventory WHERE sku_id = %s", (sku_id,)
    ).fetchone()  # type: ignore[misc]
    assert (on_hand, reserved) == (UNITS - sold, 0)
    ledger = db.execute("SELECT sum(on_hand_delta) FROM inventory_ledger WHERE sku_id = %s", (sku_id,)).fetchone()
    assert ledger == (UNITS - sold,)
    sold_units = db.execute("SELECT coalesce(sum(qty), 0) FROM order_items WHERE sku_id = %s", (sku_id,)).fetchone()
    assert sold_units == (sold,)
    live_by_payment: Counter[str] = Counter()
    for payment_id, order_id in db.execute("SELECT id, order_id FROM payments").fetchall():
        live = [i for i in primary.intents_for(payment_id) if i["status"] == "requires_capture"]
        assert len(live) <= 1, "two live authorizations for one payment"
        if live:
            assert order_id is not None, "a failed checkout left its authorization live"
            live_by_payment[payment_id] += 1
    assert len(live_by_payment) == sold


@pytest.fixture
def flash_sale(shop_api: httpx.Client, database_url: str) -> tuple[str, list[tuple[Account, dict[str, Any], str]]]:
    """A product with the last 20 units and 200 buyers each holding it in their cart."""
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"HOT": (4999, UNITS)})
    sku_id = shop.skus["HOT"]["id"]
    attempts = []
    for buyer in _buyers(database_url, BUYERS):
        cart_id = fill_cart(shop_api, buyer, [(sku_id, 1)])
        attempts.append((buyer, checkout_body(cart_id), uuid.uuid4().hex))
    return sku_id, attempts


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_two_hundred_buyers_for_twenty_units_sell_exactly_twenty(
    workers: int,
    flash_sale: tuple[str, list[tuple[Account, dict[str, Any], str]]],
    database_url: str,
    db: psycopg.Connection[Any],
    primary: SandboxProcess,
    tmp_path: Any,
) -> None:
    sku_id, attempts = flash_sale
    with ServeProcess(database_url, primary, workers, tmp_path) as server:
        responses = asyncio.run(_rush(server.url, attempts))
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == UNITS, statuses
    assert statuses[409] == BUYERS - UNITS, statuses
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(p["code"] == "out-of-stock" and p["skus"] == [sku_id] for p in refused)
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (UNITS,)
    _assert_consistent(db, primary, sku_id, UNITS)


def test_twenty_concurrent_submissions_with_one_key_make_one_order(
    checkout_app: ServedApp,
    shop_api: httpx.Client,
    database_url: str,
    db: psycopg.Connection[Any],
    primary: SandboxProcess,
) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (1500, 5)})
    (buyer,) = _buyers(database_url, 1)
    cart_id = fill_cart(shop_api, buyer, [(shop.skus["A"]["id"], 2)])
    key = uuid.uuid4().hex
    responses = asyncio.run(_rush(checkout_app.base_url, [(buyer, checkout_body(cart_id), key)] * 20))
    assert {r.status_code for r in responses} <= {201, 409}, Counter(r.status_code for r in responses)
    created = [r.json() for r in responses if r.status_code == 201]
    assert created and len({o["id"] for o in created}) == 1
    in_progress = [r.json()["code"] for r in responses if r.status_code == 409]
    assert set(in_progress) <= {"request-in-progress"}
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (1,)
    (payment_id,) = db.execute("SELECT id FROM payments").fetchone()  # type: ignore[misc]
    assert len(primary.intents_for(payment_id)) == 1
