"""Tables of the identity context: merchants and users (customers, merchant staff, admins)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Table, Text, func, text

from mercato.db.metadata import created_at, metadata, updated_at

merchants = Table(
    "merchants",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    created_at(),
    updated_at(),
    CheckConstraint("status IN ('active', 'suspended')", name="status"),
)

users = Table(
    "users",
    metadata,
    Column("id", Text, primary_key=True),
    Column("email", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("merchant_id", Text, ForeignKey("merchants.id")),
    created_at(),
    updated_at(),
    CheckConstraint("role IN ('customer', 'merchant_staff', 'admin')", name="role"),
    CheckConstraint("(role = 'merchant_staff') = (merchant_id IS NOT NULL)", name="staff_has_merchant"),
    Index("uq_users_email_lower", func.lower(text("email")), unique=True),
)
