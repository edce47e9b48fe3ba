"""The Redis cache shares one connection pool per process (teams/chat/cache.py)."""

import asyncio
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

pytestmark = pytest.mark.redis

SHARED = {"pool_class": "teams.chat.cache.SharedConnectionPool"}


def _clients(url: str) -> int:
    return redis.Redis.from_url(url).info("clients")["connected_clients"]


async def test_two_hundred_sockets_share_a_handful_of_redis_connections(redis_url, settings):
    # Django keeps a cache object per asyncio context, and every chat socket is one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"cache-test-{uuid.uuid4().hex[:8]}",
            "OPTIONS": SHARED,
        }
    }
    before = await sync_to_async(_clients)(redis_url)

    async def one_socket(i: int) -> int:
        await sync_to_async(cache.set)(f"k{i}", i, 30)
        return await sync_to_async(cache.get)(f"k{i}")

    results = await asyncio.gather(*(asyncio.create_task(one_socket(i)) for i in range(200)))
    assert results == list(range(200))
    assert await sync_to_async(_clients)(redis_url) - before <= 5


def test_one_pool_per_url_and_options(redis_url):
    from teams.chat.cache import SharedConnectionPool

    pool = SharedConnectionPool.from_url(redis_url)
    assert SharedConnectionPool.from_url(redis_url) is pool
    assert SharedConnectionPool.from_url(redis_url, socket_timeout=3) is not pool
    assert SharedConnectionPool.from_url(redis_url.rsplit("/", 1)[0] + "/14") is not pool


def test_two_cache_objects_of_a_process_share_one_pool(redis_url):
    from teams.chat import cache as shared

    url = redis_url.rsplit("/", 1)[0] + "/13"  # a URL no other test opened a pool for
    first, second = RedisCache(url, {"OPTIONS": SHARED}), RedisCache(url, {"OPTIONS": SHARED})
    before = len(shared._pools)
    first.set("shared-pool-test", 1, 5)
    assert second.get("shared-pool-test") == 1
    assert len(shared._pools) == before + 1
