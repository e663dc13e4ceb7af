"""HTTP routes of the identity context: register, login, me."""

from __future__ import annotations

from fastapi import APIRouter, status

from mercato.http.deps import AnyPrincipal, ContainerDep, ReadConn, WriteTx
from mercato.identity.domain import Principal
from mercato.identity.schemas import LoginRequest, RegisterRequest, TokenResponse, UserResponse
from mercato.identity.service import authenticate, get_user, register_user

router = APIRouter(prefix="/v1", tags=["identity"])


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserResponse)
async def register(body: RegisterRequest, tx: WriteTx) -> UserResponse:
    """Create a customer account."""
    user = await register_user(tx, email=body.email, password=body.password, name=body.name)
    return UserResponse(**_as_dict(user))


@router.post("/auth/login", response_model=TokenResponse)
async def login(body: LoginRequest, conn: ReadConn, container: ContainerDep) -> TokenResponse:
    """Exchange e-mail and password for a bearer token."""
    principal: Principal = await authenticate(conn, email=body.email, password=body.password)
    token = container.tokens.issue(principal)
    return TokenResponse(access_token=token, expires_in=container.tokens.ttl_seconds)


@router.get("/me", response_model=UserResponse)
async def me(principal: AnyPrincipal, conn: ReadConn) -> UserResponse:
    """The signed-in user."""
    return UserResponse(**_as_dict(await get_user(conn, user_id=principal.user_id)))


def _as_dict(user: object) -> dict[str, object]:
    return {name: getattr(user, name) for name in ("id", "email", "name", "role", "merchant_id", "created_at")}
