"""Idempotency-Key handling with Stripe's semantics, for every POST that may move money or make an order.

The same key with the same body replays the first answer (`Idempotent-Replayed: true`); with another
body it is 422 `idempotency-key-reused`; while the first request runs, a second waits for it and gets
409 `request-in-progress` if it waits too long. Keys are scoped to the caller and kept 24 h.
Final domain errors are stored and replayed like successes (a failed checkout replays its error);
retryable ones (429, 503) and unexpected crashes release the key so a retry can run again; the use
case itself must then be idempotent by key, which the checkout saga is.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.infra_tables import idempotency_keys
from mercato.db.unit_of_work import single_statements
from mercato.http.problems import PROBLEM_MEDIA_TYPE, domain_error_response
from mercato.kernel.clock import Clock
from mercato.kernel.errors import (
    DomainError,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    RequestInProgress,
    ValidationFailed,
)

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# A request still marked in progress after this long is presumed crashed; a retry may take it over.
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    """How long a second request waits for the first before answering 409."""

    wait_seconds: float = 10.0
    poll_seconds: float = 0.05


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """A hash of what makes two requests 'the same': method, path and the parsed JSON body."""
    try:
        canonical = orjson.dumps(orjson.loads(body or b"null"), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def idempotency_key_of(request: Request, *, required: bool) -> str | None:
    """The request's Idempotency-Key, validated; missing is a 400 where the route requires one."""
    key = request.headers.get("idempotency-key")
    if key is None or not key.strip():
        if required:
            raise IdempotencyKeyMissing("send an Idempotency-Key header (a unique string per logical request)")
        return None
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"the Idempotency-Key is longer than {MAX_KEY_LENGTH} characters", field="header.Idempotency-Key"
        )
    return key


# Statements built once: one built per call costs more Python time than its round trip (docs/checkout.md).
_CLAIM = insert(idempotency_keys).on_conflict_do_nothing().returning(idempotency_keys.c.key)
_STORE = (
    update(idempotency_keys)
    .where(and_(idempotency_keys.c.scope == bindparam("key_scope"), idempotency_keys.c.key == bindparam("key_value")))
    .values(
        status="completed",
        response_status=bindparam("new_response_status"),
        response_body=bindparam("new_response_body"),
    )
)


def _replay(status: int, body: Any) -> Response:
    media_type = PROBLEM_MEDIA_TYPE if status >= 400 else "application/json"
    return Response(
        orjson.dumps(body), status_code=status, media_type=media_type, headers={"Idempotent-Replayed": "true"}
    )


async def _claim(engine: AsyncEngine, clock: Clock, *, scope: str, key: str, method: str, path: str, fp: str) -> bool:
    """Insert the key as in progress (or take over a stale one); True if this request now owns it.
    Each of the two statements is atomic alone and neither needs the other's snapshot: no transaction."""
    now = clock.now()
    async with single_statements(engine) as conn:
        inserted = await conn.execute(
            _CLAIM,
            {
                "scope": scope,
                "key": key,
                "method": method,
                "path": path,
                "request_hash": fp,
                "status": "in_progress",
                "created_at": now,
                "expires_at": now + KEY_TTL,
            },
        )
        if inserted.first() is not None:
            return True
        taken_over = await conn.execute(
            update(idempotency_keys)
            .where(
                and_(
                    idempotency_keys.c.scope == scope,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.request_hash == fp,
                    idempotency_keys.c.status == "in_progress",
                    idempotency_keys.c.created_at < now - STALE_AFTER,
                )
            )
            .values(created_at=now)
            .returning(idempotency_keys.c.key)
        )
        return taken_over.first() is not None


async def _store(engine: AsyncEngine, scope: str, key: str, status: int, body: Any) -> None:
    async with single_statements(engine) as conn:
        await conn.execute(
            _STORE, {"key_scope": scope, "key_value": key, "new_response_status": status, "new_response_body": body}
        )


async def _release(engine: AsyncEngine, scope: str, key: str) -> None:
    async with single_statements(engine) as conn:
        await conn.execute(
            delete(idempotency_keys).where(and_(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key))
        )


async def run_idempotently(
    *,
    engine: AsyncEngine,
    clock: Clock,
    scope: str,
    key: str,
    method: str,
    path: str,
    body: bytes,
    handler: Callable[[], Awaitable[tuple[int, Any]]],
    policy: IdempotencyPolicy = IdempotencyPolicy(),
) -> Response:
    """Run `handler` at most once per (scope, key); replay its stored answer to every later identical request."""
    fp = request_fingerprint(method, path, body)
    deadline = asyncio.get_running_loop().time() + policy.wait_seconds
    while True:
        if await _claim(engine, clock, scope=scope, key=key, method=method, path=path, fp=fp):
            break
        async with single_statements(engine) as conn:
            row = (
                await conn.execute(
                    select(idempotency_keys).where(
                        and_(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
                    )
                )
            ).one_or_none()
        if row is None:
            continue  # released by a crashed first attempt: claim it now
        if row.request_hash != fp:
            raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request")
        if row.status == "completed":
            return _replay(row.response_status, row.response_body)
        if asyncio.get_running_loop().time() >= deadline:
            raise RequestInProgress("the first request with this Idempotency-Key is still running", retry_after=1)
        await asyncio.sleep(policy.poll_seconds)

    try:
        status, payload = await handler()
    except DomainError as exc:
        if exc.retryable:
            # Not a final answer (rate limited, PSP unavailable): a retry with this key must run again.
            await _release(engine, scope, key)
            raise
        response = domain_error_response(exc)
        await _store(engine, scope, key, response.status_code, orjson.loads(response.body))
        return response
    except BaseException:
        await _release(engine, scope, key)
        raise
    await _store(engine, scope, key, status, payload)
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")
