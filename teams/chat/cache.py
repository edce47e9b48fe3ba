"""One Redis connection pool per process for Django's Redis cache, through its public ``pool_class`` option.

Django keeps one cache object per asyncio context (``caches`` is an
``asgiref.local.Local``), and each object opens a connection pool of its own.
Every chat socket runs in a context of its own, so with the stock pool every
open socket held its own Redis connection: measured with bench/chat.py
(docs/benchmarks.md) the stock cache took p99 29.7 ms, 8.8 s to connect 2,000
sockets and 11 KiB more per socket. redis-py's pools are thread-safe and reset
themselves after a fork, so the cache objects of a process share one pool per
server and options. Selected in settings: ``CACHES["default"]["OPTIONS"]["pool_class"]``.
"""

import threading
from typing import Any

import redis

_pools: dict[tuple, "SharedConnectionPool"] = {}
_pools_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    """``from_url`` hands out one pool per class, URL and options, for the life of the process."""

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> "SharedConnectionPool":
        key = (cls, url, repr(sorted(kwargs.items())))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = super().from_url(url, **kwargs)
        return pool
