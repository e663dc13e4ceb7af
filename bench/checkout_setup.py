"""What the checkout benchmark runs against: a merchant with deep stock, rates, buyers with carts and
their tokens, the PSP sandbox in its own process, and the API server's settings."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import psycopg

from bench.database import ROOT
from bench.server import free_port
from mercato.kernel.ids import new_id

SECRET = "bench-secret-" + "b" * 40
SKUS = 500
SKU_IDS = [new_id("sku") for _ in range(SKUS)]
ADDRESS = {
    "name": "Bench",
    "line1": "1 Main",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "country": "US",
}


def prepare_carts(url: str, carts: int, *, skus: int = SKUS) -> list[tuple[str, str]]:
    """One merchant, `skus` SKUs with deep stock, rates, and `carts` customers' carts of 2 lines; (token,
    cart_id) each."""
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO merchants (id, name, slug) VALUES ('mer_bench', 'Bench', 'bench') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO brands (id, slug, name) VALUES ('brd_bench', 'bench', 'Bench') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO categories (id, slug, name, path) VALUES ('cat_bench', 'bench', 'Bench', 'bench')"
            " ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO warehouses (id, merchant_id, name, country, region, priority)"
            " VALUES ('wh_bench', 'mer_bench', 'Main', 'US', 'TX', 1) ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO shipping_zones (country, region, zone) VALUES ('US', '', 'us') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO shipping_rates (carrier, zone, max_weight_grams, amount, currency)"
            " VALUES ('ups', 'us', 50000, 700, 'usd') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO tax_rates (country, region, postal_prefix, rate_bps) VALUES ('US', 'TX', '', 825)"
            " ON CONFLICT DO NOTHING"
        )
        for n in range(skus):
            pid, sid = new_id("product"), SKU_IDS[n]
            conn.execute(
                "INSERT INTO products (id, merchant_id, name, slug, brand_id, category_id, currency, price_min,"
                " price_max) VALUES (%s, 'mer_bench', %s, %s, 'brd_bench', 'cat_bench', 'usd', 1999, 1999)"
                " ON CONFLICT DO NOTHING",
                (pid, f"Bench item {n}", f"bench-{n}"),
            )
            conn.execute(
                "INSERT INTO skus (id, product_id, merchant_id, code, price, currency, weight_grams)"
                " VALUES (%s, %s, 'mer_bench', %s, 1999, 'usd', 300) ON CONFLICT DO NOTHING",
                (sid, pid, f"B-{n}"),
            )
            conn.execute(
                "INSERT INTO inventory (sku_id, warehouse_id, on_hand) VALUES (%s, 'wh_bench', 10000000)"
                " ON CONFLICT DO NOTHING",
                (sid,),
            )
            conn.execute(
                "INSERT INTO inventory_ledger (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason)"
                " VALUES (%s, 'wh_bench', 'receive', 10000000, 0, 'bench')",
                (sid,),
            )
        pairs = []
        with conn.cursor() as cur:
            for n in range(carts):
                user, cart = new_id("user"), new_id("cart")
                cur.execute(
                    "INSERT INTO users (id, email, password_hash, name, role) VALUES (%s, %s, 'x', 'B', 'customer')",
                    (user, f"{user}@bench.example.com"),
                )
                cur.execute("INSERT INTO carts (id, user_id, currency) VALUES (%s, %s, 'usd')", (cart, user))
                for line in range(2):
                    sku = SKU_IDS[(n * 2 + line) % skus]
                    cur.execute(
                        "INSERT INTO cart_lines (id, cart_id, sku_id, qty, added_price) VALUES (%s, %s, %s, 1, 1999)",
                        (new_id("cart_line"), cart, sku),
                    )
                claims = {
                    "iss": "mercato",
                    "sub": user,
                    "role": "customer",
                    "iat": now,
                    "exp": now + timedelta(hours=4),
                }
                pairs.append((jwt.encode(claims, SECRET, algorithm="HS256"), cart))
    return pairs


class Sandbox:
    """`mercato psp-sandbox` with the given latency, in its own process."""

    def __init__(self, latency: str) -> None:
        self.port = free_port()
        self.latency = latency
        self.state = ROOT / "var" / "bench-psp" / uuid.uuid4().hex
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sandbox:
        self.state.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--state-dir", str(self.state), "--latency-ms", self.latency]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mercato.cli", "psp-sandbox", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/_sandbox/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the PSP sandbox did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


def server_env(sandbox: Sandbox) -> dict[str, str]:
    """`mercato serve`'s settings for the benchmark: its token secret, the sandbox, no rate limit, a bigger pool."""
    return {
        "MERCATO_JWT_SECRET": SECRET,
        "MERCATO_PSP_PROVIDERS": f"sandbox=http://127.0.0.1:{sandbox.port}",
        "MERCATO_CHECKOUT_RATE_LIMIT": "0",
        "MERCATO_DB_POOL_SIZE": "20",
        "MERCATO_DB_MAX_OVERFLOW": "20",
    }


# The rows every checkout updates: thousands of updates of the same 500 stock rows leave long chains of dead
# versions that slow the next phase down (the raw limit, run last, fell from about 550 to 230/s), so each
# phase starts from a vacuumed table, as autovacuum keeps a long-running server.
_UPDATED_TABLES = "inventory, reservations, carts, payments, payment_attempts, checkout_sessions, idempotency_keys"


def vacuum(url: str) -> None:
    """VACUUM (ANALYZE) the tables a checkout updates."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {_UPDATED_TABLES}")
