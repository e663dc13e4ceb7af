"""Pure-ASGI middleware: request ids, the body size limit, Prometheus metrics and one access log line.

Pure ASGI rather than BaseHTTPMiddleware: it adds no task per request and does not buffer bodies.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mercato.http.problems import problem_response

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
logger = structlog.get_logger("mercato.access")


class HttpMetrics:
    """Request count and latency per route template, method and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "mercato_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "mercato_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0),
        )


class _BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    """Assigns the request id, enforces the body limit, records metrics and logs each request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: HttpMetrics,
        max_body_bytes: int,
        upload_limits: tuple[tuple[re.Pattern[str], int], ...] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        # Paths that take uploads (product images) have their own, larger limit; the endpoint
        # enforces its exact limit itself, this only stops the body from being cut short first.
        self.upload_limits = upload_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}
        header_value = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", header_value)]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                limit = self._body_limit(scope)
                if self._declared_length(scope) > limit:
                    await self._too_large(scope, receive, send_with_id, limit)
                else:
                    await self._call_limited(scope, receive, send_with_id, limit)
            finally:
                self._observe(scope, status_holder["status"], time.perf_counter() - started)

    def _body_limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        for pattern, limit in self.upload_limits:
            if pattern.match(path):
                return limit
        return self.max_body_bytes

    async def _call_limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count streamed body bytes; past the limit, the app's own answer is replaced by a 413.

        Frameworks turn an exception raised while reading the body into their own 400, so rather
        than rely on the exception reaching us, the overflow is remembered and the response swapped.
        """
        received = 0
        overflowed = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, overflowed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflowed = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if overflowed:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if overflowed and not response_started:
            await self._too_large(scope, receive, send, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            status=413,
            code="payload-too-large",
            title="The request body is too large",
            detail=f"request bodies are limited to {limit} bytes",
        )
        await response(scope, receive, send)

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                candidate: str = value.decode("latin-1")
                if _SAFE_REQUEST_ID.match(candidate):
                    return candidate
                break
        return uuid.uuid4().hex

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template, str(status)).observe(seconds)
        logger.info(
            "request",
            method=method,
            path=scope.get("path"),
            route=template,
            status=status,
            duration_ms=round(seconds * 1000, 2),
        )
