"""Reads for the team chat: who may read it, history pages, unread counts, who reads along.

Who may read a team's chat is written once, in ``_READ_LINKS``: the API, the pages,
the consumer and the tasks all ask it, through ``access_chat_team_by_id`` (a team by
id, 404 otherwise), ``teams_with_chat_for`` (a person's chats), ``may_read_chat``
and ``chat_reader_users`` (the people of one chat). Everything else here starts
from a team the caller may read or from the user.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import reduce
from hashlib import sha256
from importlib import import_module
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assignments.models import Assignment
from teams.models import Attachment, Membership, Message, ReadMarker, SupervisionAssignment, Team
from wijklab.errors import REDIS_UNREACHABLE as CACHE_UNREACHABLE
from wijklab.ids import is_id
from wijklab.models import Role, User
from wijklab.names import name_key
from wijklab.text import render_chat

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def chat_messages(*, team: Team) -> QuerySet[Message]:
    """A team's messages with what rendering them needs, in a constant number of queries."""
    return (
        Message.objects.filter(team_id=team.pk)
        .select_related("author", "hidden_by")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("id")
    )


def messages_after(*, team: Team, after: int = 0, limit: int = PAGE_SIZE) -> list[Message]:
    """Messages with an id above ``after``, oldest first (catch-up after a gap)."""
    return list(chat_messages(team=team).filter(id__gt=after)[:limit])


def messages_before(*, team: Team, before: int | None = None, limit: int = PAGE_SIZE) -> list[Message]:
    """The ``limit`` messages just below ``before`` (or the latest ones), returned oldest first."""
    qs = chat_messages(team=team).order_by("-id")
    if before is not None:
        qs = qs.filter(id__lt=before)
    return list(reversed(qs[:limit]))


def message_in_team(*, team: Team, message_id: object) -> Message:
    """A message of this team, or 404 exactly as if it did not exist."""
    try:
        if not is_id(message_id):
            raise Message.DoesNotExist
        return chat_messages(team=team).get(pk=message_id)
    except Message.DoesNotExist:
        raise Http404("Bericht niet gevonden.") from None


def attachment_in_team(*, team: Team, attachment_id: object) -> Attachment:
    """A downloadable attachment of this team; gone with its message when that was deleted or hidden."""
    try:
        return Attachment.objects.select_related("message").get(
            pk=int(attachment_id),  # type: ignore[arg-type]
            message__team_id=team.pk,
            message__deleted_at__isnull=True,
            message__hidden_at__isnull=True,
        )
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("Bijlage niet gevonden.") from None


# Who may read a team's chat, per role: on ``Team``, the teams tied to a person (``person``:
# their id; ``organisation``: their organisation's id). Members who have not left, the
# team's supervisors, and the contacts of the assignment's organisation. Coordinators see
# teams, not chats: the chat belongs to the people in it.
_READ_LINKS = {
    Role.STUDENT: lambda person, organisation: Q(memberships__student=person, memberships__left_at__isnull=True),
    Role.SUPERVISOR: lambda person, organisation: Q(supervision_assignments__supervisor=person),
    Role.ORGANISATION: lambda person, organisation: Q(assignment__organisation_id=organisation),
}
# The roles that have a chat at all (the pages' navigation shows "Chat" to them).
CHAT_READER_ROLES = tuple(_READ_LINKS)


def _chat_reader_condition(user: User) -> Q | None:
    """On ``Team``: the teams whose chat ``user`` may read; None for nobody's."""
    if not user.is_authenticated or user.role not in _READ_LINKS:
        return None
    if user.role == Role.ORGANISATION and user.organisation_id is None:
        return None
    return _READ_LINKS[user.role](user.pk, user.organisation_id)


def teams_with_chat_for(*, user: User) -> QuerySet[Team]:
    """Every team whose chat ``user`` may read."""
    condition = _chat_reader_condition(user)
    if condition is None:
        return Team.objects.none()
    return Team.objects.filter(pk__in=Team.objects.filter(condition).values("pk"))


def may_read_chat(*, user: User, team: Team) -> bool:
    """Whether ``user`` may (still) read ``team``'s chat; one query."""
    condition = _chat_reader_condition(user)
    return condition is not None and Team.objects.filter(condition, pk=team.pk).exists()


