"""The floor of this stack for one checkout: the work any implementation on it must do, and nothing more.

Issue 6 asks for a checkout rate of at least a third of the raw SQL of the same transactions. The raw
limit is PostgreSQL and one asyncpg client alone; a checkout must also take an HTTP request, validate
its body, check the caller's token, call the PSP over HTTP and answer with JSON, all on the same two
cores. This server does exactly that and no more: FastAPI and uvicorn (uvloop, httptools) as
`mercato serve` runs them, the body parsed by Mercato's own `CheckoutRequest`, the JWT verified, the cart's
lines read, two transactions through an asyncpg pool around one PaymentIntent created at the sandbox with
plain httpx (no SDK), and a JSON answer. No domain code, no saga runner, no ORM or query builder, no
order read for the answer.

Three shapes, each a superset of the one before (bench/checkout_sql.py):

- **bare** runs the raw limit's own transactions;
- **guarded** adds the writes without which a checkout would break the issue's guarantees: the
  Idempotency-Key's claim and stored answer, the saga session, the payment and its attempt written
  before the PSP call;
- **complete** adds what a correct checkout still cannot skip on the database: the cart read only if it
  is the caller's, its SKUs active and at the prices the buyer saw (in the same one statement), and
  the cart closed with the order.

Even complete it runs none of the domain (pricing, tax, shipping split, coupons, the order's answer read
back), so, measured by the same load generator as the real checkout, its rate is an upper bound on what
a correct checkout written on this stack could reach on this machine, and its ratio to the raw limit says
whether the issue's third is reachable at all.

bench/checkout.py runs it as `FloorServer` (`python -m bench.checkout_floor PORT WORKERS`, configured by
the environment).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import jwt
import orjson
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import Response

from bench.checkout_sql import COMPLETE_CONFIRM, CONFIRM, GUARDED_CONFIRM, GUARDED_RESERVE, RESERVE, bind
from bench.server import ApiServer
from mercato.checkout.schemas import CheckoutRequest

CART_LINES = "SELECT l.sku_id, l.qty, s.price FROM cart_lines l JOIN skus s ON s.id = l.sku_id WHERE l.cart_id = $1"
# complete: the caller's cart only, with what the price check needs, still one round trip
OWN_CART_LINES = (
    "SELECT l.sku_id, l.qty, l.added_price, s.price, s.status FROM carts c JOIN cart_lines l ON l.cart_id = c.id"
    " JOIN skus s ON s.id = l.sku_id WHERE c.id = $1 AND c.user_id = $2 AND NOT l.saved_for_later"
)
SHAPES = {
    "bare": (RESERVE, CONFIRM),
    "guarded": (GUARDED_RESERVE, GUARDED_CONFIRM),
    "complete": (GUARDED_RESERVE, COMPLETE_CONFIRM),
}


class FloorServer(ApiServer):
    """This module's server in its own process, started and stopped as `mercato serve` is."""

    def __init__(self, database_url: str, *, psp_url: str, secret: str, shape: str, workers: int = 1) -> None:
        env = {
            "FLOOR_DATABASE_URL": database_url,
            "FLOOR_PSP_URL": psp_url,
            "FLOOR_SECRET": secret,
            "FLOOR_SHAPE": shape,
        }
        super().__init__(database_url, workers=workers, env=env)

    @property
    def command(self) -> str:
        return f"python -m bench.checkout_floor PORT {self.workers}"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "bench.checkout_floor", str(self.port), str(self.workers)]


def build_app(
    database_url: str, psp_url: str, secret: str, *, shape: str, psp_api_key: str = "sk_test_sandbox"
) -> FastAPI:
    """The floor server: one route, `POST /v1/checkout`, shaped as the real one."""
    state: dict[str, Any] = {}
    reserve, confirm = SHAPES[shape]
    complete = shape == "complete"

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(database_url, min_size=4, max_size=20)
        state["psp"] = httpx.AsyncClient(
            base_url=psp_url, headers={"Authorization": f"Bearer {psp_api_key}"}, timeout=10.0
        )
        yield
        await state["psp"].aclose()
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/checkout", status_code=201)
    async def checkout(
        body: CheckoutRequest,
        authorization: str = Header(),
        idempotency_key: str = Header(),
    ) -> Response:
        try:
            claims = jwt.decode(authorization.removeprefix("Bearer "), secret, algorithms=["HS256"])
        except jwt.InvalidTokenError as exc:
            raise HTTPException(401) from exc
        holder = uuid.uuid4().hex
        pool: asyncpg.Pool = state["pool"]
        async with pool.acquire() as conn:
            if complete:
                lines = await conn.fetch(OWN_CART_LINES, body.cart_id, claims["sub"])
                if not lines:
                    raise HTTPException(404, "no such cart")
                if any(line["status"] != "active" or line["price"] != line["added_price"] for line in lines):
                    raise HTTPException(409, "price-changed")
            else:
                lines = await conn.fetch(CART_LINES, body.cart_id)
            skus = [line["sku_id"] for line in lines]
            async with conn.transaction():
                for sql in reserve:
                    statement, args = bind(sql, skus, holder, body.cart_id)
                    await conn.execute(statement, *args)
        answer = await state["psp"].post(
            "/v1/payment_intents",
            data={
                "amount": "5028",
                "currency": "usd",
                "payment_method": body.payment_method_token,
                "confirm": "true",
                "capture_method": "manual",
            },
            headers={"Idempotency-Key": idempotency_key},
        )
        intent = answer.json()
        async with pool.acquire() as conn, conn.transaction():
            for sql in confirm:
                statement, args = bind(sql, skus, holder, body.cart_id)
                await conn.execute(statement, *args)
        order = {
            "id": f"ord_{holder}",
            "object": "order",
            "status": "confirmed",
            "user_id": claims["sub"],
            "currency": "usd",
            "total": 5028,
            "items": [{"sku_id": line["sku_id"], "qty": line["qty"], "unit_price": line["price"]} for line in lines],
            "payment": {"reference": intent["id"], "status": intent["status"]},
            "shipping_address": body.shipping_address.model_dump(),
        }
        return Response(orjson.dumps(order), status_code=201, media_type="application/json")

    return app


def from_environment() -> FastAPI:
    """The app for uvicorn's factory (one per worker process), configured by FloorServer's environment."""
    return build_app(
        os.environ["FLOOR_DATABASE_URL"],
        os.environ["FLOOR_PSP_URL"],
        os.environ["FLOOR_SECRET"],
        shape=os.environ["FLOOR_SHAPE"],
    )


if __name__ == "__main__":
    port, workers = sys.argv[1:3]
    uvicorn.run(
        "bench.checkout_floor:from_environment",
        factory=True,
        host="127.0.0.1",
        port=int(port),
        workers=int(workers),
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
