"""Recognising primary account numbers (card numbers) in free text, so they are never stored or logged.

Mercato handles only PSP tokens; this is the safety net that proves it: a run of 13-19 digits (spaces or
dashes allowed between them, as people type them) that passes the Luhn check is treated as a card number.
"""

from __future__ import annotations

import re

# 13-19 digits, optionally separated by single spaces or dashes, not glued to other digits.
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
REDACTED = "[REDACTED-PAN]"


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) check card numbers carry."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_card_number(candidate: str) -> bool:
    digits = candidate.replace(" ", "").replace("-", "")
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def find_card_numbers(text: str) -> list[str]:
    """Every card-number-like substring of `text` (13-19 digits passing Luhn)."""
    return [match.group(0) for match in _CANDIDATE.finditer(text) if _is_card_number(match.group(0))]


def redact_card_numbers(text: str) -> str:
    """`text` with every card-number-like substring replaced by a fixed marker."""
    return _CANDIDATE.sub(lambda m: REDACTED if _is_card_number(m.group(0)) else m.group(0), text)
