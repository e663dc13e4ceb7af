"""Time as an injectable dependency, so TTLs and sagas can be tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self._now += delta


def rfc3339(moment: datetime) -> str:
    """Format as the API writes timestamps: RFC 3339, UTC, `Z` suffix."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
