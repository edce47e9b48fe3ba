"""Django's Redis cache with one connection pool per process.

Django keeps one cache object per asyncio context (``caches`` is an
``asgiref.local.Local``), and each object opens a connection pool of its own.
Every chat socket runs in a context of its own, so every open socket held its
own Redis connection: 500 sockets, 500 connections (bench/chat.py). redis-py's
pools are thread-safe and reset themselves after a fork, so the cache objects
of a process share one pool per server and options.

They share the client object too: Django builds a new ``redis.Redis`` for every
cache call, and building one (its table of reply parsers) cost more than the
round trip itself (a ``cache.get`` took five times a bare ``GET``). A client
over a pool is thread-safe: each command borrows a connection from the pool.
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, Any] = {}
_clients_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        shared = (self._servers[index], self._pool_class, self._client, repr(sorted(self._pool_options.items())))
        client = _clients.get(shared)
        if client is None:
            with _clients_lock:
                client = _clients.get(shared)
                if client is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = _clients[shared] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self) -> SharedPoolRedisCacheClient:
        return SharedPoolRedisCacheClient(self._servers, **self._options)


def add_then_get_many(backend: Any, key: str, value: Any, timeout: int, keys: list[str]) -> tuple[bool, dict]:
    """``backend.add(key, value, timeout)`` then ``backend.get_many(keys)``, in one round trip on Redis.

    A chat socket's handshake marks its user online and reads who else is: two
    round trips from a database thread become one (a pipeline, not a transaction:
    the read comes after the add, which is all that is needed). Other backends
    get the two calls.
    """
    if not isinstance(backend, RedisCache) or timeout <= 0:
        return backend.add(key, value, timeout), backend.get_many(keys)
    client = backend._cache.get_client(write=True)
    serializer = backend._cache._serializer
    key_map = {backend.make_and_validate_key(k): k for k in keys}
    pipe = client.pipeline(transaction=False)
    pipe.set(backend.make_and_validate_key(key), serializer.dumps(value), ex=timeout, nx=True)
    pipe.mget(list(key_map))
    added, values = pipe.execute()
    found = {key_map[k]: serializer.loads(v) for k, v in zip(key_map, values, strict=True) if v is not None}
    return bool(added), found
