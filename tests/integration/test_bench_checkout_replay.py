"""The checkout benchmark's limit replays Mercato's own checkout: a recorded checkout, replayed on other
carts straight through asyncpg, must make real, distinct checkouts (orders, payments, stock sold, carts
closed) that keep the stock ledger whole. A replay that collided or skipped writes would make the limit
a lie."""

from __future__ import annotations

import asyncio

import psycopg

from bench.checkout_replay import buyers, record_checkout, replay, replays
from bench.checkout_setup import prepare_carts
from tests.psp_fixtures import API_KEY, SandboxProcess


def test_a_recorded_checkout_replays_as_new_checkouts_of_other_carts(
    database_url: str, primary: SandboxProcess
) -> None:
    carts = prepare_carts(database_url, 6, skus=6)
    recording = record_checkout(database_url, carts[0], carts[1], primary.url, psp_api_key=API_KEY)
    replayed = buyers(database_url, carts[2:])

    result = asyncio.run(replay(database_url, replays(recording, replayed), concurrency=2, seconds=60, postgres=None))

    assert recording.transactions >= 2
    assert recording.autocommit >= 1
    assert recording.statements > recording.autocommit
    assert result.per_second > 0
    with psycopg.connect(database_url) as db:
        orders = db.execute("SELECT user_id, status FROM orders ORDER BY user_id").fetchall()
        carts_left = db.execute("SELECT count(*) FROM carts WHERE status = 'active'").fetchone()
        payments = db.execute("SELECT count(DISTINCT id), count(DISTINCT checkout_id) FROM payments").fetchone()
        keys = db.execute("SELECT status, count(*) FROM idempotency_keys GROUP BY status").fetchall()
        live_holds = db.execute("SELECT count(*) FROM reservations WHERE status = 'active'").fetchone()
        torn = db.execute(
            "SELECT i.sku_id FROM inventory i JOIN (SELECT sku_id, warehouse_id, sum(on_hand_delta) AS on_hand,"
            " sum(reserved_delta) AS reserved FROM inventory_ledger GROUP BY sku_id, warehouse_id) l"
            " USING (sku_id, warehouse_id) WHERE (i.on_hand, i.reserved) <> (l.on_hand, l.reserved)"
        ).fetchall()
        sold = db.execute("SELECT sum(10000000 - on_hand) FROM inventory").fetchone()
    assert orders == sorted((buyer.user_id, "confirmed") for buyer in [*buyers(database_url, carts[:2]), *replayed])
    assert carts_left == (0,)
    assert payments == (6, 6)
    assert keys == [("completed", 6)]
    assert live_holds == (0,)
    assert torn == []
    assert sold == (12,)
