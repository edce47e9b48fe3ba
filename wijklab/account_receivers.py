"""Which sessions a person is signed in with (``UserSession``), kept at every sign-in and sign-out."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from wijklab.account_services import session_signed_in, session_signed_out


def _session_key(request: Any) -> str | None:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)


@receiver(user_logged_in, dispatch_uid="wijklab-user-session-signed-in")
def remember_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # login() has moved the session to a new key and stored it: that key is the one to remember.
    key = _session_key(request)
    if key:
        session_signed_in(user=user, session_key=key)


@receiver(user_logged_out, dispatch_uid="wijklab-user-session-signed-out")
def forget_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    key = _session_key(request)
    if key:
        session_signed_out(session_key=key)
