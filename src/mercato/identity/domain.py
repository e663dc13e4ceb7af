"""Who is calling: roles and the principal each request acts as. Pure; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The three kinds of account."""

    CUSTOMER = "customer"
    MERCHANT_STAFF = "merchant_staff"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user, their role, and for staff the one merchant they act for."""

    user_id: str
    role: Role
    merchant_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class User:
    """A user as other code sees it (never with the password hash)."""

    id: str
    email: str
    name: str
    role: Role
    merchant_id: str | None
    created_at: str


def normalize_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()
