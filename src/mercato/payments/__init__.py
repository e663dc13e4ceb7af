"""Payments: one payment per checkout, every PSP attempt recorded, reconciliation of unknown outcomes.

The public interface other contexts (the checkout saga, orders) use:

- `create_payment(tx, *, checkout_id, user_id, amount, currency, merchant_ids) -> payment_id`: inside the
  caller's unit of work; the same checkout gets the same payment back. `merchant_ids` (whom it pays) is
  what the payment's events name, so the per-merchant SLIs can attribute PSP outcomes.
- `open_authorization(tx, registry, *, checkout_id, user_id, amount, currency, merchant_ids,
  payment_method_token, idempotency_key_base) -> OpenedAuthorization`: `create_payment` plus the first
  authorize attempt, recorded in the caller's transaction before any PSP call, so the checkout pays no
  transactions of its own for them.
- `authorize_payment(engine, registry, *, payment_id, payment_method_token, idempotency_key_base,
  opened=None) -> AuthorizationResult` (`opened`: the attempt `open_authorization` recorded): commits its
  own short transactions around the PSP call (never call it inside a transaction). Tries the configured
  providers in order, falling back only when one is certainly unavailable. Calling it again for the same
  payment is safe: it returns the live authorization, or first resolves an earlier attempt whose outcome
  is unknown. Raises `PaymentDeclined` (402, extra `decline_code`), `InvalidPaymentMethod` (422),
  `PaymentUnavailable` (503, retryable, extra `retry_after` seconds → `Retry-After`), `RequestInProgress`
  (409, retryable), `NotFound`.
- `attach_order(tx, *, payment_id, order_id)`: the saga records the order once confirmed; until then,
  reconciliation voids the authorization of a checkout abandoned longer than the grace period.
- `capture_payment(engine, registry, *, payment_id, amount, final, idempotency_key) -> PaymentView`:
  partial and multiple captures (`final=False` keeps the rest capturable, `final=True` releases it).
- `void_payment(engine, registry, *, payment_id) -> PaymentView`: the saga's compensation; idempotent.
- `request_void(engine, *, payment_id)`: when a void cannot happen now (the authorization's outcome is
  still unknown), reconciliation voids it as soon as it is known, without waiting out the orphan grace.
- `refund_payment(engine, registry, *, payment_id, amount, idempotency_key) -> PaymentView`: raises
  `RefundExceedsCaptured` (409) beyond what is captured and not yet refunded.
- `get_payment(conn, *, payment_id)`, `get_payment_by_checkout(conn, *, checkout_id)`, and
  `get_payments_by_checkouts(conn, *, checkout_ids)` for a page of orders in one statement.
- `ProviderRegistry.from_settings(settings, metrics_registry=...)`: the configured PSPs, built once by
  the composition root; `reconciliation_job(settings)` for the worker; `run_sandbox(...)` for the CLI.

The same `idempotency_key` on capture/refund returns the recorded outcome instead of moving money again.
"""

from mercato.payments.domain import AuthorizationResult, PaymentView
from mercato.payments.reconciliation import ReconcilePolicy, ReconcileReport, reconcile_payments, reconciliation_job
from mercato.payments.registry import ProviderRegistry, RetryPolicy
from mercato.payments.sandbox import run_sandbox
from mercato.payments.services.authorize import OpenedAuthorization, authorize_payment, open_authorization
from mercato.payments.services.money_movement import capture_payment, refund_payment, void_payment
from mercato.payments.services.payments import (
    attach_order,
    create_payment,
    get_payment,
    get_payment_by_checkout,
    get_payments_by_checkouts,
    request_void,
)

__all__ = [
    "AuthorizationResult",
    "OpenedAuthorization",
    "PaymentView",
    "ProviderRegistry",
    "ReconcilePolicy",
    "ReconcileReport",
    "RetryPolicy",
    "attach_order",
    "authorize_payment",
    "capture_payment",
    "create_payment",
    "get_payment",
    "get_payment_by_checkout",
    "get_payments_by_checkouts",
    "open_authorization",
    "reconcile_payments",
    "reconciliation_job",
    "refund_payment",
    "request_void",
    "run_sandbox",
    "void_payment",
]
