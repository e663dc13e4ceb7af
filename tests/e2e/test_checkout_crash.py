"""A checkout process killed between authorization and order: the session is resumed by a retry with the
same Idempotency-Key, or compensated by the worker's recovery — never left holding stock or money."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import psycopg

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.service import checkout_runner
from mercato.db.engine import make_engine
from mercato.kernel.clock import SystemClock
from mercato.pricing import TaxRateTable, TaxService
from mercato.shipping import ShippingRateTable
from tests.checkout_factories import check_out, checkout_body, fill_cart, install_rates, new_buyer, open_shop
from tests.crash_checkout import CRASH_EXIT_CODE
from tests.factories import Account
from tests.psp_fixtures import SandboxProcess, make_registry

STEPS_THROUGH_AUTHORIZE = 2  # prepare, authorize_payment
STEPS_THROUGH_PREPARE = 1  # the payment and its first attempt are written; the PSP was never called


def _crash_after_authorize(
    database_url: str,
    primary: SandboxProcess,
    buyer: Account,
    cart_id: str,
    key: str,
    steps: int = STEPS_THROUGH_AUTHORIZE,
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.crash_checkout",
            database_url,
            primary.url,
            buyer.user_id,
            cart_id,
            key,
            str(steps),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == CRASH_EXIT_CODE, result.stderr.decode()[-2000:]


def _state(db: psycopg.Connection[Any], primary: SandboxProcess) -> dict[str, Any]:
    session = db.execute("SELECT status, steps_done FROM checkout_sessions").fetchone()
    reserved = db.execute("SELECT coalesce(sum(reserved), 0) FROM inventory").fetchone()[0]  # type: ignore[index]
    payments = db.execute("SELECT id, status FROM payments").fetchall()
    live = sum(1 for pid, _ in payments for i in primary.intents_for(pid) if i["status"] == "requires_capture")
    return {"session": session, "reserved": reserved, "payments": [s for _, s in payments], "live": live}


def _ready(api: httpx.Client, database_url: str) -> tuple[Account, str]:
    install_rates(database_url)
    shop = open_shop(api, database_url, items={"A": (2500, 4)})
    buyer = new_buyer(api)
    return buyer, fill_cart(api, buyer, [(shop.skus["A"]["id"], 2)])


def test_retry_with_same_key_resumes_a_crashed_checkout(
    shop_api: httpx.Client, database_url: str, db: psycopg.Connection[Any], primary: SandboxProcess
) -> None:
    buyer, cart_id = _ready(shop_api, database_url)
    key = uuid.uuid4().hex
    _crash_after_authorize(database_url, primary, buyer, cart_id, key)
    crashed = _state(db, primary)
    # The authorization is live at the PSP; the session records it only with the order, so it shows prepare.
    assert crashed["session"][0] == "running" and crashed["session"][1] == ["prepare"]
    assert (
        crashed["reserved"] == 2
        and crashed["live"] == 1
        and db.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    )

    time.sleep(1.2)  # the dead process's lease runs out
    resumed = check_out(shop_api, buyer, checkout_body(cart_id), key)
    assert resumed.status_code == 201, resumed.text
    after = _state(db, primary)
    assert after["session"][0] == "completed" and after["reserved"] == 0
    assert after["payments"] == ["authorized"] and after["live"] == 1  # the same authorization, now the order's
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (1,)
    assert resumed.json()["payment"]["amount_authorized"] == resumed.json()["total"]


def test_a_retry_after_a_crash_before_the_psp_call_charges_once(
    shop_api: httpx.Client, database_url: str, db: psycopg.Connection[Any], primary: SandboxProcess
) -> None:
    """The attempt `prepare` wrote was never sent. A retry cannot tell it from one still in flight: it answers
    409 `request-in-progress` (retryable) and compensates that session, leaving the attempt to
    reconciliation; the next retry checks out afresh. One order, nothing held, one live authorization."""
    buyer, cart_id = _ready(shop_api, database_url)
    key = uuid.uuid4().hex
    _crash_after_authorize(database_url, primary, buyer, cart_id, key, steps=STEPS_THROUGH_PREPARE)
    crashed = _state(db, primary)
    assert crashed["session"] == ("running", ["prepare"]) and crashed["reserved"] == 2
    assert crashed["payments"] == ["pending"] and crashed["live"] == 0

    statuses = []
    for _ in range(10):
        time.sleep(1.2)  # the dead process's lease runs out
        resumed = check_out(shop_api, buyer, checkout_body(cart_id), key)
        statuses.append(resumed.status_code)
        if resumed.status_code != 409:
            break
        assert resumed.json()["code"] == "request-in-progress" and resumed.json()["retryable"] is True
    assert statuses[-1] == 201, resumed.text
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (1,)
    assert db.execute("SELECT coalesce(sum(reserved), 0) FROM inventory").fetchone() == (0,)
    live = [
        (pid, order_id)
        for pid, order_id in db.execute("SELECT id, order_id FROM payments").fetchall()
        for i in primary.intents_for(pid)
        if i["status"] == "requires_capture"
    ]
    assert len(live) == 1 and live[0][1] == resumed.json()["id"]


def test_worker_recovery_compensates_a_crashed_checkout(
    shop_api: httpx.Client, database_url: str, db: psycopg.Connection[Any], primary: SandboxProcess
) -> None:
    buyer, cart_id = _ready(shop_api, database_url)
    _crash_after_authorize(database_url, primary, buyer, cart_id, uuid.uuid4().hex)
    time.sleep(1.2)

    async def recover() -> int:
        engine = make_engine(database_url, pool_size=2, max_overflow=0)
        registry = make_registry(primary)
        deps = CheckoutDeps(
            engine=engine,
            clock=SystemClock(),
            psp=registry,
            tax=TaxService(TaxRateTable(engine)),
            shipping=ShippingRateTable(engine),
            reservation_ttl=timedelta(minutes=15),
        )
        try:
            return await checkout_runner(deps).recover_abandoned()
        finally:
            await registry.close()
            await engine.dispose()

    assert asyncio.run(recover()) == 1
    after = _state(db, primary)
    assert after["session"][0] == "failed" and after["session"][1] == []
    assert after["reserved"] == 0 and after["payments"] == ["voided"] and after["live"] == 0
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    assert asyncio.run(recover()) == 0
