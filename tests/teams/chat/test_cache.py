"""The Redis cache shares one connection pool per process (teams/chat/cache.py)."""

import asyncio
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from django.core.cache import cache

pytestmark = pytest.mark.redis


def _clients(url: str) -> int:
    return redis.Redis.from_url(url).info("clients")["connected_clients"]


async def test_two_hundred_sockets_share_a_handful_of_redis_connections(redis_url, settings):
    # Django keeps a cache object per asyncio context, and every chat socket is one.
    settings.CACHES = {
        "default": {
            "BACKEND": "teams.chat.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"cache-test-{uuid.uuid4().hex[:8]}",
        }
    }
    before = await sync_to_async(_clients)(redis_url)

    async def one_socket(i: int) -> int:
        await sync_to_async(cache.set)(f"k{i}", i, 30)
        return await sync_to_async(cache.get)(f"k{i}")

    results = await asyncio.gather(*(asyncio.create_task(one_socket(i)) for i in range(200)))
    assert results == list(range(200))
    assert await sync_to_async(_clients)(redis_url) - before <= 5


def test_cache_objects_with_the_same_server_and_options_share_one_pool(redis_url):
    from teams.chat.cache import RedisCache

    first, second = RedisCache(redis_url, {}), RedisCache(redis_url, {})
    other = RedisCache(redis_url, {"OPTIONS": {"socket_timeout": 3}})
    pool = first._cache.get_client(write=True).connection_pool
    assert second._cache.get_client(write=True).connection_pool is pool
    assert other._cache.get_client(write=True).connection_pool is not pool


def test_cache_calls_reuse_one_client_object(redis_url):
    # Building a redis.Redis per call cost more than the round trip (teams/chat/cache.py).
    from teams.chat.cache import RedisCache

    first, second = RedisCache(redis_url, {}), RedisCache(redis_url, {})
    client = first._cache.get_client(write=True)
    assert first._cache.get_client(write=False) is client
    assert second._cache.get_client(write=True) is client
    first.set("shared-client-test", 1, 5)
    assert second.get("shared-client-test") == 1
