"""Errors raised by services when a rule refuses an otherwise valid action.

The API turns them into ``409 {"detail", "code"}``; pages show ``message``.
"""

from django.utils.functional import Promise


class RuleViolation(Exception):
    """A business rule refuses the action. ``code`` is stable, ``message`` is for people."""

    status_code = 409

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
