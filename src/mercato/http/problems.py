"""RFC 9457 problem+json: the one table that turns every error into the API's error shape."""

from __future__ import annotations

import html
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mercato.kernel.errors import ALL_ERRORS, DomainError

logger = structlog.get_logger("mercato.http")

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Codes for errors raised by the HTTP framework itself rather than by a domain service.
_HTTP_STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed for this role"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "That method is not allowed on this resource"),
    413: ("payload-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "The request body's media type is not supported"),
}

EXTRA_CODES: dict[str, str] = {
    "bad-request": "The request could not be read at all (for example an unparseable header).",
    "method-not-allowed": "The path exists but does not accept this HTTP method.",
    "unsupported-media-type": "The body's Content-Type is not one the endpoint accepts.",
    "internal-error": "A bug on our side. It is logged with the request id; the body says nothing internal.",
}


def problem_response(
    *, status: int, code: str, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """A problem+json response with the API's members and any extra ones."""
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        kind = err.get("type", "")
        message = err.get("msg", "invalid")
        if kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "json_invalid":
            message = "malformed JSON"
        errors.append({"field": _field_path(err.get("loc", ())), "message": message})
    return errors


def domain_error_response(exc: DomainError) -> Response:
    """The problem response for a domain error, with Retry-After where the error says when to retry."""
    extra = dict(exc.extra)
    headers: dict[str, str] = {}
    retry_after = extra.pop("retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    extra_headers = extra.pop("headers", None)
    if extra_headers:
        headers.update(extra_headers)
    if exc.retryable is not None:
        extra.setdefault("retryable", exc.retryable)
    return problem_response(
        status=exc.status, code=exc.code, title=exc.title, detail=exc.detail, headers=headers or None, **extra
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that make every error problem+json, and the /problems/<code> pages."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        counter = getattr(request.app.state, "domain_errors", None)
        if counter is not None:  # e.g. invalid-transition: the order FSM's transition-error SLI
            counter.labels(exc.code).inc()
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(
            status=422, code="validation-error", title="The request is not valid", detail=detail, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        code, title = _HTTP_STATUS_CODES.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(status=exc.status_code, code=code, title=title, detail=detail, headers=headers)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        request_id = request.scope.get("state", {}).get("request_id")
        logger.exception("unhandled_error", request_id=request_id, path=request.url.path)
        return problem_response(
            status=500,
            code="internal-error",
            title="Internal error",
            detail=f"Something went wrong on our side; quote request id {request_id}.",
            request_id=request_id,
        )

    @app.get("/problems/{code}", include_in_schema=False, response_class=HTMLResponse)
    async def _problem_page(code: str) -> HTMLResponse:
        explanations = {cls.code: (cls.title, cls.__doc__ or cls.title) for cls in ALL_ERRORS}
        explanations.update({k: (k.replace("-", " ").capitalize(), v) for k, v in EXTRA_CODES.items()})
        if code not in explanations:
            raise StarletteHTTPException(404, "no such problem type")
        title, text = explanations[code]
        page = (
            f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(code)}</h1>"
            f"<p>{html.escape(title)}.</p><p>{html.escape(text)}</p>"
            "<p>See docs/errors.md for every problem code.</p>"
        )
        return HTMLResponse(page)


_OPENAPI_PROBLEMS = {
    400: "bad-request or idempotency-key-missing",
    401: "unauthenticated: no, bad or expired token",
    403: "forbidden: the caller's role may not use this route",
    404: "not-found: unknown or malformed id, or another owner's",
    409: "already-exists, conflict or invalid-transition",
    413: "payload-too-large",
    422: "validation-error (field names in `errors`) or invalid-cursor",
}


def openapi_problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problem+json answers a route may give (see docs/errors.md)."""
    return {
        status: {"description": _OPENAPI_PROBLEMS[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }
