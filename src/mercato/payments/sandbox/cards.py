"""Stripe's test payment methods and test card numbers, and the sandbox's own misbehaving methods.

A payment method's behaviour is what happens when it is charged: success, a decline with Stripe's
`decline_code`, or a sandbox-only failure (hang past the client's timeout, 500, slow success).
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.kernel.card_numbers import luhn_valid


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How a payment method behaves when it is confirmed."""

    brand: str
    last4: str
    decline_code: str | None = None  # a card_error with this decline_code
    error_code: str = "card_declined"  # Stripe's `code` for the card_error
    sandbox: str | None = None  # "timeout" | "500" | "delayed"


_OK_VISA = Behaviour("visa", "4242")
_OK_MC = Behaviour("mastercard", "4444")

TEST_PAYMENT_METHODS: dict[str, Behaviour] = {
    "pm_card_visa": _OK_VISA,
    "pm_card_mastercard": _OK_MC,
    "pm_card_visa_debit": Behaviour("visa", "5556"),
    "pm_card_amex": Behaviour("amex", "8431"),
    "pm_card_chargeDeclined": Behaviour("visa", "0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": Behaviour("visa", "9995", "insufficient_funds"),
    "pm_card_chargeDeclinedFraudulent": Behaviour("visa", "0019", "fraudulent"),
    "pm_card_chargeDeclinedLostCard": Behaviour("visa", "9987", "lost_card"),
    "pm_card_chargeDeclinedStolenCard": Behaviour("visa", "9979", "stolen_card"),
    "pm_card_chargeDeclinedExpiredCard": Behaviour("visa", "0069", "expired_card", "expired_card"),
    "pm_card_chargeDeclinedIncorrectCvc": Behaviour("visa", "0127", "incorrect_cvc", "incorrect_cvc"),
    "pm_card_chargeDeclinedProcessingError": Behaviour("visa", "0119", "processing_error", "processing_error"),
    # Sandbox-only: misbehaving PSPs on demand.
    "pm_sandbox_timeout": Behaviour("visa", "4242", sandbox="timeout"),
    "pm_sandbox_500": Behaviour("visa", "4242", sandbox="500"),
    "pm_sandbox_delayed": Behaviour("visa", "4242", sandbox="delayed"),
}

# Stripe's test card numbers (https://docs.stripe.com/testing) and what they do.
TEST_CARD_NUMBERS: dict[str, tuple[str, str | None, str]] = {
    "4242424242424242": ("visa", None, "card_declined"),
    "4000056655665556": ("visa", None, "card_declined"),
    "5555555555554444": ("mastercard", None, "card_declined"),
    "2223003122003222": ("mastercard", None, "card_declined"),
    "378282246310005": ("amex", None, "card_declined"),
    "4000000000000002": ("visa", "generic_decline", "card_declined"),
    "4000000000009995": ("visa", "insufficient_funds", "card_declined"),
    "4000000000009987": ("visa", "lost_card", "card_declined"),
    "4000000000009979": ("visa", "stolen_card", "card_declined"),
    "4100000000000019": ("visa", "fraudulent", "card_declined"),
    "4000000000000069": ("visa", "expired_card", "expired_card"),
    "4000000000000127": ("visa", "incorrect_cvc", "incorrect_cvc"),
    "4000000000000119": ("visa", "processing_error", "processing_error"),
}


def _brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or (number[:4].isdigit() and 2221 <= int(number[:4]) <= 2720):
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


def behaviour_of_card(number: str) -> Behaviour | None:
    """The behaviour a tokenized card number gets, or None if it is not a valid card number."""
    digits = number.replace(" ", "").replace("-", "")
    if not (12 <= len(digits) <= 19) or not luhn_valid(digits):
        return None
    if digits in TEST_CARD_NUMBERS:
        brand, decline_code, error_code = TEST_CARD_NUMBERS[digits]
        return Behaviour(brand, digits[-4:], decline_code, error_code)
    return Behaviour(_brand_of(digits), digits[-4:])


DECLINE_MESSAGES: dict[str, str] = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "fraudulent": "Your card was declined.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
}
