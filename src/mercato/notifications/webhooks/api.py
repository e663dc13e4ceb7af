"""HTTP routes of merchant webhooks (`/v1/merchant/webhooks…`), acting on the caller's merchant only."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from fastapi import APIRouter, Response, status

from mercato.http.deps import ContainerDep, MerchantStaff, ReadConn, WriteTx
from mercato.http.problems import openapi_problems
from mercato.kernel.paging import DEFAULT_LIMIT, check_limit
from mercato.notifications.webhooks.deliveries import list_deliveries, redeliver
from mercato.notifications.webhooks.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
    update_endpoint,
)
from mercato.notifications.webhooks.schemas import (
    DeliveryList,
    DeliveryResponse,
    EndpointCreate,
    EndpointList,
    EndpointPatch,
    EndpointResponse,
    RotateSecret,
)

router = APIRouter(
    prefix="/v1/merchant/webhooks", tags=["merchant webhooks"], responses=openapi_problems(401, 403, 404, 422)
)


def _merchant(staff: MerchantStaff) -> str:
    assert staff.merchant_id is not None  # guaranteed by the MerchantStaff dependency
    return staff.merchant_id


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EndpointResponse)
async def create(body: EndpointCreate, staff: MerchantStaff, tx: WriteTx, container: ContainerDep) -> EndpointResponse:
    """Register an endpoint for the chosen event types; the answer shows its signing secret."""
    endpoint = await create_endpoint(
        tx,
        merchant_id=_merchant(staff),
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        require_https=container.settings.env == "production",
    )
    return EndpointResponse(**asdict(endpoint))


@router.get("", response_model=EndpointList)
async def list_all(
    staff: MerchantStaff, conn: ReadConn, container: ContainerDep, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> EndpointList:
    """The merchant's endpoints, oldest first."""
    after = tuple(container.cursors.decode("webhook_endpoints", cursor)) if cursor else None
    items, last = await list_endpoints(
        conn,
        merchant_id=_merchant(staff),
        limit=check_limit(limit),
        after=after,
        now=container.clock.now(),
    )
    next_cursor = container.cursors.encode("webhook_endpoints", list(last)) if last else None
    return EndpointList(items=[EndpointResponse(**asdict(e)) for e in items], next_cursor=next_cursor)


@router.get("/{endpoint_id}", response_model=EndpointResponse)
async def read(endpoint_id: str, staff: MerchantStaff, conn: ReadConn, container: ContainerDep) -> EndpointResponse:
    """One endpoint (never its secret)."""
    endpoint = await get_endpoint(
        conn, merchant_id=_merchant(staff), endpoint_id=endpoint_id, now=container.clock.now()
    )
    return EndpointResponse(**asdict(endpoint))


@router.patch("/{endpoint_id}", response_model=EndpointResponse)
async def change(
    endpoint_id: str, body: EndpointPatch, staff: MerchantStaff, tx: WriteTx, container: ContainerDep
) -> EndpointResponse:
    """Change the url, event types, description, or enable/disable the endpoint."""
    endpoint = await update_endpoint(
        tx,
        merchant_id=_merchant(staff),
        endpoint_id=endpoint_id,
        changes=body.model_dump(exclude_unset=True),
        require_https=container.settings.env == "production",
        now=container.clock.now(),
    )
    return EndpointResponse(**asdict(endpoint))


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove(endpoint_id: str, staff: MerchantStaff, tx: WriteTx) -> Response:
    """Delete the endpoint and its delivery history."""
    await delete_endpoint(tx, merchant_id=_merchant(staff), endpoint_id=endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{endpoint_id}/rotate-secret", response_model=EndpointResponse)
async def rotate(
    endpoint_id: str, body: RotateSecret, staff: MerchantStaff, tx: WriteTx, container: ContainerDep
) -> EndpointResponse:
    """New signing secret; the old one also signs (a second `v1=`) until the overlap ends."""
    overlap = body.overlap_seconds
    if overlap is None:
        overlap = container.settings.webhook_secret_overlap_seconds
    endpoint = await rotate_secret(
        tx,
        merchant_id=_merchant(staff),
        endpoint_id=endpoint_id,
        overlap=timedelta(seconds=overlap),
        now=container.clock.now(),
    )
    return EndpointResponse(**asdict(endpoint))


@router.get("/{endpoint_id}/deliveries", response_model=DeliveryList)
async def deliveries(
    endpoint_id: str,
    *,
    staff: MerchantStaff,
    conn: ReadConn,
    container: ContainerDep,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> DeliveryList:
    """The endpoint's deliveries, newest first: status, attempts, last answer, next retry."""
    before = tuple(container.cursors.decode(f"webhook_deliveries:{endpoint_id}", cursor)) if cursor else None
    items, last = await list_deliveries(
        conn,
        merchant_id=_merchant(staff),
        endpoint_id=endpoint_id,
        limit=check_limit(limit),
        before=before,
        now=container.clock.now(),
    )
    next_cursor = container.cursors.encode(f"webhook_deliveries:{endpoint_id}", list(last)) if last else None
    return DeliveryList(items=[DeliveryResponse(**asdict(d)) for d in items], next_cursor=next_cursor)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_201_CREATED,
    response_model=DeliveryResponse,
)
async def send_again(
    endpoint_id: str, delivery_id: str, staff: MerchantStaff, tx: WriteTx, container: ContainerDep
) -> DeliveryResponse:
    """Send a delivery's event again now, as a new delivery (dead-lettered ones included)."""
    delivery = await redeliver(
        tx, merchant_id=_merchant(staff), endpoint_id=endpoint_id, delivery_id=delivery_id, now=container.clock.now()
    )
    return DeliveryResponse(**asdict(delivery))
