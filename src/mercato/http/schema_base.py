"""Base classes for request bodies: strict about unknown fields, as shared/API.md demands."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """A request body: unknown fields are a 422 (a typo must not be silently dropped)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseBody(BaseModel):
    """A response body."""

    model_config = ConfigDict(from_attributes=True)
