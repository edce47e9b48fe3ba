"""What the chat does when something happens elsewhere: close the sockets of people who may no longer read.

Connected in ``ChatConfig.ready``: the teams app only sends ``membership_ended`` and never
imports the chat (the import contract in pyproject.toml holds it to that). Every loss of
access is announced to the person's sockets (``services.revoke_sockets``), which check
their access again and close with 4403 without it:

- a membership ended (``membership_ended``; also a membership ended or removed in the admin);
- a supervision of the team ended (a ``SupervisionAssignment`` deleted or moved);
- the account changed where access hangs on it: password, active, role, organisation
  (a ``User`` saved with those fields, or saved whole), or the account deleted;
- a sign-out (``user_logged_out``): that session's sockets only.

Within a request the announcement waits until the response is done and the session saved
(``middleware.SocketSessionMiddleware``): a password change keeps the current session
under a new key, and its sockets must find that key before they check.
"""

import contextvars
from contextlib import suppress

from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from teams.chat.selectors import presence_list_key
from teams.chat.services import revoke_sockets
from teams.models import Membership, SupervisionAssignment
from teams.signals import membership_ended
from wijklab.errors import REDIS_UNREACHABLE
from wijklab.models import User

# The people whose sockets a request asked to check, sent once its response is done (the middleware).
pending_rechecks: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "chat_pending_rechecks", default=None
)

# A save of these fields (or of the whole account) may end access: the sockets check again.
ACCESS_FIELDS = frozenset({"password", "is_active", "role", "organisation", "organisation_id"})


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


def recheck_after_commit(user_id: int, team_id: int | None = None) -> None:
    """Have the person's sockets check their access once the change is committed (and the request done)."""

    def send() -> None:
        pending = pending_rechecks.get()
        if pending is not None and team_id is None:
            pending.add(user_id)
        else:
            revoke_sockets(user_id=user_id, team_id=team_id)

    transaction.on_commit(send, robust=True)


def account_saved(
    sender: object, instance: User, created: bool, update_fields: frozenset | None, **kwargs: object
) -> None:
    if created or (update_fields is not None and not ACCESS_FIELDS & set(update_fields)):
        return  # e.g. last_login at every sign-in: nothing about access
    recheck_after_commit(instance.pk)


def account_deleted(sender: object, instance: User, **kwargs: object) -> None:
    recheck_after_commit(instance.pk)


def membership_saved(sender: object, instance: Membership, created: bool, **kwargs: object) -> None:
    # teams.services sends membership_ended itself; this catches the admin and anything else that saves.
    if instance.left_at is not None:
        recheck_after_commit(instance.student_id, instance.team_id)


def membership_deleted(sender: object, instance: Membership, **kwargs: object) -> None:
    recheck_after_commit(instance.student_id, instance.team_id)


def supervision_saved(sender: object, instance: SupervisionAssignment, created: bool, **kwargs: object) -> None:
    if not created:  # moved to another team or student: the team it had is unknown here
        recheck_after_commit(instance.supervisor_id)


def supervision_deleted(sender: object, instance: SupervisionAssignment, **kwargs: object) -> None:
    if instance.team_id is not None:
        recheck_after_commit(instance.supervisor_id, instance.team_id)


def connect() -> None:
    membership_ended.connect(close_sockets_of_former_member, dispatch_uid="chat-membership-ended")
    user_logged_out.connect(close_sockets_of_logged_out_session, dispatch_uid="chat-user-logged-out")
    post_save.connect(account_saved, sender=User, dispatch_uid="chat-account-saved")
    post_delete.connect(account_deleted, sender=User, dispatch_uid="chat-account-deleted")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid="chat-membership-saved")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid="chat-membership-deleted")
    post_save.connect(supervision_saved, sender=SupervisionAssignment, dispatch_uid="chat-supervision-saved")
    post_delete.connect(supervision_deleted, sender=SupervisionAssignment, dispatch_uid="chat-supervision-deleted")
