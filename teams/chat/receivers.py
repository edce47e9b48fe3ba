"""What the chat does when something happens elsewhere: close the sockets of people who may no longer read.

Connected in ``ChatConfig.ready``: the teams app only sends ``membership_ended`` and never
imports the chat (the import contract in pyproject.toml holds it to that).
"""

from contextlib import suppress

from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache

from teams.chat.selectors import presence_list_key
from teams.chat.services import revoke_sockets
from teams.signals import membership_ended
from wijklab.errors import REDIS_UNREACHABLE
from wijklab.models import User


def close_sockets_of_former_member(sender: object, *, team_id: int, user_id: int, **kwargs: object) -> None:
    # With Redis unreachable the list expires by itself (PRESENCE_LIST_TTL); the sockets must still close.
    with suppress(REDIS_UNREACHABLE):
        cache.delete(presence_list_key(team_id))
    revoke_sockets(user_id=user_id, team_id=team_id)


def close_sockets_of_logged_out_session(sender: object, request: object, user: User | None, **kwargs: object) -> None:
    if user is None:
        return
    session = getattr(request, "session", None)
    revoke_sockets(user_id=user.pk, session_key=getattr(session, "session_key", None))


def connect() -> None:
    membership_ended.connect(close_sockets_of_former_member, dispatch_uid="chat-membership-ended")
    user_logged_out.connect(close_sockets_of_logged_out_session, dispatch_uid="chat-user-logged-out")
