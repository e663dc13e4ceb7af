"""The sandbox's settings: fixed at start by command-line options, some changeable at run time."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

WEBHOOK_TIMINGS = ("async", "before_response")


@dataclass(slots=True)
class SandboxConfig:
    """How the sandbox PSP behaves; `RUNTIME` fields may be changed over `POST /_sandbox/config`."""

    state_dir: Path
    api_key: str = "sk_test_sandbox"
    publishable_key: str = "pk_test_sandbox"
    latency_min_ms: int = 300
    latency_max_ms: int = 800
    error_rate: float = 0.0
    error_status: int = 503
    hang_seconds: float = 30.0
    delayed_ms: int = 1500
    auth_ttl_seconds: int = 7 * 24 * 3600
    webhook_url: str | None = None
    webhook_secret: str = "whsec_sandbox"
    webhook_timing: str = "async"
    webhook_max_attempts: int = 8
    webhook_retry_base_seconds: float = 1.0

    RUNTIME = (
        "latency_min_ms",
        "latency_max_ms",
        "error_rate",
        "error_status",
        "hang_seconds",
        "delayed_ms",
        "auth_ttl_seconds",
        "webhook_url",
        "webhook_timing",
        "webhook_max_attempts",
        "webhook_retry_base_seconds",
    )

    def public(self) -> dict[str, Any]:
        """The runtime-changeable settings as JSON (never the keys or the webhook secret)."""
        return {name: getattr(self, name) for name in self.RUNTIME}

    def update(self, changes: dict[str, Any]) -> None:
        """Apply runtime changes; unknown names or wrong types raise ValueError."""
        types = {f.name: f.type for f in fields(self)}
        for name, value in changes.items():
            if name not in self.RUNTIME:
                raise ValueError(f"{name} cannot be changed at run time")
            if name == "webhook_timing" and value not in WEBHOOK_TIMINGS:
                raise ValueError(f"webhook_timing must be one of {WEBHOOK_TIMINGS}")
            if name == "webhook_url":
                self.webhook_url = str(value) if value else None
                continue
            kind = types[name]
            coerced = float(value) if "float" in str(kind) else int(value) if "int" in str(kind) else value
            setattr(self, name, coerced)
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        self.latency_max_ms = max(self.latency_max_ms, self.latency_min_ms)


def parse_latency(spec: str) -> tuple[int, int]:
    """`"300-800"` (uniform range, milliseconds) or `"0"` (fixed)."""
    low, _, high = spec.partition("-")
    lo = int(low)
    hi = int(high) if high else lo
    if lo < 0 or hi < lo:
        raise ValueError(f"bad latency range: {spec}")
    return lo, hi
