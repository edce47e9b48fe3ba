"""Errors raised by services when a rule refuses an otherwise valid action.

The API turns them into responses in one place (``wijklab.api_support.exception_handler``):
``409 {"detail", "code"}``, or ``400 {field: [message]}`` for one that names a field
(bad input only the service could judge). Pages show ``message``.
"""

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
