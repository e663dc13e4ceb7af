"""Identity: users, merchants, staff, JWT. Other contexts use only what is exported here."""

from mercato.identity.domain import Principal, Role, User
from mercato.identity.service import (
    authenticate,
    create_merchant,
    get_user,
    merchant_exists,
    merchant_name_of,
    merchant_names,
    register_user,
)
from mercato.identity.tokens import TokenIssuer

__all__ = [
    "Principal",
    "Role",
    "TokenIssuer",
    "User",
    "authenticate",
    "create_merchant",
    "get_user",
    "merchant_exists",
    "merchant_name_of",
    "merchant_names",
    "register_user",
]
