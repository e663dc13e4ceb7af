"""The PSP sandbox: a separate HTTP server speaking the subset of Stripe's API that Mercato uses.

Run it as `mercato psp-sandbox --port 8001` or `python -m mercato.payments.sandbox --port 8001`.
"""

from __future__ import annotations

from pathlib import Path

from mercato.payments.sandbox.config import SandboxConfig, parse_latency


def run_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    state_dir: Path = Path("var/psp-sandbox"),
    latency_ms: str = "300-800",
    error_rate: float = 0.0,
    error_status: int = 503,
    hang_seconds: float = 30.0,
    delayed_ms: int = 1500,
    auth_ttl_seconds: int = 7 * 24 * 3600,
    api_key: str = "sk_test_sandbox",
    publishable_key: str = "pk_test_sandbox",
    webhook_url: str | None = None,
    webhook_secret: str = "whsec_sandbox",  # noqa: S107 - the sandbox's well-known test secret
    webhook_timing: str = "async",
) -> None:
    """Serve the sandbox until interrupted; state lives in `state_dir` and survives restarts."""
    from mercato.payments.sandbox.server import serve

    low, high = parse_latency(latency_ms)
    config = SandboxConfig(
        state_dir=state_dir,
        api_key=api_key,
        publishable_key=publishable_key,
        latency_min_ms=low,
        latency_max_ms=high,
        error_rate=error_rate,
        error_status=error_status,
        hang_seconds=hang_seconds,
        delayed_ms=delayed_ms,
        auth_ttl_seconds=auth_ttl_seconds,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )
    config.update({"webhook_timing": webhook_timing})
    serve(config, host=host, port=port)


__all__ = ["SandboxConfig", "run_sandbox"]
