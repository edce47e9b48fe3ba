"""Database work from async code (the chat socket) on a small pool of threads.

``db(func)`` is channels' ``database_sync_to_async`` for the chat: the same
clean-up of connections, on threads of its own, without a health check per
call. ``LazyAuthMiddleware`` lets the socket's user load in that same call.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from channels.auth import AuthMiddleware, get_user
from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.utils.functional import SimpleLazyObject

# The chat's database work (the handshake's log-in, the consumer) runs on a
# small pool of threads of its own, each with its own database connection,
# instead of Django's single "thread-sensitive" thread: with hundreds of sockets
# per process, one thread would queue every connect and every message behind
# the previous one's round trips. Nothing here relies on thread affinity: each
# call is a self-contained unit of work. CHAT_DB_THREADS=0 goes back to the one thread.
_DB_THREADS = settings.CHAT_DB_THREADS
_executor = ThreadPoolExecutor(max_workers=_DB_THREADS, thread_name_prefix="chat-db") if _DB_THREADS else None


def _one_thread_only() -> bool:
    # SQLite's in-memory database (the test database) is one cache shared by all
    # connections, where a writer that meets another connection's lock fails at once
    # ("database table is locked") instead of waiting out the busy timeout: there,
    # every thread's work goes to the one thread. A SQLite file waits as it should.
    # Read from the settings, not from connections[...]: in the event loop every socket
    # is a context of its own, and connections[...] built a connection object for each
    # (a twentieth of a handshake storm's time, bench/chat.py).
    database = connections.settings[DEFAULT_DB_ALIAS]
    name = str(database.get("NAME") or "")
    return database["ENGINE"] == "django.db.backends.sqlite3" and (name == ":memory:" or "mode=memory" in name)


# A chat-db thread's connection is health-checked again (SELECT 1) only after it sat idle this long.
CHECK_AFTER_IDLE_SECONDS = 10.0
_thread_state = threading.local()


def _pooled(connection: Any) -> bool:
    return connection.connection is not None and getattr(connection, "pool", None) is not None


class _ChatDatabaseSyncToAsync(SyncToAsync):
    """channels' ``DatabaseSyncToAsync`` without a health check for every call.

    channels closes old connections before and after each call, and each time
    Django forgets that the connection was checked: with ``CONN_HEALTH_CHECKS``
    the next query then starts with a ``SELECT 1``, a second round trip for
    every chat message (bench/chat.py). Here Django's own clean-up still runs
    after every call (a broken connection, an unfinished transaction, or one
    past ``CONN_MAX_AGE`` is closed at once), but a connection that was checked
    stays checked until it has been idle for a while: then a database restart
    or a dropped link shows, as it would for a new request.
    """

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() - getattr(_thread_state, "used_at", 0.0) > CHECK_AFTER_IDLE_SECONDS:
            close_old_connections()
            for connection in connections.all(initialized_only=True):
                if _pooled(connection):
                    # Back to the pool, which checks a connection before it lends it again.
                    connection.close()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _thread_state.used_at = time.monotonic()
            for connection in connections.all(initialized_only=True):
                checked = connection.health_check_done
                if _pooled(connection):
                    # With the pool, Django's connections have no age (CONN_MAX_AGE is 0) and would
                    # go back after every call, each borrowed again with a check: a chat thread keeps
                    # its connection while busy instead (CHAT_DB_THREADS of them per process).
                    connection.close_at = None
                connection.close_if_unusable_or_obsolete()
                if connection.connection is not None:
                    connection.health_check_done = checked


def db(func: Callable[..., Any]) -> Callable[..., Any]:
    if _executor is None or _one_thread_only():
        return DatabaseSyncToAsync(func)
    return _ChatDatabaseSyncToAsync(func, thread_sensitive=False, executor=_executor)


class LazyAuthMiddleware(AuthMiddleware):
    """channels' ``AuthMiddleware``, with a user that loads on first use, in the thread that uses it.

    Upstream loads the session and the user before the consumer runs, on
    Django's one shared thread: every handshake of the process waited in one
    line for its two queries, then hopped to a thread again for its own work
    (bench/chat.py). Here ``scope["user"]`` is a lazy object, as
    ``request.user`` is in Django: the chat consumer's first database call
    (``db``) touches it and loads it there, in the same hop as its own queries.
    Touching it in the event loop itself fails loudly (Django refuses a query there).
    """

    def populate_scope(self, scope: dict) -> None:
        if "user" not in scope:
            scope["user"] = SimpleLazyObject(lambda: get_user.func(scope))
        super().populate_scope(scope)

    async def resolve_scope(self, scope: dict) -> None:
        return None
