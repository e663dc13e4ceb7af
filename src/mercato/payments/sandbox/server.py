"""The sandbox PSP's HTTP server: the Stripe REST subset Mercato uses, on Starlette and uvicorn.

Every `/v1` request goes through one pipeline: API key check, decoded parameters, simulated latency,
injected errors, Stripe's Idempotency-Key rules, the ledger operation, webhooks, and for the sandbox's
misbehaving payment methods a hang, a 500 or a delay. `/_sandbox` routes let tests and operators
inspect and reconfigure it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mercato.payments.sandbox.config import SandboxConfig
from mercato.payments.sandbox.errors import StripeApiError, new_object_id
from mercato.payments.sandbox.forms import MalformedParams, as_int, decode_body, decode_form
from mercato.payments.sandbox.psp import SandboxPSP
from mercato.payments.sandbox.store import FileStore
from mercato.payments.sandbox.webhooks import WebhookSender


@dataclass(slots=True)
class Outcome:
    """What an operation answers, and whether the sandbox should hang after processing it."""

    body: dict[str, Any]
    status: int = 200
    hang: bool = False


Operation = Callable[[SandboxPSP, dict[str, Any], Request], Awaitable[Outcome]]


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    canonical = orjson.dumps([method, path, params], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


class Sandbox:
    """The running sandbox: config, store, webhook sender, and in-flight idempotency keys."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = FileStore(config.state_dir)
        self.webhooks = WebhookSender(self.store, config)
        self.in_flight: set[str] = set()
        self.stop = asyncio.Event()

    def psp(self) -> SandboxPSP:
        """A ledger handle for one request (it collects the events that request emits)."""
        return SandboxPSP(self.store, self.config)

    async def handle(self, request: Request, operation: Operation, *, publishable_ok: bool = False) -> Response:
        """The pipeline every `/v1` request goes through."""
        request_id = new_object_id("req")
        headers = {"Request-Id": request_id}
        try:
            self._authenticate(request, publishable_ok=publishable_ok)
            params = await self._params(request)
        except StripeApiError as exc:
            return _json(exc.payload(), exc.status, headers)
        await self._latency()
        if self.config.error_rate and random.random() < self.config.error_rate:
            error = StripeApiError(self.config.error_status, "api_error", "Injected sandbox error; nothing was done.")
            return _json(error.payload(), error.status, {**headers, "Stripe-Should-Retry": "true"})
        key = request.headers.get("idempotency-key") if request.method == "POST" else None
        if key is None:
            return await self._execute(request, operation, params, headers)
        return await self._idempotent(request, operation, params, headers, key)

    async def _idempotent(
        self, request: Request, operation: Operation, params: dict[str, Any], headers: dict[str, str], key: str
    ) -> Response:
        fingerprint = _fingerprint(request.method, request.url.path, params)
        saved = self.store.get("idempotency", key)
        if saved is not None:
            if saved["fingerprint"] != fingerprint:
                error = StripeApiError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used"
                    f" with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
                return _json(error.payload(), 400, headers)
            return _json(saved["body"], saved["status"], {**headers, "Idempotent-Replayed": "true"})
        if key in self.in_flight:
            error = StripeApiError(
                409,
                "invalid_request_error",
                "There is currently another in-progress request using this Stripe token (probably the same"
                " idempotency key). Try again later.",
                code="idempotency_key_in_use",
            )
            return _json(error.payload(), 409, headers)
        self.in_flight.add(key)
        try:
            return await self._execute(request, operation, params, headers, key=key, fingerprint=fingerprint)
        finally:
            self.in_flight.discard(key)

    async def _execute(
        self,
        request: Request,
        operation: Operation,
        params: dict[str, Any],
        headers: dict[str, str],
        *,
        key: str | None = None,
        fingerprint: str | None = None,
    ) -> Response:
        psp = self.psp()
        try:
            outcome = await operation(psp, params, request)
        except StripeApiError as exc:
            outcome = Outcome(exc.payload(), exc.status)
        executed = outcome.status < 300 or outcome.status == 402 or (outcome.status == 400 and bool(psp.emitted))
        if key is not None and executed:
            record = {"fingerprint": fingerprint, "status": outcome.status, "body": outcome.body}
            self.store.put("idempotency", key, record)
        for event in psp.emitted:
            event["request"] = {"id": headers["Request-Id"], "idempotency_key": key}
            self.store.put("event", event["id"], event)
        await self._send_webhooks(psp.emitted)
        if outcome.hang:
            await self._hang()
        return _json(outcome.body, outcome.status, headers)

    async def _send_webhooks(self, events: list[dict[str, Any]]) -> None:
        inline = self.config.webhook_timing == "before_response"
        deliveries = self.webhooks.enqueue(events, inline=inline)
        if inline:
            for delivery in deliveries:
                await self.webhooks.deliver(delivery)

    async def _hang(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=self.config.hang_seconds)

    def _authenticate(self, request: Request, *, publishable_ok: bool) -> None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        accepted = {self.config.api_key} | ({self.config.publishable_key} if publishable_ok else set())
        if scheme.lower() != "bearer" or key.strip() not in accepted:
            raise StripeApiError(401, "invalid_request_error", "Invalid API Key provided.")

    async def _params(self, request: Request) -> dict[str, Any]:
        try:
            if request.method == "GET":
                return decode_form(request.url.query)
            return decode_body(await request.body(), request.headers.get("content-type", ""))
        except MalformedParams as exc:
            raise StripeApiError(400, "invalid_request_error", str(exc)) from exc

    async def _latency(self) -> None:
        low, high = self.config.latency_min_ms, self.config.latency_max_ms
        if high > 0:
            await asyncio.sleep(random.uniform(low, high) / 1000.0)

    async def sweep_expired(self) -> None:
        """Expire authorizations past their capture deadline, once a second, with their webhooks."""
        while not self.stop.is_set():
            psp = self.psp()
            psp.expire_due_authorizations()
            await self._send_webhooks(psp.emitted)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=1.0)


