"""The `PaymentProvider` protocol every PSP adapter implements, and the outcomes it reports.

An adapter translates one PSP's API into these types and its failures into exactly four kinds, because
the service decides differently on each: a refusal (declined, invalid payment method, invalid request) is
final; `ProviderUnavailable` means the request was certainly not processed (safe to fall back);
`ProviderOutcomeUnknown` means it may have been (resolve before doing anything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """What an authorization asks the PSP for; `metadata` lets the PSP's objects be found by our ids."""

    amount: int
    currency: str
    payment_method: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProviderPayment:
    """A PSP's view of one payment (a Stripe PaymentIntent), normalised.

    `state` is one of: `authorized` (capturable money held), `captured` (nothing capturable left),
    `canceled` (released on request), `expired` (released by the PSP: not captured in time),
    `declined` (the payment method was refused), `pending` (not final).
    Amounts are cumulative, so applying the same view twice changes nothing.
    """

    reference: str
    state: str
    amount: int
    amount_capturable: int
    amount_received: int
    amount_refunded: int
    currency: str
    capture_before: datetime | None = None
    decline_code: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    """A refund the PSP made."""

    reference: str
    payment_reference: str
    amount: int
    status: str


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook event: its id and type, and the payment it is about (as the PSP sees it now)."""

    id: str
    type: str
    payment: ProviderPayment | None


class ProviderError(Exception):
    """Base of what an adapter raises."""

    code: str = "provider_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class ProviderDeclined(ProviderError):
    """The PSP refused the payment method for this payment (card_error); retrying elsewhere is not allowed."""

    code = "card_declined"

    def __init__(self, message: str, *, decline_code: str, code: str | None = None, reference: str | None = None):
        super().__init__(message, code=code)
        self.decline_code = decline_code
        self.reference = reference


class ProviderInvalidPaymentMethod(ProviderError):
    """The PSP does not know the payment method token."""

    code = "invalid_payment_method"


class ProviderInvalidRequest(ProviderError):
    """The PSP refused the request as invalid in its current state (over-capture, over-refund, ...)."""

    code = "invalid_request"


class ProviderUnavailable(ProviderError):
    """The PSP did not process the request (connection refused, 429, 503, breaker open): safe to go elsewhere."""

    code = "unavailable"


class ProviderOutcomeUnknown(ProviderError):
    """The request may or may not have been processed (timeout, connection lost, 5xx)."""

    code = "unknown"


class WebhookSignatureInvalid(ProviderError):
    """A webhook's signature did not verify against the provider's secret."""

    code = "invalid_signature"


class PaymentProvider(Protocol):
    """One PSP account. Every mutating call takes the idempotency key the PSP must deduplicate it by."""

    name: str

    async def authorize(self, request: AuthorizeRequest, *, idempotency_key: str) -> ProviderPayment:
        """Authorize (hold) `amount` on the payment method, without capturing."""
        ...

    async def capture(self, reference: str, *, amount: int, final: bool, idempotency_key: str) -> ProviderPayment:
        """Capture `amount` of the authorization; `final=False` keeps the rest capturable."""
        ...

    async def void(self, reference: str, *, idempotency_key: str) -> ProviderPayment:
        """Release an authorization that has not been captured."""
        ...

    async def refund(
        self, reference: str, *, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        """Refund `amount` of what was captured."""
        ...

    async def retrieve(self, reference: str) -> ProviderPayment:
        """The PSP's current view of a payment."""
        ...

    async def find_by_metadata(self, key: str, value: str) -> list[ProviderPayment]:
        """Payments whose metadata has `key` = `value` (how an attempt with no reference is found)."""
        ...

    def verify_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent:
        """Check a webhook's signature with the provider's secret and parse it."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
