"""Settings from environment variables: the one place configuration is read.

Built once by the composition root (the CLI or `create_app`) and passed down; nothing reads the
environment at import time.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET_FILE = "jwt-secret"


class Settings(BaseSettings):
    """Mercato's configuration; every field is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="MERCATO_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    nats_url: str | None = Field(default=None, validation_alias="NATS_URL")
    data_dir: Path = Path("var")
    jwt_secret: str | None = None
    jwt_ttl_seconds: int = 3600
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    log_level: str = "INFO"
    log_json: bool = True
    max_body_bytes: int = 1024 * 1024
    media_dir: Path | None = None
    media_url_prefix: str = "/media"
    max_image_bytes: int = 5 * 1024 * 1024
    checkout_rate_limit: int = 10  # checkouts per customer per minute; 0 disables
    carrier_webhook_secrets: dict[str, str] = Field(default_factory=dict)  # JSON: {"ups": "secret"}
    # Payments: PSP accounts in fallback order, "name=base_url,name=base_url"; keys and webhook secrets
    # by the same names ("name=value,..."); a name without one uses the sandbox's (development only).
    psp_providers: str = ""
    psp_api_keys: str = ""
    psp_webhook_secrets: str = ""
    psp_timeout_seconds: float = 10.0
    psp_connect_timeout_seconds: float = 2.0
    psp_max_retries: int = 2
    psp_retry_backoff_seconds: float = 0.2
    psp_breaker_threshold: int = 5
    psp_breaker_reset_seconds: float = 30.0
    payment_reconcile_interval_seconds: float = 15.0
    payment_orphan_grace_seconds: float = 1800.0
    payment_reconcile_max_tries: int = 8

    @model_validator(mode="after")
    def _refuse_missing_secret_in_production(self) -> Settings:
        if self.env == "production" and (not self.jwt_secret or len(self.jwt_secret) < 32):
            raise ValueError("MERCATO_JWT_SECRET must be set (32+ characters) in production")
        if self.env == "production" and self.psp_providers:
            named = {pair.split("=", 1)[0].strip() for pair in self.psp_api_keys.split(",") if "=" in pair}
            for pair in self.psp_providers.split(","):
                if pair.split("=", 1)[0].strip() not in named:
                    raise ValueError("MERCATO_PSP_API_KEYS must name a key for every PSP provider in production")
        return self

    @property
    def media_root(self) -> Path:
        """Where uploaded images are stored by the local object storage."""
        return self.media_dir or self.data_dir / "media"

    @property
    def base_url(self) -> str:
        """The URL the API is reached at, for absolute links such as image URLs."""
        return self.public_url or f"http://{self.host}:{self.port}"

    def resolved_jwt_secret(self) -> str:
        """The JWT secret; in development one is generated once into the data directory and reused."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / _DEV_SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value
