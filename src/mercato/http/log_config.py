"""structlog configuration: JSON lines with the request id bound per request."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from mercato.kernel.card_numbers import redact_card_numbers


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact_card_numbers(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def scrub_card_numbers(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """A structlog processor: no card-number-like string ever reaches a log line (tracebacks included)."""
    return {key: _scrub(value) for key, value in event_dict.items()}


class CardNumberFilter(logging.Filter):
    """The same scrubbing for records of the standard library's logging (uvicorn, the stripe SDK, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_card_numbers(record.getMessage())
        record.args = None
        return True


def log_processors(*, json: bool = True) -> list[structlog.types.Processor]:
    """The processor chain every log event goes through: context, level, time, tracebacks, scrubbing, render."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_card_numbers,
        renderer,
    ]


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    """Configure structlog and the standard library's logging to write one JSON object per line."""
    structlog.configure(
        processors=log_processors(json=json),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, CardNumberFilter) for f in handler.filters):
            handler.addFilter(CardNumberFilter())
