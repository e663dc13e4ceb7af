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
    # events: outbox dispatch and the NATS JetStream relay
    worker_db_pool_size: int = 8
    event_dispatch_interval_seconds: float = 0.2
    event_batch_size: int = 100
    event_max_attempts: int = 10  # a consumer's poison event is dead-lettered after this many failures
    event_retention_days: int = 7
    nats_stream: str = "MERCATO"
    nats_subject_prefix: str = "mercato"
    nats_duplicate_window_seconds: float = 600.0
    nats_publish_timeout_seconds: float = 5.0
    # notifications: e-mail (SMTP; without a host, .eml files under <data_dir>/outbox-mail) and SMS
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Mercato <no-reply@mercato.localhost>"
    sms_provider: Literal["dev-sink"] = "dev-sink"
    notification_max_attempts: int = 8
    # merchant webhooks
    webhook_timeout_seconds: float = 10.0
    webhook_retry_base_seconds: float = 60.0
    webhook_retry_max_delay_seconds: float = 3600.0
    webhook_retry_horizon_seconds: int = 24 * 3600
    webhook_secret_overlap_seconds: int = 24 * 3600
    webhook_concurrency: int = 20
    # SLIs
    stuck_order_age_seconds: int = 24 * 3600  # created/confirmed orders with no transition for this long
    stuck_shipped_order_age_seconds: int = 14 * 24 * 3600  # shipped orders not delivered for this long
    sli_retention_days: int = 8
    checkout_rate_limit: int = 10  # checkouts per customer per minute; 0 disables
    tax_provider_url: str | None = None  # external tax service; unset: the tax_rates table only
    tax_provider_timeout_seconds: float = 0.3
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
    # Inventory: how long a checkout holds stock, and how the worker's sweeper gives expired holds back.
    reservation_ttl_seconds: int = Field(default=900, gt=0)
    # A checkout still in progress is reminded (reservation.expiring) this long before its hold expires.
    reservation_reminder_lead_seconds: int = Field(default=120, gt=0)
    reservation_reminder_interval_seconds: float = Field(default=15.0, gt=0)
    # How often the worker audits the stock invariants (a breach is reported once, as stock.oversold).
    stock_audit_interval_seconds: float = Field(default=3600.0, gt=0)
    reservation_sweep_interval_seconds: float = Field(default=5.0, gt=0)
    reservation_sweep_batch_size: int = Field(default=500, gt=0)
    # Carts: the most units of one SKU an order may take, and how long an idle guest cart lives.
    order_line_max_qty: int = Field(default=10, gt=0)
    guest_cart_ttl_days: int = Field(default=30, gt=0)
    cart_cleanup_interval_seconds: float = Field(default=3600.0, gt=0)
    # The worker serves its Prometheus metrics (sweeper counts, reservation ages) on this port; 0 disables.
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)

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
    def mail_sink_dir(self) -> Path:
        """Where development e-mail lands as .eml files when no SMTP host is configured."""
        return self.data_dir / "outbox-mail"

    @property
    def sms_sink_dir(self) -> Path:
        """Where the development SMS provider writes messages."""
        return self.data_dir / "outbox-sms"

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
