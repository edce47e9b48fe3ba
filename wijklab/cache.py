"""Django's Redis cache with one connection pool per process.

Django keeps one cache object per asyncio context (``caches`` is an
``asgiref.local.Local``), and each object opens a connection pool of its own.
Every chat socket runs in a context of its own, so every open socket held its
own Redis connection: 500 sockets, 500 connections (bench/chat.py). redis-py's
pools are thread-safe and reset themselves after a fork, so the cache objects
of a process share one pool per server and options.
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

_pools: dict[tuple, Any] = {}
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        index = self._get_connection_pool_index(write)
        key = (self._servers[index], self._pool_class, repr(sorted(self._pool_options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(self._servers[index], **self._pool_options)
        return pool


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self) -> SharedPoolRedisCacheClient:
        return SharedPoolRedisCacheClient(self._servers, **self._options)
