"""The `mercato` command: run | serve | worker | migrate | seed (and later roles).

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
        env = {**os.environ, "DATABASE_URL": url}
        children = [
            subprocess.Popen([sys.executable, "-m", "mercato.cli", "worker"], env=env),
            subprocess.Popen([sys.executable, "-m", "mercato.cli", "serve"], env=env),
        ]
        base = f"http://{settings.host}:{settings.port}"
        typer.echo(
            f"\nMercato is running at {base}  (OpenAPI UI: {base}/docs)\n"
            f"  demo customer: customer@example.com / {DEMO_PASSWORD}\n"
            f"  demo merchant: merchant@example.com / {DEMO_PASSWORD}\n"
            f"  demo admin:    admin@example.com / {DEMO_PASSWORD}\n"
            "Press Ctrl-C to stop everything (PostgreSQL included).\n"
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
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    app()
