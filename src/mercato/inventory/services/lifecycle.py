"""Ending or renewing reservations: release (stock back), commit (stock gone), extend (hold longer).

Every status change is a conditional UPDATE `WHERE status = 'active'` on rows locked in id order, so a
reservation is released or committed, never both, and calling either again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from mercato.db.unit_of_work import Tx
from mercato.inventory.domain import LedgerKind, Reservation, ReservationStatus
from mercato.inventory.services.reservation_rows import RESERVATION_COLUMNS, reservation_from_row
from mercato.inventory.services.retry import with_retries
from mercato.inventory.services.stock_moves import settle_reservations
from mercato.kernel.errors import Conflict, NotFound, ValidationFailed


class ReservationsReleased(Conflict):
    """Some of the holder's reservations were already released (expired or cancelled): the stock is gone."""


class NoReservations(NotFound):
    """The holder has no reservations at all."""


_RELEASE_BY_HOLDER = text(
    f"""
    UPDATE reservations SET status = 'released', updated_at = :now
    WHERE id IN (SELECT id FROM reservations WHERE holder = :holder AND status = 'active' ORDER BY id FOR UPDATE)
      AND status = 'active'
    RETURNING {RESERVATION_COLUMNS}
    """
)

_RELEASE_BY_ID = text(
    f"""
    UPDATE reservations SET status = 'released', updated_at = :now
    WHERE id IN (
        SELECT id FROM reservations WHERE id = ANY(CAST(:ids AS text[])) AND status = 'active' ORDER BY id FOR UPDATE
    )
      AND status = 'active'
    RETURNING {RESERVATION_COLUMNS}
    """
).bindparams(bindparam("ids", type_=ARRAY(Text)))

_LOCK_HOLDER = text(f"SELECT {RESERVATION_COLUMNS} FROM reservations WHERE holder = :holder ORDER BY id FOR UPDATE")

_COMMIT = text(
    f"""
    UPDATE reservations SET status = 'committed', updated_at = :now
    WHERE id = ANY(CAST(:ids AS text[])) AND status = 'active'
    RETURNING {RESERVATION_COLUMNS}
    """
).bindparams(bindparam("ids", type_=ARRAY(Text)))

_EXTEND = text(
    f"""
    UPDATE reservations SET expires_at = :expires_at, updated_at = :now
    WHERE holder = :holder AND status = 'active'
    RETURNING {RESERVATION_COLUMNS}
    """
)


async def release_reservations(
    tx: Tx,
    *,
    reason: str,
    now: datetime,
    holder: str | None = None,
    ids: Sequence[str] | None = None,
    actor: str | None = None,
) -> list[Reservation]:
    """Release the holder's (or the given) active reservations, returning their units to available stock.
    Idempotent: answers only what this call released; already released or committed ones are left alone."""
    if (holder is None) == (ids is None):
        raise ValidationFailed("release by holder or by ids, exactly one of them", field="holder")
    conn = tx.conn

    async def attempt() -> list[Reservation]:
        return await release_matching(tx, holder=holder, ids=ids, reason=reason, actor=actor or holder, now=now)

    return await with_retries(conn, attempt, events=tx.events)


async def release_matching(
    tx: Tx,
    *,
    holder: str | None,
    ids: Sequence[str] | None,
    reason: str,
    actor: str | None,
    now: datetime,
) -> list[Reservation]:
    """The release itself, without the savepoint (the sweeper runs it in its own transaction)."""
    conn = tx.conn
    if holder is not None:
        rows = await conn.execute(_RELEASE_BY_HOLDER, {"holder": holder, "now": now})
    else:
        rows = await conn.execute(_RELEASE_BY_ID, {"ids": list(ids or []), "now": now})
    released = sorted((reservation_from_row(r) for r in rows), key=lambda r: r.id)
    await settle_reservations(
        tx,
        released,
        kind=LedgerKind.RELEASE,
        event_type="reservation.released",
        reason=reason,
        actor=actor,
        now=now,
    )
    return released


async def commit_reservations(
    tx: Tx, *, holder: str, now: datetime, reason: str = "order confirmed", actor: str | None = None
) -> list[Reservation]:
    """Turn the holder's reservations into a sale: on hand and reserved both drop. All or nothing: if any
    of them was released (expired), nothing is committed and ReservationsReleased is raised. Idempotent:
    once committed, calling again answers the committed reservations and changes nothing."""
    conn = tx.conn

    async def attempt() -> list[Reservation]:
        held = [reservation_from_row(r) for r in await conn.execute(_LOCK_HOLDER, {"holder": holder})]
        if not held:
            raise NoReservations("this holder has no reservations")
        if any(r.status is ReservationStatus.RELEASED for r in held):
            raise ReservationsReleased("some of these reservations were released; the stock is no longer held")
        active = [r.id for r in held if r.status is ReservationStatus.ACTIVE]
        if active:
            rows = await conn.execute(_COMMIT, {"ids": active, "now": now})
            committed = sorted((reservation_from_row(r) for r in rows), key=lambda r: r.id)
            await settle_reservations(
                tx,
                committed,
                kind=LedgerKind.COMMIT,
                event_type="reservation.committed",
                reason=reason,
                actor=actor or holder,
                now=now,
            )
        return [replace(r, status=ReservationStatus.COMMITTED) for r in held]

    return await with_retries(conn, attempt, events=tx.events)


async def extend_reservations(tx: Tx, *, holder: str, ttl_seconds: int, now: datetime) -> list[Reservation]:
    """Hold the holder's live reservations until now + ttl. Raises ReservationsReleased if any of them was
    released (the hold is broken and cannot be renewed) and NoReservations if it holds nothing live."""
    if ttl_seconds <= 0:
        raise ValidationFailed("ttl_seconds must be positive", field="ttl_seconds")
    conn = tx.conn

    async def attempt() -> list[Reservation]:
        held = [reservation_from_row(r) for r in await conn.execute(_LOCK_HOLDER, {"holder": holder})]
        if any(r.status is ReservationStatus.RELEASED for r in held):
            raise ReservationsReleased("some of these reservations were released; they cannot be extended")
        if not any(r.status is ReservationStatus.ACTIVE for r in held):
            raise NoReservations("this holder has no live reservations")
        rows = await conn.execute(
            _EXTEND, {"holder": holder, "expires_at": now + timedelta(seconds=ttl_seconds), "now": now}
        )
        return sorted((reservation_from_row(r) for r in rows), key=lambda r: r.id)

    return await with_retries(conn, attempt)
