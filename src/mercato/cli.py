"""The `mercato` command: run | serve | worker | migrate | seed | psp-sandbox.

The CLI is a composition root: it reads Settings, resolves the database (embedded PostgreSQL when
DATABASE_URL is unset), and hands both to the process it starts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mercato.config import Settings
from mercato.db.embedded import DEFAULT_DATABASE, EmbeddedPostgres, ensure_database
from mercato.db.engine import libpq_url
from mercato.db.migrate import upgrade

app = typer.Typer(help="Mercato, a multi-merchant marketplace backend.", no_args_is_help=True, add_completion=False)

DEMO_PASSWORD = "mercato-demo"


def _settings() -> Settings:
    return Settings()


def _resolve_database(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """DATABASE_URL if given; otherwise start the embedded PostgreSQL under the data directory."""
    if settings.database_url:
        return libpq_url(settings.database_url), None
    pg = EmbeddedPostgres(settings.data_dir / "pg")
    admin_url = pg.start()
    return ensure_database(admin_url, DEFAULT_DATABASE), pg


@app.command()
def migrate() -> None:
    """Apply database migrations up to the latest."""
    settings = _settings()
    url, pg = _resolve_database(settings)
    try:
        upgrade(url)
        typer.echo("migrations applied")
    finally:
        if pg:
            pg.stop()


@app.command()
def seed(
    products: Annotated[int, typer.Option(help="How many products to create (bulk COPY past a few thousand).")] = 2000,
    force: Annotated[bool, typer.Option(help="Seed even if the database already holds a catalog.")] = False,
) -> None:
    """Seed the demo marketplace: merchants, warehouses, categories, brands, products, reviews, stock."""
    from mercato.seed import seed_marketplace

    settings = _settings()
    url, pg = _resolve_database(settings)
    try:
        upgrade(url)
        summary = seed_marketplace(url, products=products, force=force)
        typer.echo(summary)
    finally:
        if pg:
            pg.stop()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default MERCATO_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default MERCATO_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Number of API processes.")] = 1,
) -> None:
    """Serve the API (and web pages) with uvicorn; needs DATABASE_URL or a running embedded database."""
    import uvicorn

    settings = _settings()
    url, pg = _resolve_database(settings)
    os.environ["MERCATO_RESOLVED_DATABASE_URL"] = url
    try:
        uvicorn.run(
            "mercato.asgi:build",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
        )
    finally:
        if pg:
            pg.stop()


@app.command()
def worker() -> None:
    """Run background jobs (sweepers, outbox dispatch, recovery) until interrupted."""
    from mercato.worker import run_worker

    settings = _settings()
    url, pg = _resolve_database(settings)
    try:
        asyncio.run(run_worker(settings, url))
    except KeyboardInterrupt:
        pass
    finally:
        if pg:
            pg.stop()


@app.command("psp-sandbox")
def psp_sandbox(  # noqa: PLR0917 - typer options
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    state_dir: Annotated[Path, typer.Option(help="Where the sandbox keeps its state (survives restarts).")] = Path(
        "var/psp-sandbox"
    ),
    latency_ms: Annotated[str, typer.Option(help="Latency per request: 'LOW-HIGH' (uniform) or a fixed value.")] = (
        "300-800"
    ),
    error_rate: Annotated[float, typer.Option(help="Share of requests answered with an injected error.")] = 0.0,
    error_status: Annotated[int, typer.Option(help="HTTP status of injected errors.")] = 503,
    hang_seconds: Annotated[float, typer.Option(help="How long pm_sandbox_timeout hangs after processing.")] = 30.0,
    delayed_ms: Annotated[int, typer.Option(help="How long pm_sandbox_delayed takes to succeed.")] = 1500,
    auth_ttl_seconds: Annotated[int, typer.Option(help="How long an authorization stays capturable.")] = 7 * 86400,
    api_key: Annotated[str, typer.Option(help="The secret key clients must send.")] = "sk_test_sandbox",
    webhook_url: Annotated[str | None, typer.Option(help="Where signed events are delivered.")] = None,
    webhook_secret: Annotated[str, typer.Option(help="The webhook signing secret.")] = "whsec_sandbox",  # noqa: S107 - the sandbox's well-known test secret
    webhook_timing: Annotated[str, typer.Option(help="'async' or 'before_response'.")] = "async",
) -> None:
    """Run the PSP sandbox: a separate server speaking the subset of Stripe's API that Mercato uses."""
    from mercato.payments import run_sandbox

    run_sandbox(
        host=host,
        port=port,
        state_dir=state_dir,
        latency_ms=latency_ms,
        error_rate=error_rate,
        error_status=error_status,
        hang_seconds=hang_seconds,
        delayed_ms=delayed_ms,
        auth_ttl_seconds=auth_ttl_seconds,
        api_key=api_key,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_timing=webhook_timing,
    )


def _sandbox_child(settings: Settings) -> tuple[subprocess.Popen[bytes] | None, dict[str, str]]:
    """Unless PSPs are configured, a sandbox on 127.0.0.1:8001 and the environment pointing Mercato at it."""
    if settings.psp_providers:
        return None, {}
    base = f"http://{settings.host}:{settings.port}"
    command = [sys.executable, "-m", "mercato.cli", "psp-sandbox", "--port", "8001"]
    command += [
        "--state-dir",
        str(settings.data_dir / "psp-sandbox"),
        "--webhook-url",
        f"{base}/v1/webhooks/psp/sandbox",
    ]
    child = subprocess.Popen(command)  # noqa: S603 - our own interpreter and module
    return child, {"MERCATO_PSP_PROVIDERS": "sandbox=http://127.0.0.1:8001"}


@app.command()
def run() -> None:
    """Everything on one machine: embedded PostgreSQL, migrations, demo seed, API and worker."""
    from mercato.seed import seed_marketplace

    settings = _settings()
    url, pg = _resolve_database(settings)
    try:
        upgrade(url)
        summary = seed_marketplace(url, products=2000, force=False)
        typer.echo(summary)
        sandbox, psp_env = _sandbox_child(settings)
        env = {**os.environ, "DATABASE_URL": url, **psp_env}
        children = [
            *([sandbox] if sandbox else []),
            subprocess.Popen([sys.executable, "-m", "mercato.cli", "worker"], env=env),
            subprocess.Popen([sys.executable, "-m", "mercato.cli", "serve"], env=env),
        ]
        base = f"http://{settings.host}:{settings.port}"
        typer.echo(
            f"\nMercato is running at {base}  (OpenAPI UI: {base}/docs)\n"
            f"  demo customer: customer@example.com / {DEMO_PASSWORD}\n"
            f"  demo merchant: merchant@example.com / {DEMO_PASSWORD}\n"
            f"  demo admin:    admin@example.com / {DEMO_PASSWORD}\n"
            + ("  PSP sandbox:   http://127.0.0.1:8001 (pay with pm_card_visa)\n" if sandbox else "")
            + "Press Ctrl-C to stop everything (PostgreSQL included).\n"
        )
        _wait_for_children(children)
    finally:
        if pg:
            pg.stop()
            typer.echo("stopped")


def _wait_for_children(children: list[subprocess.Popen[bytes]]) -> None:
    """Block until Ctrl-C, SIGTERM or a child's exit, then stop every child and wait for it."""

    def _terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)  # a graceful stop for uvicorn and the worker alike
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    app()
