"""Domain errors with the stable problem codes of shared/API.md.

Services raise these; `app.py` maps them to RFC 9457 problem+json in one place. Domain code never
knows about HTTP, but each error carries the status its code stands for, so the mapping is one table.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a client may see; `code` is stable API."""

    code: ClassVar[str] = "internal-error"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    retryable: ClassVar[bool | None] = None

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ValidationFailed(DomainError):
    code = "validation-error"
    status = 422
    title = "The request is not valid"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extra)


class InvalidCursor(DomainError):
    code = "invalid-cursor"
    status = 422
    title = "The paging cursor is not valid"


class NotFound(DomainError):
    code = "not-found"
    status = 404
    title = "Not found"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Not allowed for this role"


class AlreadyExists(DomainError):
    code = "already-exists"
    status = 409
    title = "Already exists"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


class OutOfStock(DomainError):
    code = "out-of-stock"
    status = 409
    title = "Not enough stock"


class PriceChanged(DomainError):
    code = "price-changed"
    status = 409
    title = "A price has changed"


class InvalidTransition(DomainError):
    code = "invalid-transition"
    status = 409
    title = "That transition is not allowed in the current state"


class RefundExceedsCaptured(DomainError):
    code = "refund-exceeds-captured"
    status = 409
    title = "The refund exceeds the captured amount"


class PaymentDeclined(DomainError):
    code = "payment-declined"
    status = 402
    title = "The payment was declined"
    retryable = False


class InvalidPaymentMethod(DomainError):
    code = "invalid-payment-method"
    status = 422
    title = "The payment method is not known to the payment provider"


class PaymentUnavailable(DomainError):
    code = "payment-unavailable"
    status = 503
    title = "Payments are temporarily unavailable"
    retryable = True


class InvalidWebhookSignature(DomainError):
    """A webhook whose signature does not verify against the sender's secret; nothing was applied."""

    code = "invalid-signature"
    status = 400
    title = "The webhook signature is not valid"


class RateLimited(DomainError):
    code = "rate-limited"
    status = 429
    title = "Too many requests"
    retryable = True


class IdempotencyKeyMissing(DomainError):
    code = "idempotency-key-missing"
    status = 400
    title = "An Idempotency-Key header is required"


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    status = 422
    title = "The Idempotency-Key was used with another request"


class RequestInProgress(DomainError):
    code = "request-in-progress"
    status = 409
    title = "A request with this Idempotency-Key is still in progress"
    retryable = True


class PayloadTooLarge(DomainError):
    code = "payload-too-large"
    status = 413
    title = "The request body is too large"


ALL_ERRORS: tuple[type[DomainError], ...] = (
    ValidationFailed,
    InvalidCursor,
    NotFound,
    Unauthenticated,
    Forbidden,
    AlreadyExists,
    Conflict,
    OutOfStock,
    PriceChanged,
    InvalidTransition,
    RefundExceedsCaptured,
    PaymentDeclined,
    InvalidPaymentMethod,
    PaymentUnavailable,
    InvalidWebhookSignature,
    RateLimited,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    RequestInProgress,
    PayloadTooLarge,
)
