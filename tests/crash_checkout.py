"""Run a checkout saga up to a step, then die abruptly (os._exit: no cleanup, no compensation).

Used by the crash tests as a separate process: `python -m tests.crash_checkout URL PSP_URL USER CART KEY STEPS`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaRunner
from mercato.checkout.service import checkout_steps
from mercato.db.engine import make_engine
from mercato.kernel.clock import SystemClock
from mercato.payments import ProviderRegistry, RetryPolicy
from mercato.payments.providers.stripe_adapter import StripeProvider
from mercato.pricing import TaxRateTable, TaxService
from mercato.shipping import ShippingRateTable
from tests.checkout_factories import checkout_body
from tests.psp_fixtures import API_KEY, WEBHOOK_SECRET

CRASH_EXIT_CODE = 137


async def run(database_url: str, psp_url: str, user_id: str, cart_id: str, key: str, steps: int) -> None:
    engine = make_engine(database_url, pool_size=2, max_overflow=0)
    provider = StripeProvider(
        "primary",
        api_key=API_KEY,
        base_url=psp_url,
        webhook_secret=WEBHOOK_SECRET,
        timeout_seconds=2,
        connect_timeout_seconds=1,
    )
    clock = SystemClock()
    deps = CheckoutDeps(
        engine=engine,
        clock=clock,
        psp=ProviderRegistry([provider], retry=RetryPolicy(max_retries=0, backoff_seconds=0.01)),
        tax=TaxService(TaxRateTable(engine)),
        shipping=ShippingRateTable(engine),
        reservation_ttl=timedelta(minutes=15),
        lease=timedelta(seconds=1),
    )
    runner = SagaRunner(engine=engine, steps=checkout_steps(deps)[:steps], clock=clock, lease=deps.lease)
    ctx = await runner.start_or_resume(
        user_id=user_id,
        idempotency_key=key,
        cart_id=cart_id,
        state={"request": checkout_body(cart_id, coupon_code=None)},
    )
    await runner.run(ctx)
    sys.stdout.flush()
    os._exit(CRASH_EXIT_CODE)  # the process dies here, between the last step run and the next


if __name__ == "__main__":
    url, psp, user, cart, idem, count = sys.argv[1:7]
    asyncio.run(run(url, psp, user, cart, idem, int(count)))
