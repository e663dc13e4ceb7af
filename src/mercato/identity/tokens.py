"""JWT access tokens (PyJWT, HS256 pinned on both sides, expiry always set and checked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import jwt

from mercato.identity.domain import Principal, Role
from mercato.kernel.clock import Clock
from mercato.kernel.errors import Unauthenticated

_ALGORITHM = "HS256"
_ISSUER = "mercato"


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """Issues and verifies access tokens with one secret."""

    secret: str
    ttl_seconds: int
    clock: Clock

    def issue(self, principal: Principal) -> str:
        """A signed token naming the principal, valid for `ttl_seconds`."""
        now = self.clock.now()
        claims: dict[str, object] = {
            "iss": _ISSUER,
            "sub": principal.user_id,
            "role": principal.role.value,
            "iat": now,
            "exp": now + timedelta(seconds=self.ttl_seconds),
        }
        if principal.merchant_id:
            claims["mer"] = principal.merchant_id
        return jwt.encode(claims, self.secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; Unauthenticated for a bad, foreign or expired one."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("the access token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("the access token is not valid") from exc
        try:
            role = Role(claims["role"])
        except (KeyError, ValueError) as exc:
            raise Unauthenticated("the access token is not valid") from exc
        return Principal(user_id=str(claims["sub"]), role=role, merchant_id=claims.get("mer"))
