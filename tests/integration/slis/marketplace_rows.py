"""Rows for the SLI reporting reads, written into the owning contexts' real tables as the checkout saga,
payments and inventory leave them (a checkout session over a cart, its payment attempts, reservations)."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from mercato.kernel.ids import new_id


class Rows:
    def __init__(self, database_url: str, user_id: str) -> None:
        self.url, self.user_id = database_url, user_id

    def checkout(self, sku_ids: list[str], *, status: str = "completed") -> str:
        """A checkout session over a cart holding the SKUs; returns the session id."""
        cart_id, session_id = new_id("cart"), new_id("checkout")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO carts (id, user_id, currency, status) VALUES (%s, %s, 'usd', 'converted')",
                (cart_id, self.user_id),
            )
            for sku_id in sku_ids:
                conn.execute(
                    "INSERT INTO cart_lines (id, cart_id, sku_id, qty, added_price) VALUES (%s, %s, %s, 1, 1000)",
                    (new_id("cart_line"), cart_id, sku_id),
                )
            conn.execute(
                "INSERT INTO checkout_sessions (id, user_id, idempotency_key, cart_id, status, lease_until)"
                " VALUES (%s, %s, %s, %s, %s, now())",
                (session_id, self.user_id, new_id("checkout"), cart_id, status),
            )
        return session_id

    def attempts(self, checkout_id: str, *attempts: tuple[str, str, int]) -> None:
        """The payment of the checkout and its PSP attempts: (operation, status, latency_ms)."""
        payment_id = new_id("payment")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO payments (id, checkout_id, user_id, currency, amount) VALUES (%s, %s, %s, 'usd', 1000)",
                (payment_id, checkout_id, self.user_id),
            )
            for operation, status, latency in attempts:
                conn.execute(
                    "INSERT INTO payment_attempts (id, payment_id, operation, provider, idempotency_key, status,"
                    " amount, latency_ms) VALUES (%s, %s, %s, 'sandbox', %s, %s, 1000, %s)",
                    (new_id("payment_attempt"), payment_id, operation, new_id("payment_attempt"), status, latency),
                )

    def reservation(self, sku_id: str, status: str, *, expired: bool = False) -> None:
        """A reservation that ended: committed, released early, or released by the sweeper after expiry."""
        now = datetime.now().astimezone()
        expires_at = now - timedelta(seconds=1) if expired else now + timedelta(minutes=10)
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO reservations (id, sku_id, warehouse_id, holder, qty, status, expires_at, updated_at)"
                " VALUES (%s, %s, %s, %s, 1, %s, %s, %s)",
                (new_id("reservation"), sku_id, new_id("warehouse"), new_id("checkout"), status, expires_at, now),
            )
