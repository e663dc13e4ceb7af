"""Demo shipping zones and carrier rates, sales tax rates and a welcome coupon, so the demo checks out."""

from __future__ import annotations

from psycopg import Connection
from psycopg.rows import TupleRow

_ZONES = [("US", "", "us-domestic"), ("US", "AK", "us-remote"), ("US", "HI", "us-remote"), ("*", "", "international")]

_RATES = [  # carrier, zone, max weight in grams, amount in cents
    ("usps", "us-domestic", 500, 450),
    ("usps", "us-domestic", 2000, 895),
    ("usps", "us-domestic", 10000, 1895),
    ("ups", "us-domestic", 1000, 699),
    ("ups", "us-domestic", 5000, 1099),
    ("ups", "us-domestic", 30000, 2499),
    ("ups", "us-remote", 30000, 3999),
    ("dhl", "international", 2000, 2499),
    ("dhl", "international", 30000, 5999),
]

_TAX = [  # country, region, postal prefix, basis points
    ("US", "CA", "", 725),
    ("US", "NY", "", 400),
    ("US", "NY", "100", 888),
    ("US", "TX", "", 625),
    ("US", "TX", "787", 825),
    ("US", "WA", "", 650),
    ("DE", "", "", 1900),
]


def ensure_rates(conn: Connection[TupleRow]) -> None:
    """Insert the demo rates and the WELCOME10 coupon (10 % off, once per customer), if missing."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO shipping_zones (country, region, zone) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", _ZONES
        )
        cur.executemany(
            "INSERT INTO shipping_rates (carrier, zone, max_weight_grams, amount, currency)"
            " VALUES (%s, %s, %s, %s, 'usd') ON CONFLICT DO NOTHING",
            _RATES,
        )
        cur.executemany(
            "INSERT INTO tax_rates (country, region, postal_prefix, rate_bps) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            _TAX,
        )
        cur.execute(
            "INSERT INTO coupons (code, kind, value, per_customer_limit) VALUES ('WELCOME10', 'percent', 1000, 1)"
            " ON CONFLICT DO NOTHING"
        )
