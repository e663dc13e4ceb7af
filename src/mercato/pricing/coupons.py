"""Coupon redemption and release, with total and per-customer limits enforced atomically.

The coupon row is locked for the redemption, which serialises concurrent redemptions of one coupon:
the per-customer count and the total counter are then exact, and the CHECK constraint on
`redemptions <= max_redemptions` backs the total limit up. Redemptions are keyed by checkout, so
redeeming and releasing are idempotent, as saga steps must be.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, insert, select, update

from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import CouponInvalid
from mercato.pricing.domain import Coupon, CouponEffect, CouponKind, coupon_effect, coupon_problem
from mercato.pricing.tables import coupon_redemptions, coupons


def normalize_code(code: str) -> str:
    """Coupon codes compare case-insensitively."""
    return code.strip().upper()


def _coupon(row: object) -> Coupon:
    return Coupon(
        code=row.code,  # type: ignore[attr-defined]
        kind=CouponKind(row.kind),  # type: ignore[attr-defined]
        value=row.value,  # type: ignore[attr-defined]
        currency=row.currency,  # type: ignore[attr-defined]
        min_subtotal=row.min_subtotal,  # type: ignore[attr-defined]
        starts_at=row.starts_at,  # type: ignore[attr-defined]
        ends_at=row.ends_at,  # type: ignore[attr-defined]
    )


async def redeem_coupon(
    tx: Tx, *, code: str, user_id: str, checkout_id: str, subtotal: int, currency: str, now: datetime
) -> CouponEffect:
    """Redeem `code` for this checkout (once), or raise CouponInvalid saying why it does not apply."""
    code = normalize_code(code)
    row = (await tx.conn.execute(select(coupons).where(coupons.c.code == code).with_for_update())).one_or_none()
    if row is None or not row.active:
        raise CouponInvalid("no such coupon", field="body.coupon_code")
    coupon = _coupon(row)
    already = (
        await tx.conn.execute(
            select(coupon_redemptions.c.id).where(
                and_(coupon_redemptions.c.checkout_id == checkout_id, coupon_redemptions.c.status == "active")
            )
        )
    ).first()
    if already is not None:
        return coupon_effect(coupon, subtotal=subtotal)
    problem = coupon_problem(coupon, subtotal=subtotal, currency=currency, now=now)
    if problem:
        raise CouponInvalid(problem, field="body.coupon_code")
    if row.per_customer_limit is not None:
        used = (
            await tx.conn.execute(
                select(func.count()).where(
                    and_(
                        coupon_redemptions.c.code == code,
                        coupon_redemptions.c.user_id == user_id,
                        coupon_redemptions.c.status == "active",
                    )
                )
            )
        ).scalar_one()
        if used >= row.per_customer_limit:
            raise CouponInvalid("you have already used this coupon", field="body.coupon_code")
    counted = await tx.conn.execute(
        update(coupons)
        .where(
            and_(
                coupons.c.code == code,
                (coupons.c.max_redemptions.is_(None)) | (coupons.c.redemptions < coupons.c.max_redemptions),
            )
        )
        .values(redemptions=coupons.c.redemptions + 1, updated_at=func.now())
    )
    if counted.rowcount != 1:
        raise CouponInvalid("the coupon has been used up", field="body.coupon_code")
    await tx.conn.execute(insert(coupon_redemptions).values(code=code, user_id=user_id, checkout_id=checkout_id))
    return coupon_effect(coupon, subtotal=subtotal)


async def release_coupon(tx: Tx, *, checkout_id: str) -> bool:
    """Give back the checkout's redemption, if it holds one; True if something was released."""
    released = (
        await tx.conn.execute(
            update(coupon_redemptions)
            .where(and_(coupon_redemptions.c.checkout_id == checkout_id, coupon_redemptions.c.status == "active"))
            .values(status="released")
            .returning(coupon_redemptions.c.code)
        )
    ).one_or_none()
    if released is None:
        return False
    await tx.conn.execute(
        update(coupons)
        .where(coupons.c.code == released.code)
        .values(redemptions=coupons.c.redemptions - 1, updated_at=func.now())
    )
    return True
