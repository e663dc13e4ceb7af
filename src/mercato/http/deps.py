"""FastAPI dependencies: the container, a connection, and the calling principal by role.

Every dependency is `async def`, though none awaits: FastAPI runs a plain `def` dependency in a worker
thread, and the principal's chain alone was four thread hand-offs per request (py-spy on the checkout
benchmark: the event loop waking worker threads and waiting for them). Their work (a JWT's HMAC, a
role check) is shorter than a hand-off, so it runs on the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.http.container import Container
from mercato.identity import Principal, Role
from mercato.kernel.errors import Forbidden, Unauthenticated


async def get_container(request: Request) -> Container:
    """The app's container."""
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_read_conn(container: ContainerDep) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for read-only handlers."""
    async with container.engine.connect() as conn:
        yield conn


async def get_tx(container: ContainerDep) -> AsyncIterator[Tx]:
    """A unit of work for a write handler; it commits after the handler returns without error."""
    async with unit_of_work(container.engine) as tx:
        yield tx


# scope="function": the transaction commits (and the connection returns to the pool) before the response
# is sent, so a client that got a 201 can read its write at once and never sees a success that failed to commit.
ReadConn = Annotated[AsyncConnection, Depends(get_read_conn, scope="function")]
WriteTx = Annotated[Tx, Depends(get_tx, scope="function")]


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def optional_principal(request: Request, container: ContainerDep) -> Principal | None:
    """The caller if a token is sent (a bad one is still a 401), else None for anonymous routes."""
    token = _bearer_token(request)
    return container.tokens.verify(token) if token else None


async def require_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The caller; 401 without a token."""
    if principal is None:
        raise Unauthenticated("this route needs an access token")
    return principal


async def require_customer(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    """A signed-in customer (admins may act too)."""
    if principal.role not in (Role.CUSTOMER, Role.ADMIN):
        raise Forbidden("only customers may use this route")
    return principal


async def require_merchant_staff(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    """Staff of one merchant; their merchant is the only one they can act on."""
    if principal.role is not Role.MERCHANT_STAFF or principal.merchant_id is None:
        raise Forbidden("only merchant staff may use /v1/merchant routes")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    """An administrator."""
    if principal.role is not Role.ADMIN:
        raise Forbidden("only administrators may use /v1/admin routes")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
AnyPrincipal = Annotated[Principal, Depends(require_principal)]
Customer = Annotated[Principal, Depends(require_customer)]
MerchantStaff = Annotated[Principal, Depends(require_merchant_staff)]
Admin = Annotated[Principal, Depends(require_admin)]
