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
    """Wrong types, unknown fields, out-of-range values, malformed JSON, an unknown id given in a body
    field. errors names each field (body.x, query.x, path.x).
    """

    code = "validation-error"
    status = 422
    title = "The request is not valid"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extra)


class InvalidCursor(DomainError):
    """A paging cursor that this API did not issue for this list and sort order (tampered or foreign)."""

    code = "invalid-cursor"
    status = 422
    title = "The paging cursor is not valid"


class NotFound(DomainError):
    """An unknown or malformed id in the path, an unknown route, or a resource that belongs to someone else
    (ids leak nothing).
    """

    code = "not-found"
    status = 404
    title = "Not found"


class Unauthenticated(DomainError):
    """No, bad or expired bearer token on a route that needs one, or wrong login credentials."""

    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    """A signed-in caller whose role may not use the route at all (a customer on /v1/merchant/…)."""

    code = "forbidden"
    status = 403
    title = "Not allowed for this role"


class AlreadyExists(DomainError):
    """A second review of the same product, an e-mail already registered, a duplicate SKU code."""

    code = "already-exists"
    status = 409
    title = "Already exists"


class Conflict(DomainError):
    """Other state conflicts, e.g. stock set below what is reserved."""

    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


class OutOfStock(DomainError):
    """Not enough units available; skus lists the SKUs short."""

    code = "out-of-stock"
    status = 409
    title = "Not enough stock"


class PriceChanged(DomainError):
    """A price changed since the item was added to the cart."""

    code = "price-changed"
    status = 409
    title = "A price has changed"


class InvalidTransition(DomainError):
    """An order or shipment transition its state does not allow."""

    code = "invalid-transition"
    status = 409
    title = "That transition is not allowed in the current state"


class RefundExceedsCaptured(DomainError):
    """A refund larger than what is captured and not yet refunded."""

    code = "refund-exceeds-captured"
    status = 409
    title = "The refund exceeds the captured amount"


class PaymentDeclined(DomainError):
    """The payment provider declined; decline_code says why (insufficient_funds, …)."""

    code = "payment-declined"
    status = 402
    title = "The payment was declined"
    retryable = False


class InvalidPaymentMethod(DomainError):
    """The payment provider does not know the payment method token."""

    code = "invalid-payment-method"
    status = 422
    title = "The payment method is not known to the payment provider"


class PaymentUnavailable(DomainError):
    """No payment provider could be reached; retryable: true and Retry-After."""

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
    """Too many requests; Retry-After, RateLimit-Limit, RateLimit-Remaining."""

    code = "rate-limited"
    status = 429
    title = "Too many requests"
    retryable = True


class IdempotencyKeyMissing(DomainError):
    """A money-moving POST without an Idempotency-Key header."""

    code = "idempotency-key-missing"
    status = 400
    title = "An Idempotency-Key header is required"


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key sent with a different request body."""

    code = "idempotency-key-reused"
    status = 422
    title = "The Idempotency-Key was used with another request"


class RequestInProgress(DomainError):
    """The first request with this Idempotency-Key is still running."""

    code = "request-in-progress"
    status = 409
    title = "A request with this Idempotency-Key is still in progress"
    retryable = True


class CouponInvalid(DomainError):
    """The coupon is unknown, not yet or no longer valid, below its minimum subtotal, for another currency,
    or used up (in total or by this customer). errors names body.coupon_code.
    """

    code = "coupon-invalid"
    status = 422
    title = "The coupon does not apply"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extra)


class PayloadTooLarge(DomainError):
    """A request body over the limit (1 MiB; images have their own limit)."""

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
    CouponInvalid,
)
