"""The sandbox PSP's ledger: payment methods, PaymentIntents, charges, refunds and events, as Stripe shapes them.

Only what Mercato uses: manual-capture intents confirmed at creation, (multi)capture, cancel, refunds,
retrieval, list and metadata search. Every change is written to the file store before it is answered.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from mercato.payments.sandbox.cards import DECLINE_MESSAGES, TEST_PAYMENT_METHODS, Behaviour, behaviour_of_card
from mercato.payments.sandbox.config import SandboxConfig
from mercato.payments.sandbox.errors import StripeApiError, invalid, missing, new_object_id
from mercato.payments.sandbox.forms import as_bool, as_int
from mercato.payments.sandbox.store import FileStore

API_VERSION = "2025-01-27.acacia"
_CURRENCY = re.compile(r"^[a-z]{3}$")
_SEARCH = re.compile(r"^metadata\[['\"]([A-Za-z0-9_\-]+)['\"]\]:['\"]([^'\"]*)['\"]$")


class SandboxPSP:
    """The PSP's business rules over the file store; `events` collects what this request emitted."""

    def __init__(self, store: FileStore, config: SandboxConfig, *, now: Callable[[], float] = time.time) -> None:
        self.store = store
        self.config = config
        self.now = now
        self.emitted: list[dict[str, Any]] = []

    # -- payment methods -------------------------------------------------------------------------

    def create_payment_method(self, params: dict[str, Any]) -> dict[str, Any]:
        """Tokenize a card: only the brand, last four digits and expiry are kept, never the number."""
        if params.get("type", "card") != "card":
            raise invalid("Only card payment methods are supported by the sandbox", param="type")
        card = params.get("card")
        if not isinstance(card, dict) or not card.get("number"):
            raise invalid("Missing required param: card[number].", param="card[number]")
        behaviour = behaviour_of_card(str(card["number"]))
        if behaviour is None:
            raise StripeApiError(402, "card_error", "Your card number is incorrect.", code="incorrect_number")
        exp_month, exp_year = as_int(card.get("exp_month")), as_int(card.get("exp_year"))
        if exp_month is None or not 1 <= exp_month <= 12:
            raise StripeApiError(
                402, "card_error", "Your card's expiration month is invalid.", code="invalid_expiry_month"
            )
        if exp_year is None or exp_year < 2000:
            raise StripeApiError(
                402, "card_error", "Your card's expiration year is invalid.", code="invalid_expiry_year"
            )
        pm: dict[str, Any] = {
            "id": new_object_id("pm"),
            "object": "payment_method",
            "type": "card",
            "created": int(self.now()),
            "livemode": False,
            "card": {"brand": behaviour.brand, "last4": behaviour.last4, "exp_month": exp_month, "exp_year": exp_year},
            "_behaviour": {"decline_code": behaviour.decline_code, "error_code": behaviour.error_code},
        }
        self.store.put("payment_method", pm["id"], pm)
        return _public(pm)

    def get_payment_method(self, pm_id: str) -> dict[str, Any]:
        """A payment method by id, including Stripe's fixed test ids."""
        behaviour = self.behaviour(pm_id)
        stored = self.store.get("payment_method", pm_id)
        if stored:
            return _public(stored)
        return {
            "id": pm_id,
            "object": "payment_method",
            "type": "card",
            "livemode": False,
            "card": {"brand": behaviour.brand, "last4": behaviour.last4, "exp_month": 12, "exp_year": 2034},
        }

    def behaviour(self, pm_id: str, *, param: str = "id") -> Behaviour:
        """What confirming with this payment method does; unknown ids are `resource_missing`."""
        if pm_id in TEST_PAYMENT_METHODS:
            return TEST_PAYMENT_METHODS[pm_id]
        stored = self.store.get("payment_method", pm_id)
        if stored is None:
            raise missing("PaymentMethod", pm_id, param)
        card, rules = stored["card"], stored["_behaviour"]
        return Behaviour(card["brand"], card["last4"], rules["decline_code"], rules["error_code"])

    # -- payment intents -------------------------------------------------------------------------

    def validate_intent_params(self, params: dict[str, Any]) -> Behaviour | None:
        """Check a create request before anything is executed; returns the payment method's behaviour."""
        amount = as_int(params.get("amount"))
        if amount is None or amount < 1:
            raise invalid("Missing or invalid required param: amount.", param="amount")
        currency = str(params.get("currency", ""))
        if not _CURRENCY.match(currency):
            raise invalid("Missing or invalid required param: currency.", param="currency")
        if params.get("capture_method", "automatic") not in ("manual", "automatic"):
            raise invalid("Invalid capture_method.", param="capture_method")
        pm_id = params.get("payment_method")
        if as_bool(params.get("confirm"), default=False) and not pm_id:
            raise invalid("A payment method is required to confirm.", param="payment_method")
        metadata = params.get("metadata", {})
        if not isinstance(metadata, dict):
            raise invalid("Invalid metadata.", param="metadata")
        return self.behaviour(str(pm_id), param="payment_method") if pm_id else None

    def create_intent(self, params: dict[str, Any], behaviour: Behaviour | None) -> dict[str, Any]:
        """Create (and, with confirm=true, authorize) a PaymentIntent; a decline raises a 402 card_error."""
        now = int(self.now())
        intent: dict[str, Any] = {
            "id": new_object_id("pi"),
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": str(params["currency"]),
            "status": "requires_payment_method" if behaviour is None else "requires_confirmation",
            "capture_method": params.get("capture_method", "automatic"),
            "confirmation_method": "automatic",
            "created": now,
            "livemode": False,
            "metadata": dict(params.get("metadata") or {}),
            "description": params.get("description"),
            "payment_method": params.get("payment_method"),
            "latest_charge": None,
            "last_payment_error": None,
            "cancellation_reason": None,
            "canceled_at": None,
            "client_secret": None,
        }
        intent["client_secret"] = f"{intent['id']}_secret_{new_object_id('s')[2:]}"
        if behaviour is None or not as_bool(params.get("confirm"), default=False):
            self._save_intent(intent)
            return intent
        return self._confirm(intent, behaviour)

    def _confirm(self, intent: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
        now = int(self.now())
        charge: dict[str, Any] = {
            "id": new_object_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "captured": False,
            "refunded": False,
            "currency": intent["currency"],
            "created": now,
            "livemode": False,
            "paid": behaviour.decline_code is None,
            "status": "succeeded" if behaviour.decline_code is None else "failed",
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "metadata": intent["metadata"],
            "payment_method_details": {
                "type": "card",
                "card": {
                    "brand": behaviour.brand,
                    "last4": behaviour.last4,
                    "capture_before": now + self.config.auth_ttl_seconds,
                },
            },
            "failure_code": behaviour.error_code if behaviour.decline_code else None,
            "outcome": {"type": "authorized" if behaviour.decline_code is None else "issuer_declined"},
        }
        intent["latest_charge"] = charge["id"]
        if behaviour.decline_code is not None:
            message = DECLINE_MESSAGES.get(behaviour.decline_code, "Your card was declined.")
            error = {
                "type": "card_error",
                "code": behaviour.error_code,
                "decline_code": behaviour.decline_code,
                "message": message,
                "charge": charge["id"],
            }
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = error
            self._save_charge(charge)
            self._save_intent(intent, "payment_intent.payment_failed")
            raise StripeApiError(
                402, "card_error", message, code=behaviour.error_code, decline_code=behaviour.decline_code,
                charge=charge["id"], payment_intent=self.expand(intent, []),
            )  # fmt: skip
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = intent["amount"]
            self._save_charge(charge)
            self._save_intent(intent, "payment_intent.amount_capturable_updated")
        else:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
            charge.update(captured=True, amount_captured=intent["amount"])
            self._save_charge(charge)
            self._save_intent(intent, "payment_intent.succeeded")
        return intent

    def intent(self, intent_id: str) -> dict[str, Any]:
        """A PaymentIntent by id (expiring its authorization first if it is past `capture_before`)."""
        intent = self.store.get("payment_intent", intent_id)
        if intent is None:
            raise missing("payment_intent", intent_id)
        return self._expire_if_due(intent)

    def capture(self, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Capture all or part of an authorization; `final_capture=false` keeps the rest capturable."""
        intent = dict(self.intent(intent_id))
        if intent["status"] != "requires_capture":
            raise invalid(
                f"This PaymentIntent could not be captured because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        amount = as_int(params.get("amount_to_capture"))
        amount = intent["amount_capturable"] if amount is None else amount
        if amount < 1 or amount > intent["amount_capturable"]:
            raise invalid(
                f"The amount_to_capture ({amount}) is greater than the amount capturable"
                f" ({intent['amount_capturable']}).",
                param="amount_to_capture",
                code="amount_too_large",
            )
        final = as_bool(params.get("final_capture"), default=True)
        intent["amount_received"] += amount
        intent["amount_capturable"] = 0 if final else intent["amount_capturable"] - amount
        done = intent["amount_capturable"] == 0
        intent["status"] = "succeeded" if done else "requires_capture"
        charge = dict(self._charge(intent))
        charge.update(captured=True, amount_captured=intent["amount_received"])
        self._save_charge(charge)
        self._save_intent(intent, "payment_intent.succeeded" if done else "payment_intent.amount_capturable_updated")
        return intent

    def cancel(self, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Cancel (void) an intent that has not been captured; the authorization is released."""
        intent = dict(self.intent(intent_id))
        if intent["status"] in ("succeeded", "canceled") or intent["amount_received"] > 0:
            raise invalid(
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled",
            amount_capturable=0,
            cancellation_reason=params.get("cancellation_reason") or "requested_by_customer",
            canceled_at=int(self.now()),
        )
        self._save_intent(intent, "payment_intent.canceled")
        return intent

    def refund(self, params: dict[str, Any]) -> dict[str, Any]:
        """Refund all (default) or part of what was captured; more than is left is refused."""
        intent_id = params.get("payment_intent")
        if not intent_id and params.get("charge"):
            charge = self.store.get("charge", str(params["charge"]))
            if charge is None:
                raise missing("charge", str(params["charge"]), "charge")
            intent_id = charge["payment_intent"]
        if not intent_id:
            raise invalid("One of charge or payment_intent is required.", param="payment_intent")
        intent = self.store.get("payment_intent", str(intent_id))
        if intent is None:
            raise missing("payment_intent", str(intent_id), "payment_intent")
        charge = dict(self._charge(intent))
        refundable = charge["amount_captured"] - charge["amount_refunded"]
        if refundable <= 0:
            raise invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = as_int(params.get("amount"))
        amount = refundable if amount is None else amount
        if amount < 1 or amount > refundable:
            raise invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({refundable})",
                param="amount",
                code="amount_too_large",
            )
        refund = {
            "id": new_object_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "currency": intent["currency"],
            "created": int(self.now()),
            "status": "succeeded",
            "reason": params.get("reason"),
            "metadata": dict(params.get("metadata") or {}),
        }
        self.store.put("refund", refund["id"], refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        self._save_charge(charge, "charge.refunded")
        return refund

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        """A refund by id."""
        refund = self.store.get("refund", refund_id)
        if refund is None:
            raise missing("refund", refund_id)
        return refund

    def list_intents(self, *, limit: int, starting_after: str | None) -> dict[str, Any]:
        """Newest first, as Stripe lists."""
        intents = sorted(self.store.all("payment_intent"), key=lambda i: i["created"], reverse=True)
        if starting_after:
            ids = [i["id"] for i in intents]
            intents = intents[ids.index(starting_after) + 1 :] if starting_after in ids else []
        page = [self._expire_if_due(i) for i in intents[:limit]]
        return {"object": "list", "url": "/v1/payment_intents", "data": page, "has_more": len(intents) > limit}

    def search_intents(self, query: str) -> dict[str, Any]:
        """`metadata['key']:'value'` search; the sandbox's index is immediately consistent."""
        match = _SEARCH.match(query.strip())
        if not match:
            raise invalid("The sandbox only supports metadata['key']:'value' queries.", param="query")
        key, value = match.groups()
        found = [self._expire_if_due(i) for i in self.store.all("payment_intent") if i["metadata"].get(key) == value]
        return {"object": "search_result", "url": "/v1/payment_intents/search", "data": found, "has_more": False}

    def expire_due_authorizations(self) -> int:
        """Cancel every authorization past its `capture_before`; returns how many expired."""
        count = 0
        for intent in self.store.all("payment_intent"):
            if self._expire_if_due(intent) is not intent:
                count += 1
        return count

    # -- objects and events ----------------------------------------------------------------------

    def expand(self, intent: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        """The intent as answered, with `latest_charge` expanded if asked for."""
        if "latest_charge" in expand and intent.get("latest_charge"):
            return {**intent, "latest_charge": self.store.get("charge", intent["latest_charge"])}
        return intent

    def _charge(self, intent: dict[str, Any]) -> dict[str, Any]:
        charge = self.store.get("charge", intent.get("latest_charge") or "")
        if charge is None or not charge["paid"]:
            raise invalid("This PaymentIntent has no successful charge.", code="payment_intent_unexpected_state")
        return charge

    def _expire_if_due(self, intent: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] != "requires_capture":
            return intent
        charge = self.store.get("charge", intent["latest_charge"])
        capture_before = charge["payment_method_details"]["card"]["capture_before"] if charge else None
        if capture_before is None or self.now() < capture_before:
            return intent
        expired = dict(intent, amount_capturable=0)
        if expired["amount_received"] > 0:
            expired["status"] = "succeeded"
            self._save_intent(expired, "payment_intent.succeeded")
        else:
            expired.update(status="canceled", cancellation_reason="automatic", canceled_at=int(self.now()))
            self._save_intent(expired, "payment_intent.canceled")
        return expired

    def _save_intent(self, intent: dict[str, Any], event_type: str | None = None) -> None:
        self.store.put("payment_intent", intent["id"], intent)
        if event_type:
            self._emit(event_type, intent)

    def _save_charge(self, charge: dict[str, Any], event_type: str | None = None) -> None:
        self.store.put("charge", charge["id"], charge)
        if event_type:
            self._emit(event_type, charge)

    def _emit(self, event_type: str, obj: dict[str, Any]) -> None:
        event: dict[str, Any] = {
            "id": new_object_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(self.now()),
            "livemode": False,
            "pending_webhooks": 1 if self.config.webhook_url else 0,
            "type": event_type,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": dict(obj)},
        }
        self.store.put("event", event["id"], event)
        self.emitted.append(event)


def _public(pm: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pm.items() if not k.startswith("_")}
