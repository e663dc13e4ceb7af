"""Customer notification preferences: which categories each channel may carry, and the SMS number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.notifications.domain import Preferences, effective_preferences
from mercato.notifications.tables import notification_preferences as np

_UNSET: Any = object()


async def get_preferences(conn: AsyncConnection, *, user_id: str) -> Preferences:
    """The customer's effective preferences (defaults when nothing is stored)."""
    row = (await conn.execute(select(np).where(np.c.user_id == user_id))).one_or_none()
    if row is None:
        return effective_preferences(None, {}, {})
    return effective_preferences(row.phone, row.email, row.sms)


async def update_preferences(
    tx: Tx,
    *,
    user_id: str,
    phone: str | None = _UNSET,
    email: dict[str, bool] | None = None,
    sms: dict[str, bool] | None = None,
) -> Preferences:
    """Merge the given choices into the stored ones in one upsert (concurrent PATCHes of different
    categories both stick: the JSONB maps are merged by the database, not read and rewritten)."""
    values: dict[str, Any] = {"user_id": user_id, "email": email or {}, "sms": sms or {}}
    if phone is not _UNSET:
        values["phone"] = phone
    statement = insert(np).values(**values)
    updates: dict[str, Any] = {
        "email": np.c.email.op("||")(statement.excluded.email),
        "sms": np.c.sms.op("||")(statement.excluded.sms),
        "updated_at": statement.excluded.updated_at,
    }
    if phone is not _UNSET:
        updates["phone"] = statement.excluded.phone
    row = (
        await tx.conn.execute(
            statement.on_conflict_do_update(index_elements=[np.c.user_id], set_=updates).returning(np)
        )
    ).one()
    return effective_preferences(row.phone, row.email, row.sms)
