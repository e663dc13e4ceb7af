"""Coupons, tax and shipping on real PostgreSQL: atomic limits, provider fallback, zone and weight rates."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.errors import CouponInvalid
from mercato.kernel.ids import new_id
from mercato.pricing import Destination, HttpTaxProvider, TaxRateTable, TaxService, redeem_coupon, release_coupon
from mercato.shipping import ShippingRateTable

NOW = datetime.now(UTC)


async def _redeem(
    engine: AsyncEngine, code: str, user: str, checkout: str | None = None, subtotal: int = 10_000
) -> bool:
    try:
        async with unit_of_work(engine) as tx:
            await redeem_coupon(
                tx,
                code=code,
                user_id=user,
                checkout_id=checkout or new_id("checkout"),
                subtotal=subtotal,
                currency="usd",
                now=NOW,
            )
        return True
    except CouponInvalid:
        return False


async def test_total_limit_holds_under_fifty_concurrent_redemptions(engine: AsyncEngine, db: object) -> None:
    db.execute("INSERT INTO coupons (code, kind, value, max_redemptions) VALUES ('FLASH', 'percent', 1000, 7)")  # type: ignore[attr-defined]
    results = await asyncio.gather(*(_redeem(engine, "flash", f"usr_{i}") for i in range(50)))
    assert results.count(True) == 7
    assert db.execute("SELECT redemptions FROM coupons").fetchone() == (7,)  # type: ignore[attr-defined]
    assert db.execute("SELECT count(*) FROM coupon_redemptions WHERE status = 'active'").fetchone() == (7,)  # type: ignore[attr-defined]


async def test_per_customer_limit_holds_under_concurrency(engine: AsyncEngine, db: object) -> None:
    db.execute(  # type: ignore[attr-defined]
        "INSERT INTO coupons (code, kind, value, currency, per_customer_limit) VALUES ('ONCE', 'fixed', 500, 'usd', 1)"
    )
    results = await asyncio.gather(*(_redeem(engine, "ONCE", "usr_same") for _ in range(10)))
    assert results.count(True) == 1
    assert await _redeem(engine, "ONCE", "usr_other")


async def test_redeem_and_release_are_idempotent_per_checkout(engine: AsyncEngine, db: object) -> None:
    db.execute("INSERT INTO coupons (code, kind, value, max_redemptions) VALUES ('TWICE', 'percent', 500, 1)")  # type: ignore[attr-defined]
    checkout = new_id("checkout")
    assert await _redeem(engine, "TWICE", "usr_a", checkout)
    assert await _redeem(engine, "TWICE", "usr_a", checkout)  # a resumed saga redeems again: no double count
    assert db.execute("SELECT redemptions FROM coupons").fetchone() == (1,)  # type: ignore[attr-defined]
    for expected in (True, False):
        async with unit_of_work(engine) as tx:
            assert await release_coupon(tx, checkout_id=checkout) is expected
    assert db.execute("SELECT redemptions FROM coupons").fetchone() == (0,)  # type: ignore[attr-defined]
    assert await _redeem(engine, "TWICE", "usr_b")


async def test_unknown_expired_and_too_small_orders_are_refused(engine: AsyncEngine, db: object) -> None:
    db.execute(  # type: ignore[attr-defined]
        "INSERT INTO coupons (code, kind, value, ends_at, min_subtotal) VALUES ('OLD', 'percent', 500, %s, 0),"
        " ('BIG', 'percent', 500, NULL, 50000)",
        (NOW - timedelta(days=1),),
    )
    assert not await _redeem(engine, "NOPE", "usr_a")
    assert not await _redeem(engine, "OLD", "usr_a")
    assert not await _redeem(engine, "BIG", "usr_a", subtotal=49_999)
    assert await _redeem(engine, "BIG", "usr_a", subtotal=50_000)


async def test_most_specific_tax_rate_wins(engine: AsyncEngine, db: object) -> None:
    db.execute(  # type: ignore[attr-defined]
        "INSERT INTO tax_rates (country, region, postal_prefix, rate_bps) VALUES"
        " ('US', '', '', 0), ('US', 'TX', '', 625), ('US', 'TX', '787', 825), ('DE', '', '', 1900)"
    )
    table = TaxRateTable(engine)
    assert await table.rate_bps(Destination("US", "TX", "78701")) == 825
    assert await table.rate_bps(Destination("us", "tx", "75001")) == 625
    assert await table.rate_bps(Destination("US", "OR", "97201")) == 0
    assert await table.rate_bps(Destination("DE", "BE", "10115")) == 1900
    assert await table.rate_bps(Destination("FR", "", "75001")) == 0


class _TaxHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        payload = json.dumps({"rate_bps": 900 if body["region"] == "TX" else 500}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tax_provider_url() -> Iterator[str]:
    """A stand-in for the external tax provider (a true external edge), over real HTTP on loopback."""
    server = HTTPServer(("127.0.0.1", 0), _TaxHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


async def test_external_tax_provider_answers_exactly(engine: AsyncEngine, tax_provider_url: str) -> None:
    service = TaxService(TaxRateTable(engine), HttpTaxProvider(tax_provider_url, timeout_seconds=2))
    rate = await service.rate(Destination("US", "TX", "78701"))
    assert (rate.rate_bps, rate.estimated) == (900, False)


async def test_tax_provider_down_falls_back_to_table_and_marks_estimate(engine: AsyncEngine, db: object) -> None:
    db.execute("INSERT INTO tax_rates (country, region, rate_bps) VALUES ('US', 'TX', 625)")  # type: ignore[attr-defined]
    down = HttpTaxProvider("http://127.0.0.1:9", timeout_seconds=0.5)  # nothing listens on the discard port
    rate = await TaxService(TaxRateTable(engine), down).rate(Destination("US", "TX", "78701"))
    assert (rate.rate_bps, rate.estimated) == (625, True)


async def test_shipping_picks_cheapest_carrier_tier_by_zone_and_weight(engine: AsyncEngine, db: object) -> None:
    db.execute(  # type: ignore[attr-defined]
        "INSERT INTO shipping_zones (country, region, zone) VALUES ('US', '', 'domestic'), ('US', 'AK', 'remote'),"
        " ('*', '', 'intl');"
        "INSERT INTO shipping_rates (carrier, zone, max_weight_grams, amount, currency) VALUES"
        " ('ups', 'domestic', 1000, 600, 'usd'), ('ups', 'domestic', 5000, 1200, 'usd'),"
        " ('usps', 'domestic', 1000, 500, 'usd'), ('usps', 'domestic', 5000, 1500, 'usd'),"
        " ('ups', 'remote', 5000, 3000, 'usd'), ('dhl', 'intl', 2000, 2500, 'usd')"
    )
    rates = ShippingRateTable(engine)

    async def quote(country: str, region: str, grams: int) -> tuple[str, int] | None:
        q = await rates.quote(country=country, region=region, weight_grams=grams, currency="usd")
        return (q.carrier, q.amount) if q else None

    assert await quote("US", "TX", 800) == ("usps", 500)
    assert await quote("US", "TX", 3000) == ("ups", 1200)
    assert await quote("US", "TX", 12_000) == ("ups", 3600)  # three of the heaviest tier
    assert await quote("US", "AK", 800) == ("ups", 3000)
    assert await quote("FR", "", 800) == ("dhl", 2500)
    digital = await rates.quote(country="US", region="TX", weight_grams=0, currency="usd", digital_only=True)
    assert digital is not None and digital.amount == 0
