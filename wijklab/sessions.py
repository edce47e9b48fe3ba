"""Sessions in the database with a copy in Redis, that keep working when Redis does not.

Django's ``cached_db`` store reads the copy first (every chat socket's handshake
reads the session; docs/benchmarks.md) and writes through to the database,
which stays the truth. But only a failing cache *read* falls back: a failing
write of the copy after a database read, the ``exists`` check of a new session
key (every sign-in) and the removal on sign-out raise, so with Redis
unreachable nobody could sign in or use an existing session. Here every cache
call that cannot reach Redis counts as a miss and is logged.

One consequence is bounded on purpose: a sign-out while Redis is unreachable
removes the session from the database but cannot remove its copy, which a
returning Redis might still hold. Copies therefore live at most
``COPY_SECONDS``, not the whole session age, after which the database decides.
"""

import logging
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from wijklab.errors import REDIS_UNREACHABLE as UNREACHABLE

logger = logging.getLogger("django.contrib.sessions")

COPY_SECONDS = 15 * 60


def _capped(timeout: int | None) -> int:
    return COPY_SECONDS if timeout is None else min(timeout, COPY_SECONDS)


class _CopyCache:
    """The session cache as the store uses it, where an unreachable cache is a miss."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def _failed(self, action: str, exc: Exception) -> None:
        logger.warning("Session cache unreachable (%s): %s", action, exc)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._cache.get(key, default)
        except UNREACHABLE as exc:
            self._failed("get", exc)
            return default

    async def aget(self, key: str, default: Any = None) -> Any:
        try:
            return await self._cache.aget(key, default)
        except UNREACHABLE as exc:
            self._failed("get", exc)
            return default

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        try:
            self._cache.set(key, value, _capped(timeout))
        except UNREACHABLE as exc:
            self._failed("set", exc)

    async def aset(self, key: str, value: Any, timeout: int | None = None) -> None:
        try:
            await self._cache.aset(key, value, _capped(timeout))
        except UNREACHABLE as exc:
            self._failed("set", exc)

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except UNREACHABLE as exc:
            self._failed("delete", exc)

    async def adelete(self, key: str) -> None:
        try:
            await self._cache.adelete(key)
        except UNREACHABLE as exc:
            self._failed("delete", exc)

    def __contains__(self, key: str) -> bool:
        # Only ever asked as "does a session with this new key exist?": the database answers too.
        try:
            return key in self._cache
        except UNREACHABLE as exc:
            self._failed("has_key", exc)
            return False


class SessionStore(CachedDBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _CopyCache(self._cache)
