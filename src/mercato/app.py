"""The FastAPI application factory: the composition root of the HTTP process.

Builds the container (settings, engine, clock, tokens, storage), mounts each context's router,
installs the middleware and the one error-mapping table. Nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry, Counter

from mercato.cart.api import router as cart_router
from mercato.catalog.api import IMAGE_UPLOAD_PATH
from mercato.catalog.api import merchant_router as catalog_merchant_router
from mercato.catalog.api import router as catalog_router
from mercato.checkout.api import router as checkout_router
from mercato.config import Settings
from mercato.db.engine import make_engine
from mercato.events.slis.api import router as slis_router
from mercato.http.container import Container
from mercato.http.middleware import HttpMetrics, RequestContextMiddleware
from mercato.http.ops import router as ops_router
from mercato.http.problems import install_problem_handlers
from mercato.http.rate_limit import RateLimit
from mercato.http.storage import LocalDirectoryStorage
from mercato.identity import TokenIssuer
from mercato.identity.api import router as identity_router
from mercato.inventory.api import merchant_router as inventory_merchant_router
from mercato.kernel.clock import Clock, SystemClock
from mercato.kernel.paging import CursorCodec
from mercato.notifications.api import router as notifications_router
from mercato.notifications.webhooks.api import router as webhooks_router
from mercato.orders.api import merchant_router as orders_merchant_router
from mercato.orders.api import router as orders_router
from mercato.orders.api import webhook_router as orders_webhook_router
from mercato.payments import ProviderRegistry
from mercato.payments.api import admin_router as payments_admin_router
from mercato.payments.api import webhook_router as psp_webhook_router
from mercato.pricing import HttpTaxProvider, TaxRateTable, TaxService
from mercato.search.api import router as search_router
from mercato.shipping import ShippingRateTable

API_DESCRIPTION = """Mercato: a multi-merchant marketplace. Conventions (ids, money, lists, errors,
idempotency, auth) follow shared/API.md; every error is application/problem+json with a stable `code`."""


def build_container(
    settings: Settings,
    database_url: str,
    *,
    clock: Clock | None = None,
    metrics_registry: CollectorRegistry | None = None,
) -> Container:
    """Everything long-lived a request needs, built once from settings."""
    secret = settings.resolved_jwt_secret()
    clock = clock or SystemClock()
    engine = make_engine(database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        tokens=TokenIssuer(secret=secret, ttl_seconds=settings.jwt_ttl_seconds, clock=clock),
        cursors=CursorCodec(secret=("cursor:" + secret).encode()),
        storage=LocalDirectoryStorage(settings.media_root, settings.media_url_prefix, settings.base_url),
        psp=ProviderRegistry.from_settings(settings, metrics_registry=metrics_registry),
        tax=TaxService(TaxRateTable(engine), _external_tax(settings)),
        shipping=ShippingRateTable(engine),
        checkout_rate_limit=RateLimit(
            name="checkout", per_minute=settings.checkout_rate_limit, redis_url=settings.redis_url
        ),
    )


def _external_tax(settings: Settings) -> HttpTaxProvider | None:
    """The external tax provider, when one is configured."""
    if not settings.tax_provider_url:
        return None
    return HttpTaxProvider(settings.tax_provider_url, timeout_seconds=settings.tax_provider_timeout_seconds)


def create_app(settings: Settings, database_url: str, *, clock: Clock | None = None) -> FastAPI:
    """The marketplace API, wired to the given database."""
    registry = CollectorRegistry()
    container = build_container(settings, database_url, clock=clock, metrics_registry=registry)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await container.psp.close()
        await container.engine.dispose()

    app = FastAPI(
        title="Mercato",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.metrics_registry = registry
    app.state.domain_errors = Counter(
        "mercato_domain_errors_total",
        "Problem answers by stable code (invalid-transition, out-of-stock, …)",
        ["code"],
        registry=registry,
    )
    install_problem_handlers(app)
    for router in (
        ops_router,
        identity_router,
        search_router,
        catalog_router,
        catalog_merchant_router,
        inventory_merchant_router,
        checkout_router,
        notifications_router,
        webhooks_router,
        slis_router,
        orders_router,
        orders_merchant_router,
        orders_webhook_router,
        payments_admin_router,
        psp_webhook_router,
        cart_router,
    ):
        app.include_router(router)
    settings.media_root.mkdir(parents=True, exist_ok=True)
    app.mount(settings.media_url_prefix, StaticFiles(directory=settings.media_root), name="media")
    app.add_middleware(
        RequestContextMiddleware,
        metrics=HttpMetrics(registry),
        max_body_bytes=settings.max_body_bytes,
        # room for the multipart envelope around an image of the largest allowed size
        upload_limits=((IMAGE_UPLOAD_PATH, settings.max_image_bytes + 64 * 1024),),
    )
    return app
