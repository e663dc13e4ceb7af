"""The checkout rate limit, in process and shared through a real Redis."""

from __future__ import annotations

import uuid

import pytest

from mercato.http.rate_limit import RateLimit
from mercato.kernel.errors import RateLimited


async def _count_allowed(limit: RateLimit, key: str, attempts: int) -> int:
    allowed = 0
    for _ in range(attempts):
        try:
            await limit.hit(key)
            allowed += 1
        except RateLimited as exc:
            assert exc.extra["retry_after"] >= 1
            assert exc.extra["headers"]["RateLimit-Limit"] == str(limit.per_minute)
    return allowed


async def test_in_process_limit_allows_exactly_the_limit_per_key() -> None:
    limit = RateLimit(name="checkout", per_minute=3, redis_url=None)
    assert await _count_allowed(limit, "usr_a", 5) == 3
    assert await _count_allowed(limit, "usr_b", 1) == 1


async def test_zero_disables_the_limit() -> None:
    limit = RateLimit(name="checkout", per_minute=0, redis_url=None)
    assert await _count_allowed(limit, "usr_a", 50) == 50


async def test_redis_limit_is_shared_between_limiter_instances(redis_url: str) -> None:
    key = f"usr_{uuid.uuid4().hex}"
    first_process = RateLimit(name="checkout", per_minute=4, redis_url=redis_url)
    second_process = RateLimit(name="checkout", per_minute=4, redis_url=redis_url)
    allowed = await _count_allowed(first_process, key, 3) + await _count_allowed(second_process, key, 3)
    assert allowed == 4


@pytest.mark.parametrize("per_minute", [1, 10])
async def test_retry_after_is_within_the_window(per_minute: int) -> None:
    limit = RateLimit(name="checkout", per_minute=per_minute, redis_url=None)
    for _ in range(per_minute):
        await limit.hit("k")
    with pytest.raises(RateLimited) as info:
        await limit.hit("k")
    assert 1 <= info.value.extra["retry_after"] <= 60
