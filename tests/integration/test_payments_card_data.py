"""No card data is stored or logged: after a full payment flow, no table holds a card-number-like string."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import Any

import httpx
import psycopg
import pytest
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.http.log_config import CardNumberFilter, log_processors
from mercato.kernel.card_numbers import REDACTED, find_card_numbers
from mercato.kernel.clock import SystemClock
from mercato.kernel.errors import InvalidPaymentMethod, PaymentDeclined
from mercato.payments import (
    ProviderRegistry,
    authorize_payment,
    capture_payment,
    reconcile_payments,
    refund_payment,
    void_payment,
)
from tests.conftest import ServedApp
from tests.psp_fixtures import SandboxProcess, new_payment

CARDS = ["4242424242424242", "5555555555554444", "4000000000009995", "378282246310005"]


def _text_columns(db: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    rows = db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public'"
        " AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')"
        " ORDER BY table_name, column_name"
    ).fetchall()
    return [(str(t), str(c)) for t, c in rows]


def _card_numbers_stored(db: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    found = []
    for table, column in _text_columns(db):
        for (value,) in db.execute(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL'):
            found += [(table, column, pan) for pan in find_card_numbers(value)]
    return found


async def _full_flow(engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess) -> int:
    """Tokenize real test card numbers at the PSP, then authorize, capture, refund, decline, void, reconcile."""
    rows = 0
    good, mastercard, poor, amex = (primary.tokenize(number) for number in CARDS)
    for token, amount in ((good, 12000), (mastercard, 3000), (amex, 999)):
        payment_id = await new_payment(engine, amount=amount)
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token=token, idempotency_key_base="flow"
        )
        await capture_payment(
            engine, registry, payment_id=payment_id, amount=amount // 3, final=False, idempotency_key="s1"
        )
        await capture_payment(
            engine, registry, payment_id=payment_id, amount=amount // 3, final=True, idempotency_key="s2"
        )
        await refund_payment(engine, registry, payment_id=payment_id, amount=amount // 4, idempotency_key="r1")
        rows += 1
    declined = await new_payment(engine)
    with pytest.raises(PaymentDeclined):
        await authorize_payment(
            engine, registry, payment_id=declined, payment_method_token=poor, idempotency_key_base="f"
        )
    with pytest.raises(InvalidPaymentMethod):  # a client that sends the card number itself is refused, unstored
        await authorize_payment(
            engine, registry, payment_id=declined, payment_method_token=CARDS[0], idempotency_key_base=CARDS[0]
        )
    await void_payment(engine, registry, payment_id=declined)
    await reconcile_payments(engine, registry, clock=SystemClock())
    return rows


async def test_no_table_holds_a_card_number_after_a_full_flow(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    primary: SandboxProcess,
    psp_served_app: ServedApp,
    psp_api: httpx.Client,
    db: psycopg.Connection[Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    primary.configure(webhook_url=f"{psp_served_app.base_url}/v1/webhooks/psp/primary", webhook_timing="async")
    assert await _full_flow(engine, registry, primary) == 3
    deadline = time.monotonic() + 10
    while any(d["delivered_at"] is None for d in primary.get("/_sandbox/deliveries")["data"]):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    # The flow really stored things (and webhooks arrived), so the scan below is not vacuous.
    for table in ("payments", "payment_attempts", "psp_webhook_events", "outbox"):
        assert db.execute(f'SELECT count(*) > 0 FROM "{table}"').fetchone() == (True,), table
    assert len(_text_columns(db)) > 50
    assert _card_numbers_stored(db) == []
    logged = capfd.readouterr()
    assert find_card_numbers(logged.out + logged.err) == []
    assert find_card_numbers(primary.log_path.read_text()) == []


def test_the_scan_would_find_a_card_number(db: psycopg.Connection[Any]) -> None:
    db.execute(
        "INSERT INTO outbox (id, aggregate, aggregate_id, event_type, payload) VALUES ('evt_x', 'a', 'b', 'c', %s)",
        ('{"note": "card 4242 4242 4242 4242"}',),
    )
    assert _card_numbers_stored(db) == [("outbox", "payload", "4242 4242 4242 4242")]


def test_logs_are_scrubbed_of_card_numbers() -> None:
    # The production processor chain, on a logger of the test's own (configuring the global one here would
    # leave cached loggers writing to a capture file that pytest closes).
    buffer = io.StringIO()
    log = structlog.wrap_logger(structlog.PrintLogger(buffer), processors=log_processors(json=True))
    log.info("payment_attempt", token="4242424242424242", detail={"card": "5555-5555-5555-4444"})
    log.warning("timestamps stay", at=1764060000123, order="ord_1234")
    captured = buffer.getvalue()
    assert "4242424242424242" not in captured and "5555-5555-5555-4444" not in captured
    assert captured.count(REDACTED) == 2 and "1764060000123" in captured

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CardNumberFilter())
    stdlib = logging.getLogger("mercato.test.stdlib")
    stdlib.addHandler(handler)
    try:
        stdlib.warning("stripe said: card %s declined", "4000000000009995")
    finally:
        stdlib.removeHandler(handler)
    assert "4000000000009995" not in stream.getvalue() and REDACTED in stream.getvalue()
