"""Identity use cases: registering, logging in, looking up users; creating merchants and staff."""

from __future__ import annotations

from sqlalchemy import ColumnElement, ScalarSelect, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.identity.domain import Principal, Role, User, normalize_email
from mercato.identity.passwords import hash_password, verify_password
from mercato.identity.tables import merchants, users
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import AlreadyExists, NotFound, Unauthenticated
from mercato.kernel.ids import is_id_of, new_id


def _user_from_row(row: object) -> User:
    return User(
        id=row.id,  # type: ignore[attr-defined]
        email=row.email,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        role=Role(row.role),  # type: ignore[attr-defined]
        merchant_id=row.merchant_id,  # type: ignore[attr-defined]
        created_at=rfc3339(row.created_at),  # type: ignore[attr-defined]
    )


async def register_user(
    tx: Tx,
    *,
    email: str,
    password: str,
    name: str,
    role: Role = Role.CUSTOMER,
    merchant_id: str | None = None,
) -> User:
    """Create an account; a second account for the same e-mail is a 409 already-exists."""
    user_id = new_id("user")
    async with tx.conn.begin_nested():
        try:
            row = (
                await tx.conn.execute(
                    insert(users)
                    .values(
                        id=user_id,
                        email=normalize_email(email),
                        password_hash=hash_password(password),
                        name=name.strip(),
                        role=role.value,
                        merchant_id=merchant_id,
                    )
                    .returning(users)
                )
            ).one()
        except IntegrityError as exc:
            raise AlreadyExists("an account with this e-mail already exists", field="body.email") from exc
    tx.emit(
        aggregate="user",
        aggregate_id=user_id,
        event_type="user.registered",
        payload={"user_id": user_id, "role": role.value},
    )
    return _user_from_row(row)


async def authenticate(conn: AsyncConnection, *, email: str, password: str) -> Principal:
    """The principal for valid credentials; one vague 401 for an unknown e-mail or a wrong password."""
    row = (await conn.execute(select(users).where(func.lower(users.c.email) == normalize_email(email)))).one_or_none()
    if not verify_password(row.password_hash if row else None, password) or row is None:
        raise Unauthenticated("the e-mail or password is not correct")
    return Principal(user_id=row.id, role=Role(row.role), merchant_id=row.merchant_id)


async def get_user(conn: AsyncConnection, *, user_id: str) -> User:
    """A user by id, or NotFound."""
    if not is_id_of("user", user_id):
        raise NotFound("no such user")
    row = (await conn.execute(select(users).where(users.c.id == user_id))).one_or_none()
    if row is None:
        raise NotFound("no such user")
    return _user_from_row(row)


async def create_merchant(tx: Tx, *, name: str, slug: str) -> str:
    """Create a merchant and return its id (admin and seed use)."""
    merchant_id = new_id("merchant")
    await tx.conn.execute(insert(merchants).values(id=merchant_id, name=name, slug=slug))
    tx.emit(
        aggregate="merchant",
        aggregate_id=merchant_id,
        event_type="merchant.created",
        payload={"merchant_id": merchant_id, "name": name},
    )
    return merchant_id


async def merchant_names(conn: AsyncConnection, merchant_ids: list[str]) -> dict[str, str]:
    """Names of the given merchants, for embedding `{id, name}` in other contexts' answers."""
    if not merchant_ids:
        return {}
    rows = await conn.execute(select(merchants.c.id, merchants.c.name).where(merchants.c.id.in_(merchant_ids)))
    return {r.id: r.name for r in rows}


def merchant_name_of(merchant_id: ColumnElement[str]) -> ScalarSelect[str]:
    """A correlated scalar: the name of the merchant `merchant_id` names, for another context's statement
    that embeds `{id, name}` without a round trip of its own."""
    return select(merchants.c.name).where(merchants.c.id == merchant_id).scalar_subquery()


async def merchant_exists(conn: AsyncConnection, *, merchant_id: str) -> bool:
    """Whether a merchant with this id exists (for filters given by id)."""
    if not is_id_of("merchant", merchant_id):
        return False
    return (await conn.execute(select(merchants.c.id).where(merchants.c.id == merchant_id))).first() is not None
