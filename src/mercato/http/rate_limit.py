"""Per-caller rate limits (the checkout limit): moving windows in Redis when REDIS_URL is set, so
every API process shares one count, and in process memory otherwise. Built on the `limits` library."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from mercato.kernel.errors import RateLimited


class RateLimit:
    """At most `per_minute` hits per key per minute; 0 disables the limit."""

    def __init__(self, *, name: str, per_minute: int, redis_url: str | None) -> None:
        self.name = name
        self.per_minute = per_minute
        storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            storage = RedisStorage(uri, implementation="redispy")
        else:
            storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerMinute(max(per_minute, 1), namespace=f"mercato:{name}")

    async def hit(self, key: str) -> None:
        """Count one hit for `key`, or raise RateLimited (429) with Retry-After and RateLimit headers."""
        if self.per_minute <= 0:
            return
        if await self._limiter.hit(self._item, key):
            return
        stats = await self._limiter.get_window_stats(self._item, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"at most {self.per_minute} {self.name} attempts a minute; retry in {retry_after} s",
            retry_after=retry_after,
            headers={"RateLimit-Limit": str(self.per_minute), "RateLimit-Remaining": str(stats.remaining)},
        )
