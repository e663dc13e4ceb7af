"""The ASGI factory for `mercato serve` (uvicorn calls `build` in each worker process)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from mercato.app import create_app
from mercato.config import Settings
from mercato.http.log_config import configure_logging


def build() -> FastAPI:
    """Build the app from the environment; the CLI put the resolved database URL there."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    url = os.environ.get("MERCATO_RESOLVED_DATABASE_URL") or settings.database_url
    if not url:
        raise SystemExit("DATABASE_URL is not set; start through `mercato serve` or `mercato run`")
    return create_app(settings, url)