def chat_reader_users(*, team: Team) -> QuerySet[User]:
    """Everyone who may read ``team``'s chat, in one query: the same links, each person asked
    the one of their role (``EXISTS`` the team among the teams tied to them)."""
    readers = [
        Q(role=role) & Exists(Team.objects.filter(link(OuterRef("pk"), OuterRef("organisation_id")), pk=team.pk))
        for role, link in _READ_LINKS.items()
    ]
    return User.objects.filter(reduce(or_, readers))


def access_chat_team_by_id(
    *, user: User, team_id: object, related: tuple[str, ...] = ("assignment__organisation",)
) -> Team:
    """The team if ``user`` may read its chat; otherwise 404, exactly as if it did not exist.

    One query, a plain join on the team's id (no subquery: this runs for every
    socket handshake, and building the subquery cost more than the query). The
    join can repeat the team (a supervisor assigned twice): one row is taken,
    without the model's ordering (all rows are the same team, and compiling
    the ordering's joins was a third of the query's cost). The socket asks for
    no ``related`` rows: it needs the team alone, and every column and join
    costs there, once per handshake.
    """
    condition = _chat_reader_condition(user)
    team = None
    if condition is not None and is_id(team_id):
        qs = Team.objects.filter(condition, pk=team_id).order_by()
        if related:
            qs = qs.select_related(*related)
        team = next(iter(qs[:1]), None)
    if team is None:
        raise Http404("Team niet gevonden.")
    return team


# ``_READ_LINKS`` as one SQL condition per role, for the chat socket's every action: it rides
# along in the statement the action runs anyway (the message INSERT) or is one short query,
# where building the ORM's query cost more than the query itself (docs/benchmarks.md).
# Also false once the account is deactivated or its role changed. Kept equal to
# ``_READ_LINKS`` by tests/teams/chat/test_access.py. Parameters: user id, True, role, team id.
_USER = User._meta.db_table
_READER_LINK_SQL = {
    Role.STUDENT: (
        f"EXISTS (SELECT 1 FROM {Membership._meta.db_table} m "  # noqa: S608 - our own tables
        "WHERE m.team_id = %s AND m.student_id = u.id AND m.left_at IS NULL)"
    ),
    Role.SUPERVISOR: (
        f"EXISTS (SELECT 1 FROM {SupervisionAssignment._meta.db_table} s "  # noqa: S608
        "WHERE s.team_id = %s AND s.supervisor_id = u.id)"
    ),
    Role.ORGANISATION: (
        f"EXISTS (SELECT 1 FROM {Team._meta.db_table} t JOIN {Assignment._meta.db_table} a "  # noqa: S608
        "ON a.id = t.assignment_id WHERE t.id = %s AND a.organisation_id = u.organisation_id)"
    ),
}
_READER_SQL = {
    role: f"EXISTS (SELECT 1 FROM {_USER} u WHERE u.id = %s AND u.is_active = %s AND u.role = %s AND {link})"  # noqa: S608
    for role, link in _READER_LINK_SQL.items()
}


def chat_reader_sql(*, user: User, team_id: int) -> tuple[str, list]:
    """An SQL condition, true while ``user`` (active, in the role they had) may read the team's chat."""
    sql = _READER_SQL.get(user.role)
    if sql is None:
        return "1 = 0", []
    return sql, [user.pk, True, user.role, team_id]


