"""Carrier tracking updates: a 'delivered' scan delivers the shipment it names, once."""

from __future__ import annotations

from sqlalchemy import and_, select

from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import NotFound
from mercato.orders.domain import ShipmentEvent, ShipmentState
from mercato.orders.services.transitions import move_shipment
from mercato.orders.tables import shipments


async def deliver_by_tracking(tx: Tx, *, carrier: str, tracking_number: str) -> str:
    """Deliver the shipment the carrier tracks under this number; a repeated scan changes nothing.

    Returns the shipment's state afterwards. Carriers retry webhooks, so 'already delivered' is success.
    """
    row = (
        await tx.conn.execute(
            select(shipments.c.id, shipments.c.status).where(
                and_(shipments.c.carrier == carrier, shipments.c.tracking_number == tracking_number)
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no shipment with that carrier and tracking number")
    if row.status == ShipmentState.DELIVERED.value:
        return str(row.status)
    move = await move_shipment(tx, shipment_id=row.id, event=ShipmentEvent.DELIVER, actor=f"carrier:{carrier}")
    return move.state.value