def _expand(params: dict[str, Any]) -> list[str]:
    expand = params.get("expand") or []
    return [str(e) for e in expand] if isinstance(expand, list) else [str(expand)]


def _expand_items(psp: SandboxPSP, listing: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    inner = [e.removeprefix("data.") for e in _expand(params) if e.startswith("data.")]
    return {**listing, "data": [psp.expand(item, inner) for item in listing["data"]]}


# -- operations ---------------------------------------------------------------------------------


async def create_payment_method(psp: SandboxPSP, params: dict[str, Any], _: Request) -> Outcome:
    return Outcome(psp.create_payment_method(params))


async def retrieve_payment_method(psp: SandboxPSP, _: dict[str, Any], request: Request) -> Outcome:
    return Outcome(psp.get_payment_method(request.path_params["id"]))


async def create_payment_intent(psp: SandboxPSP, params: dict[str, Any], _: Request) -> Outcome:
    behaviour = psp.validate_intent_params(params)
    sandbox = behaviour.sandbox if behaviour else None
    if sandbox == "500":
        raise StripeApiError(500, "api_error", "Sandbox failure on demand (pm_sandbox_500); nothing was done.")
    if sandbox == "delayed":
        await asyncio.sleep(psp.config.delayed_ms / 1000.0)
    try:
        intent = psp.create_intent(params, behaviour)
    except StripeApiError as exc:
        if exc.status == 402 and isinstance(exc.body.get("payment_intent"), dict):
            exc.body["payment_intent"] = psp.expand(exc.body["payment_intent"], _expand(params))
        raise
    return Outcome(psp.expand(intent, _expand(params)), hang=sandbox == "timeout")


async def retrieve_payment_intent(psp: SandboxPSP, params: dict[str, Any], request: Request) -> Outcome:
    return Outcome(psp.expand(psp.intent(request.path_params["id"]), _expand(params)))


async def list_payment_intents(psp: SandboxPSP, params: dict[str, Any], _: Request) -> Outcome:
    limit = max(1, min(as_int(params.get("limit")) or 10, 100))
    return Outcome(
        _expand_items(psp, psp.list_intents(limit=limit, starting_after=params.get("starting_after")), params)
    )


async def search_payment_intents(psp: SandboxPSP, params: dict[str, Any], _: Request) -> Outcome:
    return Outcome(_expand_items(psp, psp.search_intents(str(params.get("query", ""))), params))


async def capture_payment_intent(psp: SandboxPSP, params: dict[str, Any], request: Request) -> Outcome:
    return Outcome(psp.expand(psp.capture(request.path_params["id"], params), _expand(params)))


async def cancel_payment_intent(psp: SandboxPSP, params: dict[str, Any], request: Request) -> Outcome:
    return Outcome(psp.expand(psp.cancel(request.path_params["id"], params), _expand(params)))


async def create_refund(psp: SandboxPSP, params: dict[str, Any], _: Request) -> Outcome:
    return Outcome(psp.refund(params))


async def retrieve_refund(psp: SandboxPSP, _: dict[str, Any], request: Request) -> Outcome:
    return Outcome(psp.get_refund(request.path_params["id"]))


async def list_events(psp: SandboxPSP, params: dict[str, Any], _: Request) -> Outcome:
    limit = max(1, min(as_int(params.get("limit")) or 10, 100))
    events = sorted(psp.store.all("event"), key=lambda e: e["created"], reverse=True)
    if params.get("type"):
        events = [e for e in events if e["type"] == params["type"]]
    return Outcome({"object": "list", "url": "/v1/events", "data": events[:limit], "has_more": len(events) > limit})


def build_app(config: SandboxConfig) -> Starlette:
    """The sandbox's ASGI app."""
    sandbox = Sandbox(config)

    def route(path: str, operation: Operation, method: str, *, publishable_ok: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            return await sandbox.handle(request, operation, publishable_ok=publishable_ok)

        return Route(path, endpoint, methods=[method])

    async def health(_: Request) -> Response:
        return _json({"status": "ok"})

    async def get_config(_: Request) -> Response:
        return _json(config.public())

    async def set_config(request: Request) -> Response:
        try:
            changes = orjson.loads(await request.body() or b"{}")
            config.update(changes)
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return _json({"error": {"type": "invalid_request_error", "message": str(exc)}}, 400)
        return _json(config.public())

    async def redeliver(request: Request) -> Response:
        event = sandbox.store.get("event", request.path_params["id"])
        if event is None:
            return _json({"error": {"type": "invalid_request_error", "message": "no such event"}}, 404)
        deliveries = sandbox.webhooks.enqueue([event], inline=True)
        delivered = [await sandbox.webhooks.deliver(d) for d in deliveries]
        return _json({"delivered": all(delivered) and bool(delivered)})

    async def deliveries(_: Request) -> Response:
        return _json({"object": "list", "data": list(sandbox.store.all("delivery"))})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(sandbox.webhooks.run(sandbox.stop)), asyncio.create_task(sandbox.sweep_expired())]
        try:
            yield
        finally:
            sandbox.stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await sandbox.webhooks.close()
            sandbox.store.close()

    routes = [
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/config", get_config, methods=["GET"]),
        Route("/_sandbox/config", set_config, methods=["POST"]),
        Route("/_sandbox/events/{id}/deliver", redeliver, methods=["POST"]),
        Route("/_sandbox/deliveries", deliveries, methods=["GET"]),
        route("/v1/payment_methods", create_payment_method, "POST", publishable_ok=True),
        route("/v1/payment_methods/{id}", retrieve_payment_method, "GET"),
        route("/v1/payment_intents", create_payment_intent, "POST"),
        route("/v1/payment_intents", list_payment_intents, "GET"),
        route("/v1/payment_intents/search", search_payment_intents, "GET"),
        route("/v1/payment_intents/{id}", retrieve_payment_intent, "GET"),
        route("/v1/payment_intents/{id}/capture", capture_payment_intent, "POST"),
        route("/v1/payment_intents/{id}/cancel", cancel_payment_intent, "POST"),
        route("/v1/refunds", create_refund, "POST"),
        route("/v1/refunds/{id}", retrieve_refund, "GET"),
        route("/v1/events", list_events, "GET"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = sandbox
    return app


def serve(config: SandboxConfig, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run the sandbox until interrupted."""
    import uvicorn

    uvicorn.run(build_app(config), host=host, port=port, log_level="warning", access_log=False)
