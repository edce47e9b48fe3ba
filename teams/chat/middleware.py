"""Tell the chat's open sockets what a request changed about access, once its session is saved.

Listed before Django's ``SessionMiddleware``: when the inner stack returns, the
response is done and the session stored. Two things wait for that moment:

- A session that moved to a new key while staying signed in (``cycle_key``:
  ``update_session_auth_hash`` after a password change, a second sign-in): the
  move is remembered, so that session's sockets follow it instead of closing.
- The access checks the request's changes asked for (``receivers.recheck_after_commit``):
  sent only now, so a socket of the current session finds it under its new key,
  with the new password's hash, and stays, while the person's other sessions close.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from teams.chat.receivers import pending_rechecks
from teams.chat.services import remember_rekey, revoke_sockets


class SocketSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        old_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        pending: set[int] = set()
        token = pending_rechecks.set(pending)
        try:
            response = self.get_response(request)
        finally:
            pending_rechecks.reset(token)
        session = getattr(request, "session", None)
        new_key = getattr(session, "session_key", None)
        user = getattr(request, "user", None)
        if old_key and new_key and new_key != old_key and user is not None and user.is_authenticated:
            remember_rekey(old_key=old_key, new_key=new_key)
        for user_id in sorted(pending):
            revoke_sockets(user_id=user_id)
        return response
