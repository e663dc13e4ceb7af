"""The raw SQL of a checkout: the writes of its two transactions, as the limit of what PostgreSQL and one
client can do (bench/checkout.py's raw limit, shaped as the issue's pgbench transaction) and, with the
writes its guarantees need, as the database part of the stack's floor (bench/checkout_floor.py). $1 is
the cart's SKUs, $2 a holder that names the rows, $3 the cart."""

from __future__ import annotations

# reserve: conditional stock update + reservation rows + ledger
RESERVE = [
    "UPDATE inventory SET reserved = reserved + 1 WHERE sku_id = ANY($1::text[]) AND warehouse_id = 'wh_bench'"
    " AND on_hand - reserved >= 1",
    "INSERT INTO reservations (id, sku_id, warehouse_id, holder, qty, expires_at) SELECT 'res_' || s || $2, s,"
    " 'wh_bench', $2, 1, now() + interval '15 minutes' FROM unnest($1::text[]) s",
    "INSERT INTO inventory_ledger (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason)"
    " SELECT s, 'wh_bench', 'reserve', 0, 1, 'r' FROM unnest($1::text[]) s",
]
# confirm: commit the stock, write the order with its shipment and items, and its outbox event
COMMIT_AND_ORDER = [
    "UPDATE inventory SET reserved = reserved - 1, on_hand = on_hand - 1 WHERE sku_id = ANY($1::text[])"
    " AND warehouse_id = 'wh_bench'",
    "UPDATE reservations SET status = 'committed' WHERE holder = $2",
    "INSERT INTO inventory_ledger (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason)"
    " SELECT s, 'wh_bench', 'commit', -1, -1, 'c' FROM unnest($1::text[]) s",
    "INSERT INTO orders (id, user_id, checkout_id, status, currency, subtotal, shipping_total, tax_total, total,"
    " shipping_address) VALUES ('ord_' || $2, 'usr', $2, 'confirmed', 'usd', 3998, 700, 330, 5028, '{}')",
    "INSERT INTO shipments (id, order_id, merchant_id, warehouse_id, shipping) VALUES ('shp_' || $2, 'ord_' || $2,"
    " 'mer_bench', 'wh_bench', 700)",
    "INSERT INTO order_items (id, order_id, shipment_id, sku_id, product_id, merchant_id, name, qty, unit_price, tax,"
    " total) SELECT 'oi_' || s || $2, 'ord_' || $2, 'shp_' || $2, s, 'p', 'mer_bench', 'n', 1, 1999, 165, 2164"
    " FROM unnest($1::text[]) s",
    "INSERT INTO outbox (id, aggregate, aggregate_id, event_type, payload) VALUES ('evt_' || $2, 'order', $2,"
    " 'order.confirmed', '{}')",
]


# the raw limit's confirm transaction: the order, and the payment recorded as authorized
CONFIRM = [
    *COMMIT_AND_ORDER,
    "INSERT INTO payments (id, checkout_id, user_id, currency, amount, amount_authorized, status)"
    " VALUES ('pay_' || $2, $2, 'usr', 'usd', 5028, 5028, 'authorized')",
]

# What a checkout that keeps the guarantees writes besides, at the least: before the PSP call and
# durable with the reservation, the Idempotency-Key's claim, the saga's session, and the payment with the
# attempt about to be sent (so a crash mid-call can be reconciled, never charged twice); with the order,
# the attempt's and the payment's outcome, the session's end and the key's stored answer.
GUARD_BEFORE = [
    "INSERT INTO idempotency_keys (scope, key, method, path, request_hash, expires_at)"
    " VALUES ('usr', $2, 'POST', '/v1/checkout', $2, now() + interval '24 hours')",
    "INSERT INTO checkout_sessions (id, user_id, idempotency_key, cart_id, lease_until)"
    " VALUES ('chk_' || $2, 'usr', $2, 'cart', now() + interval '30 seconds')",
    "INSERT INTO payments (id, checkout_id, user_id, currency, amount) VALUES ('pay_' || $2, $2, 'usr', 'usd', 5028)",
    "INSERT INTO payment_attempts (id, payment_id, operation, provider, idempotency_key, amount)"
    " VALUES ('pat_' || $2, 'pay_' || $2, 'authorize', 'sandbox', $2, 5028)",
]
GUARD_AFTER = [
    "UPDATE payment_attempts SET status = 'succeeded', psp_reference = 'pi_' || $2 WHERE id = 'pat_' || $2",
    "UPDATE payments SET status = 'authorized', amount_authorized = amount, order_id = 'ord_' || $2"
    " WHERE id = 'pay_' || $2",
    "UPDATE checkout_sessions SET status = 'completed', order_id = 'ord_' || $2 WHERE id = 'chk_' || $2",
    "UPDATE idempotency_keys SET status = 'completed', response_status = 201, response_body = '{}'"
    " WHERE scope = 'usr' AND key = $2",
]
GUARDED_RESERVE = [*GUARD_BEFORE, *RESERVE]
GUARDED_CONFIRM = [*COMMIT_AND_ORDER, *GUARD_AFTER]

# What the guarded floor still skips and a correct checkout cannot: the cart closed with its order (one
# cart, one order). Its `status = 'active'` condition is left out so that the benchmark's rounds can take
# the same carts again; a condition on a row the UPDATE already found by its key costs nothing measurable.
CONVERT_CART = "UPDATE carts SET status = 'converted', updated_at = now() WHERE id = $3"
COMPLETE_CONFIRM = [*GUARDED_CONFIRM, CONVERT_CART]


def bind(sql: str, skus: list[str], holder: str, cart_id: str = "") -> tuple[str, list[object]]:
    """The statement with its placeholders renumbered to the parameters it takes, and those parameters."""
    values: list[object] = []
    for placeholder, value in (("$1", skus), ("$2", holder), ("$3", cart_id)):
        if placeholder in sql:
            values.append(value)
            sql = sql.replace(placeholder, f"${len(values)}")
    return sql, values
