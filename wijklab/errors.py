"""Errors raised by services when a rule refuses an otherwise valid action, and what counts as a service being away.

The API turns them into responses in one place (``wijklab.api_support.exception_handler``):
``409 {"detail", "code"}``, or ``400 {field: [message]}`` for one that names a field
(bad input only the service could judge). Pages show ``message``.
"""

import psycopg
import psycopg_pool
from django.db import InterfaceError, OperationalError
from django.utils.functional import Promise
from redis.exceptions import RedisError


class RuleViolation(Exception):
    """A business rule refuses the action. ``code`` is stable, ``message`` is for people.

    ``field``: the input field the refusal is about; such a refusal is bad input (400).
    """

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field

    @property
    def status_code(self) -> int:
        return 400 if self.field else 409

    def __str__(self) -> str:
        return str(self.message)


# What Redis (the cache, the channel layer) raises when it cannot be reached: callers that can
# do without it (a cached copy, a live event) treat these as a miss, never as a 500.
REDIS_UNREACHABLE: tuple[type[Exception], ...] = (RedisError, OSError)


# SQLSTATEs of a server that is going away or not yet back: class 08 (connection exception),
# admin_shutdown, crash_shutdown and cannot_connect_now (starting up or shutting down).
_DATABASE_GONE_SQLSTATES = ("57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException | None) -> bool:
    """True when ``exc`` says the database cannot be reached (down, restarting, no free connection in time).

    Django wraps psycopg's errors in its own ``OperationalError``/``InterfaceError``; what the
    database refused on purpose (a deadlock, a cancelled query, a constraint) is not this.
    """
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    if isinstance(exc, InterfaceError):
        # A connection that was closed under us (the server went away mid-request).
        return True
    cause = exc.__cause__
    if isinstance(cause, psycopg_pool.PoolTimeout):
        return True
    if isinstance(cause, psycopg.OperationalError):
        sqlstate = cause.sqlstate
        # No SQLSTATE: the client could not connect, or lost the connection (no server reply).
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _DATABASE_GONE_SQLSTATES
    return False
