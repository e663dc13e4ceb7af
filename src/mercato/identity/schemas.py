"""Request and response bodies of the identity API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from mercato.http.schema_base import RequestBody


class RegisterRequest(RequestBody):
    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    name: str = Field(min_length=1, max_length=200)


class LoginRequest(RequestBody):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserResponse(BaseModel):
    id: str
    object: Literal["user"] = "user"
    email: str
    name: str
    role: str
    merchant_id: str | None
    created_at: str
