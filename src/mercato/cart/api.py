"""HTTP routes of the cart context.

Who owns a cart: a signed-in customer (bearer token), or a guest holding the cart's token (the
`X-Cart-Token` header). Anyone else, merchants' staff included, gets 404 for a cart as if it did not exist;
staff cannot shop (403). Every answer that shows the cart takes an optional destination
(`?country=&region=&postal_code=`) for the shipping and tax estimates, from the pricing and shipping
contexts' rate tables.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from mercato.cart.domain import CartOwner
from mercato.cart.schemas import AddToCart, CartOut, LineQty
from mercato.cart.services.add import add_to_cart
from mercato.cart.services.claim import claim_guest_cart
from mercato.cart.services.lines import change_line_qty, move_to_cart, remove_line, save_for_later
from mercato.cart.services.loading import CartRules
from mercato.cart.services.view import EstimateRequest, get_cart
from mercato.http.deps import ContainerDep, Customer, OptionalPrincipal, ReadConn, WriteTx
from mercato.identity import Role
from mercato.kernel.errors import Forbidden
from mercato.pricing import Destination

router = APIRouter(prefix="/v1/cart", tags=["cart"])


async def cart_owner(
    principal: OptionalPrincipal, x_cart_token: Annotated[str | None, Header(max_length=256)] = None
) -> CartOwner:
    """The caller as a cart owner: their user id if signed in, the cart token if they sent one."""
    if principal is not None and principal.role is Role.MERCHANT_STAFF:
        raise Forbidden("merchant staff cannot shop; use a customer account")
    return CartOwner(user_id=principal.user_id if principal else None, token=x_cart_token)


async def estimate_request(
    container: ContainerDep,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")] = None,
    region: Annotated[str, Query(max_length=64, description="State or province code, e.g. CA")] = "",
    postal_code: Annotated[str, Query(max_length=32)] = "",
) -> EstimateRequest | None:
    """Estimates are made only when a destination country is given, from pricing's tax rates and
    shipping's carrier rates."""
    if country is None:
        return None
    destination = Destination(country=country.upper(), region=region.upper(), postal_code=postal_code)
    return EstimateRequest(destination=destination, tax=container.tax, shipping=container.shipping)


async def cart_rules(container: ContainerDep) -> CartRules:
    settings = container.settings
    return CartRules(
        max_qty_per_line=settings.order_line_max_qty, guest_cart_ttl=timedelta(days=settings.guest_cart_ttl_days)
    )


Owner = Annotated[CartOwner, Depends(cart_owner)]
Estimate = Annotated[EstimateRequest | None, Depends(estimate_request)]
Rules = Annotated[CartRules, Depends(cart_rules)]


@router.post(
    "",
    response_model=CartOut,
    status_code=status.HTTP_200_OK,
    responses={201: {"model": CartOut, "description": "The cart was created by this add"}},
    summary="Add to cart",
)
async def post_cart(
    *,
    body: AddToCart,
    owner: Owner,
    tx: WriteTx,
    container: ContainerDep,
    rules: Rules,
    estimate: Estimate,
    response: Response,
) -> CartOut:
    """Add units of a SKU to your cart (created if needed: 201, with a `cart_token` for guests)."""
    added = await add_to_cart(
        tx,
        owner=owner,
        sku_id=body.sku_id,
        qty=body.qty,
        cart_id=body.cart_id,
        now=container.clock.now(),
        rules=rules,
        estimate=estimate,
    )
    if added.created:
        response.status_code = status.HTTP_201_CREATED
    return CartOut.of(added.cart)


@router.get("/{cart_id}", response_model=CartOut, summary="A cart")
async def get_one(
    *, cart_id: str, owner: Owner, conn: ReadConn, container: ContainerDep, estimate: Estimate
) -> CartOut:
    """Your cart at today's prices and availability, with estimates for a destination if given."""
    cart = await get_cart(conn, cart_id=cart_id, owner=owner, now=container.clock.now(), estimate=estimate)
    return CartOut.of(cart)


@router.patch("/{cart_id}/lines/{line_id}", response_model=CartOut, summary="Change a line's quantity")
async def patch_line(
    *,
    cart_id: str,
    line_id: str,
    body: LineQty,
    owner: Owner,
    tx: WriteTx,
    container: ContainerDep,
    rules: Rules,
    estimate: Estimate,
) -> CartOut:
    """Set a line's quantity (1..the per-order limit; more units must be available)."""
    cart = await change_line_qty(
        tx,
        owner=owner,
        cart_id=cart_id,
        line_id=line_id,
        qty=body.qty,
        now=container.clock.now(),
        rules=rules,
        estimate=estimate,
    )
    return CartOut.of(cart)


@router.delete("/{cart_id}/lines/{line_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a line")
async def delete_line(
    *, cart_id: str, line_id: str, owner: Owner, tx: WriteTx, container: ContainerDep, rules: Rules
) -> Response:
    """Remove a line from the cart or from saved-for-later."""
    await remove_line(tx, owner=owner, cart_id=cart_id, line_id=line_id, now=container.clock.now(), rules=rules)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{cart_id}/lines/{line_id}/save-for-later", response_model=CartOut, summary="Save a line for later")
async def post_save_for_later(
    *,
    cart_id: str,
    line_id: str,
    owner: Owner,
    tx: WriteTx,
    container: ContainerDep,
    rules: Rules,
    estimate: Estimate,
) -> CartOut:
    """Move a line out of the cart into saved-for-later."""
    cart = await save_for_later(
        tx, owner=owner, cart_id=cart_id, line_id=line_id, now=container.clock.now(), rules=rules, estimate=estimate
    )
    return CartOut.of(cart)


@router.post("/{cart_id}/saved/{line_id}/move-to-cart", response_model=CartOut, summary="Move a saved line to the cart")
async def post_move_to_cart(
    *,
    cart_id: str,
    line_id: str,
    owner: Owner,
    tx: WriteTx,
    container: ContainerDep,
    rules: Rules,
    estimate: Estimate,
) -> CartOut:
    """Move a saved line back into the cart (the units must be available now)."""
    cart = await move_to_cart(
        tx, owner=owner, cart_id=cart_id, line_id=line_id, now=container.clock.now(), rules=rules, estimate=estimate
    )
    return CartOut.of(cart)


@router.post("/{cart_id}/claim", response_model=CartOut, summary="Take a guest cart into your account")
async def post_claim(
    *,
    cart_id: str,
    customer: Customer,
    tx: WriteTx,
    container: ContainerDep,
    rules: Rules,
    estimate: Estimate,
    x_cart_token: Annotated[str | None, Header(max_length=256)] = None,
) -> CartOut:
    """Signed in, with the guest cart's `X-Cart-Token`: the guest cart becomes (or merges into) your cart."""
    cart = await claim_guest_cart(
        tx,
        cart_id=cart_id,
        token=x_cart_token,
        user_id=customer.user_id,
        now=container.clock.now(),
        rules=rules,
        estimate=estimate,
    )
    return CartOut.of(cart)