def still_reads_chat(*, user: User, team_id: int) -> bool:
    """Whether ``user`` may still read the chat, account active and role unchanged: one short query."""
    sql, params = chat_reader_sql(user=user, team_id=team_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 WHERE {sql}", params)
        return cursor.fetchone() is not None


def access_chat_team_for_socket(*, user: User, team_id: object, session_key: str | None) -> tuple[Team, object]:
    """``access_chat_team_by_id`` for the socket's handshake, with the session's expiry from the same query.

    The expiry (None when the session engine keeps none in the database) lets the
    socket close when its session runs out, without another query for it.
    """
    condition = _chat_reader_condition(user)
    team = None
    if condition is not None and is_id(team_id):
        qs = Team.objects.filter(condition, pk=team_id).order_by()
        session_table = _session_table()
        if session_table and session_key:
            qs = qs.extra(  # noqa: S610 - a fixed subquery with a bound parameter
                select={"session_expires": f"SELECT expire_date FROM {session_table} WHERE session_key = %s"},  # noqa: S608
                select_params=[session_key],
            )
        team = next(iter(qs[:1]), None)
    if team is None:
        raise Http404("Team niet gevonden.")
    expires = getattr(team, "session_expires", None)
    if isinstance(expires, str):  # SQLite returns the extra column as text
        expires = parse_datetime(expires)
    if expires is not None and timezone.is_naive(expires):
        expires = timezone.make_aware(expires, dt.UTC)
    return team, expires


def _session_table() -> str | None:
    """The session table when the session engine keeps sessions in the database (db, cached_db)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model_class = getattr(store, "get_model_class", None)
    return model_class()._meta.db_table if model_class else None


def rekey_cache_key(session_key: str) -> str:
    # A fingerprint, not the key itself, names the entry (as services.session_fingerprint).
    return "chat:rekey:" + sha256(f"chat:{session_key}".encode()).hexdigest()[:32]


def rekeyed_session(session_key: str) -> str | None:
    """The key a signed-in session moved to (``cycle_key``, e.g. on a password change), if it did lately."""
    try:
        return cache.get(rekey_cache_key(session_key))
    except CACHE_UNREACHABLE:
        logger.warning("chat: session move not read, the cache is unreachable")
        return None


def session_expiry(*, session_key: str) -> object:
    """When the session runs out, from the database; None when unknown (or gone)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model_class = getattr(store, "get_model_class", None)
    if model_class is None:
        return None
    return model_class().objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()


def chat_overview(*, user: User) -> QuerySet[Team]:
    """The user's chats with ``unread`` and ``last_message_id``, newest activity first: one query.

    Both per team, as subqueries: the newest message by the index on (team, id), the unread ones
    from the team's read marker on. Counted over a join of every message instead, the read marker
    was looked up again for each message (a docent's home: 4,200 lookups for 21 teams).
    """
    last_read = Coalesce(
        Subquery(
            ReadMarker.objects.filter(team_id=OuterRef(OuterRef("pk")), user_id=user.pk).values("last_read_id")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )
    unread = (
        Message.objects.filter(team_id=OuterRef("pk"), id__gt=last_read)
        .filter(deleted_at__isnull=True, hidden_at__isnull=True)
        .exclude(author_id=user.pk)
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    newest = Message.objects.filter(team_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    return (
        teams_with_chat_for(user=user)
        .select_related("assignment")
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            last_message_id=Subquery(newest, output_field=IntegerField()),
        )
        .order_by(Coalesce("last_message_id", Value(0)).desc(), "name", "id")
    )


def read_marker_for(*, user: User, team: Team) -> int:
    marker = ReadMarker.objects.filter(user_id=user.pk, team_id=team.pk).values_list("last_read_id", flat=True).first()
    return marker or 0


def presence_is_shown(*, user: User) -> bool:
    """Supervisors read along without showing up as online or typing."""
    return user.role != Role.SUPERVISOR


def may_hide_messages(*, user: User) -> bool:
    """Supervisors may hide a message of a chat they read (with a reason, on record)."""
    return user.role == Role.SUPERVISOR


def may_see_revisions(*, user: User, message: Message) -> bool:
    """A message's earlier wordings: for its author and the supervisors who read the chat."""
    return message.author_id == user.pk or user.role == Role.SUPERVISOR


@dataclass(frozen=True)
class Reader:
    id: int
    display_name: str
    group: str  # "team", "supervisor" or "organisation"
    shows_presence: bool


def chat_readers(*, team: Team) -> list[Reader]:
    """Everyone who can read the chat, for the chat header: team first, then supervisors, then the organisation.

    Only names and the reason they read along: no niveau (organisation
    contacts read this header too).
    """
    member_ids = set(
        team.memberships.filter(left_at__isnull=True).values_list("student_id", flat=True)  # type: ignore[attr-defined]
    )
    order = {"team": 0, "organisation": 1, "supervisor": 2}
    readers = []
    for user in chat_reader_users(team=team).only("id", "display_name", "first_name", "last_name", "username", "role"):
        if user.pk in member_ids:
            group = "team"
        elif user.role == Role.SUPERVISOR:
            group = "supervisor"
        else:
            group = "organisation"
        readers.append(
            Reader(
                id=user.pk,
                display_name=user.get_display_name(),
                group=group,
                shows_presence=presence_is_shown(user=user),
            )
        )
    readers.sort(key=lambda r: (order[r.group], name_key(r.display_name)))
    return readers


# The list of people whose presence shows in a chat. Building it is the costliest part of
# a socket's handshake, so it lives long: a member who leaves clears it
# (services), a reader who is not on it yet refreshes it when they connect, and
# every chat page view writes it afresh; only a new display name can wait this long.
PRESENCE_LIST_TTL = 600


def presence_list_key(team_id: int) -> str:
    return f"chat:shown:{team_id}"


def presence_list(*, team: Team, readers: list[Reader] | None = None, refresh: bool = False) -> list[dict]:
    """The chat's readers whose presence shows (``id``, ``display_name``), from the cache when it has them.

    The chat page passes the ``readers`` it has just built for its header: then the
    list is stored from those, and the page's socket, connecting next, finds it.
    """
    key = presence_list_key(team.pk)
    shown = None
    if not refresh and readers is None:
        try:
            shown = cache.get(key)
        except CACHE_UNREACHABLE:
            logger.warning("chat: presence list not read, the cache is unreachable")
    if shown is None:
        shown = [
            {"id": r.id, "display_name": r.display_name}
            for r in (chat_readers(team=team) if readers is None else readers)
            if r.shows_presence
        ]
        try:
            cache.set(key, shown, timeout=PRESENCE_LIST_TTL)
        except CACHE_UNREACHABLE:
            # Only a shortcut for the next handshake: the page works without it (Redis down).
            logger.warning("chat: presence list not stored, the cache is unreachable")
    return shown


def mention_candidates(*, team: Team, exclude_user_id: int | None = None) -> list[User]:
    qs = chat_reader_users(team=team).only("id", "display_name", "first_name", "last_name", "username", "email")
    if exclude_user_id is not None:
        qs = qs.exclude(pk=exclude_user_id)
    return list(qs)


# --- the wire format (docs/chat-protocol.md) -----------------------------------------


def attachment_url(attachment: Attachment, *, team_id: int) -> str:
    return reverse("api-chat-attachment", kwargs={"team_id": team_id, "attachment_id": attachment.pk})


def websocket_path(*, team_id: int) -> str:
    return f"/ws/teams/{team_id}/chat/"


def is_gone(message: Message) -> bool:
    """Deleted or hidden: the message keeps its place and id, never its body or files on a screen."""
    return message.deleted_at is not None or message.hidden_at is not None


def attachment_data(attachment: Attachment, *, team_id: int) -> dict:
    url = attachment_url(attachment, team_id=team_id)
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "name": attachment.original_name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": url,
        "thumbnail_url": f"{url}?thumbnail=1" if attachment.thumbnail else None,
        "width": attachment.width,
        "height": attachment.height,
    }


def message_data(message: Message, *, event: str = "message") -> dict:
    """A message as it goes over the websocket (and into the chat page's first render).

    A plain dict, not the API's ``MessageSerializer``: this runs for every message the
    socket sends, where a serializer's per-field machinery would cost (bench/chat.py);
    tests/teams/chat/test_api.py holds the two to the same keys and values. Deleted and
    hidden messages keep their place and id but lose their body and files: the text
    stays in the database (with its revisions) for accountability, never on a screen.
    """
    gone = is_gone(message)
    hidden = None
    if message.hidden_at is not None:
        hidden = {
            "by": message.hidden_by.get_display_name() if message.hidden_by else "",
            "reason": message.hidden_reason,
            "at": message.hidden_at.isoformat(),
        }
    return {
        "type": event,
        "id": message.pk,
        "team": message.team_id,
        "author": {"id": message.author_id, "display_name": message.author.get_display_name()},
        "body": "" if gone else message.body,
        "html": "" if gone else str(render_chat(message.body)),
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
        "hidden": hidden,
        "attachments": [] if gone else [attachment_data(a, team_id=message.team_id) for a in message.attachments.all()],
    }
