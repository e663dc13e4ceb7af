"""The demo's people: merchants, the three fixed demo logins, and a pool of shoppers who write reviews.

Merchants and demo logins go through identity's own services (real argon2 hashes, `merchant.created` and
`user.registered` events); the shopper pool is bulk-inserted with one hash computed once, since hashing
thousands of passwords one by one would dominate the seed. Everything is found by its natural key first,
so a second seed creates nothing twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from faker import Faker
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.engine import make_engine
from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.identity import Role, create_merchant, register_user
from mercato.identity.passwords import hash_password
from mercato.identity.tables import merchants, users
from mercato.kernel.ids import new_id
from mercato.seed.vocabulary import MERCHANTS

DEMO_PASSWORD = "mercato-demo"
DEMO_CUSTOMER_EMAIL = "customer@example.com"
DEMO_MERCHANT_EMAIL = "merchant@example.com"
DEMO_ADMIN_EMAIL = "admin@example.com"


@dataclass(frozen=True, slots=True)
class Shopper:
    """A customer account that writes the seeded reviews."""

    user_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Accounts:
    """Merchant ids in MERCHANTS order, and the reviewing shoppers."""

    merchant_ids: list[str]
    shoppers: list[Shopper]


def shopper_email(index: int) -> str:
    """The e-mail of the index-th pooled shopper (they log in with the demo password too)."""
    return f"shopper{index:05d}@example.com"


async def _ensure_merchant(tx: Tx, name: str, slug: str) -> str:
    existing = (await tx.conn.execute(select(merchants.c.id).where(merchants.c.slug == slug))).scalar_one_or_none()
    return existing if existing is not None else await create_merchant(tx, name=name, slug=slug)


async def _user_exists(conn: AsyncConnection, email: str) -> bool:
    query = select(users.c.id).where(func.lower(users.c.email) == email.lower())
    return (await conn.execute(query)).first() is not None


async def _ensure_demo_logins(tx: Tx, first_merchant_id: str) -> None:
    logins = (
        (DEMO_CUSTOMER_EMAIL, "Casey Customer", Role.CUSTOMER, None),
        (DEMO_MERCHANT_EMAIL, "Morgan Merchant", Role.MERCHANT_STAFF, first_merchant_id),
        (DEMO_ADMIN_EMAIL, "Avery Admin", Role.ADMIN, None),
    )
    for email, name, role, merchant_id in logins:
        if not await _user_exists(tx.conn, email):
            await register_user(tx, email=email, password=DEMO_PASSWORD, name=name, role=role, merchant_id=merchant_id)


async def _ensure_shoppers(conn: AsyncConnection, count: int, seed: int) -> list[Shopper]:
    """`count` pooled shoppers; missing ones are inserted in one statement with one shared hash."""
    emails = [shopper_email(i) for i in range(1, count + 1)]
    found = {
        r.email: Shopper(r.id, r.name)
        for r in await conn.execute(select(users.c.id, users.c.email, users.c.name).where(users.c.email.in_(emails)))
    }
    missing = [email for email in emails if email not in found]
    if missing:
        faker = Faker("en_US")
        faker.seed_instance(seed + len(found))  # a later, larger pool gets new names
        password_hash = hash_password(DEMO_PASSWORD)
        rows = [
            {
                "id": new_id("user"),
                "email": email,
                "password_hash": password_hash,
                "name": faker.name(),
                "role": Role.CUSTOMER.value,
            }
            for email in missing
        ]
        await conn.execute(insert(users), rows)
        found.update({row["email"]: Shopper(row["id"], row["name"]) for row in rows})
    return [found[email] for email in emails]


async def _ensure_accounts(database_url: str, shoppers: int, seed: int) -> Accounts:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with unit_of_work(engine) as tx:
            merchant_ids = [await _ensure_merchant(tx, spec.name, spec.slug) for spec in MERCHANTS]
            await _ensure_demo_logins(tx, merchant_ids[0])
            pool = await _ensure_shoppers(tx.conn, shoppers, seed)
        return Accounts(merchant_ids=merchant_ids, shoppers=pool)
    finally:
        await engine.dispose()


def ensure_accounts(database_url: str, *, shoppers: int, seed: int) -> Accounts:
    """Merchants, demo logins and `shoppers` reviewing customers, created when missing (one transaction)."""
    return asyncio.run(_ensure_accounts(database_url, shoppers, seed))
