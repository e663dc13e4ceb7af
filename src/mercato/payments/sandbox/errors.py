"""Stripe's ids and error objects, as the sandbox answers them."""

from __future__ import annotations

import secrets
import string
from typing import Any

_ALPHANUM = string.ascii_letters + string.digits


def new_object_id(prefix: str) -> str:
    """A Stripe-like id: a prefix and 24 random letters and digits."""
    return prefix + "_" + "".join(secrets.choice(_ALPHANUM) for _ in range(24))


class StripeApiError(Exception):
    """An error answered in Stripe's shape: `{"error": {"type", "code", "message", ...}}`."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": error_type, "message": message}
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param
        self.body.update(extra)

    def payload(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"error": self.body}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeApiError:
    return StripeApiError(400, "invalid_request_error", message, param=param, code=code)


def missing(kind: str, object_id: str, param: str = "id") -> StripeApiError:
    return StripeApiError(
        404 if param == "id" else 400,
        "invalid_request_error",
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )
