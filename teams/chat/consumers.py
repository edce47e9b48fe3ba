"""The team chat over WebSocket: ``/ws/teams/{id}/chat/``, frame by frame in docs/chat-protocol.md.

One consumer per open socket. Access is decided at the handshake: anyone who
may not read the chat is accepted and closed at once with 4403 (a browser sees
no close code for a refused handshake) and never sees a byte. Access is checked
again at every action the socket takes (the message INSERT itself checks
readership), when something elsewhere may have ended it (``chat_revoke``: a
membership or supervision ended, a password changed, an account deactivated,
a sign-out), when the session runs out, and every ``ACCESS_RECHECK_SECONDS``
for anything no signal announces; a socket that lost access closes with 4403.
Messages are stored (``services.message_post``) and only then sent to
the team's group; clients that missed events ask for them with ``sync``.

Beyond the contract the socket carries ``edit``/``delete``/``hide`` (answered
with ``message_updated`` to everyone), ``read`` (the read marker), ``typing``
and ``ping``, and the server sends ``presence`` (who is online).
Supervisors read along silently: no presence, no typing.
"""

import asyncio
import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.core.cache import cache
from django.http import Http404
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from teams.chat import services
from teams.chat.db import db
from teams.chat.selectors import (
    access_chat_team_for_socket,
    message_data,
    message_in_team,
    messages_after,
    presence_is_shown,
    presence_list,
    rekeyed_session,
    session_expiry,
    still_reads_chat,
)
from teams.models import Team
from wijklab.account_selectors import second_factor_outstanding
from wijklab.account_services import RENEW_AFTER, session_keep_alive_by_key
from wijklab.errors import REDIS_UNREACHABLE
from wijklab.ids import MAX_ID
from wijklab.models import User

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
# "Try again later" (RFC 6455): the server cannot serve sockets now (Redis unreachable).
CLOSE_UNAVAILABLE = 1013
SYNC_BATCH = 200
TYPING_EVERY_SECONDS = 2.0
# A socket that stops pinging (the client pings every 25 s) drops off the online list after this.
PRESENCE_TTL = 75
MAX_FRAME_CHARS = 64_000
# A socket asks again whether its person may still read this often (with some jitter), for
# changes no signal announces (a bulk update, a deleted team). Known losses close at once.
ACCESS_RECHECK_SECONDS = settings.CHAT_ACCESS_RECHECK_SECONDS
# Frames a browser sends by itself, not because its person did something: they keep no session alive.
_NOT_ACTIVITY = frozenset({"ping", "sync"})
# Checked a little after the session's expiry, so the session has surely run out by then.
EXPIRY_MARGIN_SECONDS = 0.5
RETRY_CHECK_SECONDS = 5.0


def _presence_key(team_id: int, user_id: int) -> str:
    return f"chat:online:{team_id}:{user_id}"


def _language(scope: dict) -> str:
    """The interface language for error texts: the language cookie, then Accept-Language, then Dutch."""
    supported = {code for code, _name in settings.LANGUAGES}
    cookie = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in supported:
        return cookie
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            from django.utils.translation.trans_real import parse_accept_lang_header

            for code, _q in parse_accept_lang_header(value.decode("latin1")):
                base = code.split("-")[0].lower()
                if base in supported:
                    return base
    return settings.LANGUAGE_CODE


# --- the database side (runs in the database thread) ----------------------


def _open(user: Any, team_id: int, session: Any) -> tuple[Team, list[dict], list[dict], bool, Any] | None:
    """The team, the people whose presence shows, who is online, whether this user just came online,
    and when the session runs out.

    None when the user may not read the chat. One hop to a database thread for
    the whole handshake: the log-in (``user`` is lazy), the access check (with
    the session's expiry in the same query) and presence.
    """
    if user is None or not user.is_authenticated:
        return None
    # Pages and the API send such a person to set up their second factor; the socket refuses them.
    if second_factor_outstanding(user, session):
        return None
    session_key = getattr(session, "session_key", None)
    try:
        team, expires = access_chat_team_for_socket(user=user, team_id=team_id, session_key=session_key)
    except Http404:
        return None
    shown = presence_list(team=team)
    if not presence_is_shown(user=user):
        return team, shown, _online(team.pk, shown), False, expires
    if all(person["id"] != user.pk for person in shown):
        # Joined the team after the list was cached: refresh it.
        shown = presence_list(team=team, refresh=True)
    came_online, online = _arrive(team.pk, user.pk, shown)
    return team, shown, online, came_online, expires


def _arrive(team_id: int, user_id: int, shown: list[dict]) -> tuple[bool, list[dict]]:
    """Count this socket in and read who is online; True when the user just came online.

    Most people have one socket per team: then the add is all it takes to count it.
    """
    key = _presence_key(team_id, user_id)
    keys = {_presence_key(team_id, person["id"]): person for person in shown}
    added = cache.add(key, 1, timeout=PRESENCE_TTL)
    counts = cache.get_many(list(keys))
    came_online = True if added else _another_socket(key)
    return came_online, [person for k, person in keys.items() if k == key or (counts.get(k) or 0) > 0]


def _another_socket(key: str) -> bool:
    try:
        count = cache.incr(key)
    except ValueError:  # expired in between
        return cache.add(key, 1, timeout=PRESENCE_TTL)
    cache.touch(key, PRESENCE_TTL)
    return count == 1


def _presence_change(team_id: int, user_id: int, delta: int) -> bool:
    """Count this user's open sockets in the team; True when they came online or went offline."""
    key = _presence_key(team_id, user_id)
    if delta > 0:
        return cache.add(key, 1, timeout=PRESENCE_TTL) or _another_socket(key)
    try:
        count = cache.decr(key)
    except ValueError:
        return True
    if count <= 0:
        cache.delete(key)
        return True
    return False


def _online(team_id: int, shown: list[dict]) -> list[dict]:
    keys = {_presence_key(team_id, person["id"]): person for person in shown}
    counts = cache.get_many(list(keys))
    return [person for key, person in keys.items() if (counts.get(key) or 0) > 0]


def _leave(team_id: int, user_id: int) -> bool:
    return _presence_change(team_id, user_id, -1)


# One pending presence announcement per team and process: a page load on five
# phones, or a reconnect storm after a network blip, makes one event per
# second per team instead of one per socket per member.
PRESENCE_COALESCE_SECONDS = 1.0


class _Announcement:
    """A team's pending presence announcement in this process."""

    def __init__(self, shown: list[dict]) -> None:
        self.shown = shown
        self.reading = False  # it has read who is online: a later change needs another round
        self.again = False
        self.task: asyncio.Task | None = None


_announcements: dict[tuple[int, int], _Announcement] = {}


def _announce_presence_soon(layer: Any, team_id: int, shown: list[dict]) -> None:
    key = (id(asyncio.get_running_loop()), team_id)
    pending = _announcements.get(key)
    if pending is not None:
        pending.shown = shown
        if pending.reading:
            # It read who is online before this change: it announces once more afterwards,
            # or the others would not hear of this person until the next change.
            pending.again = True
        return
    state = _announcements[key] = _Announcement(shown)

    async def announce() -> None:
        try:
            while True:
                await asyncio.sleep(PRESENCE_COALESCE_SECONDS)
                state.reading, state.again = True, False
                online = await db(_online)(team_id, state.shown)
                await layer.group_send(
                    services.team_group(team_id), services.event_message({"type": "presence", "online": online})
                )
                if not state.again:
                    break
                state.reading = False
        except Exception:
            logger.exception("chat: presence announcement for team %s failed", team_id)
        finally:
            _announcements.pop(key, None)

    state.task = asyncio.create_task(announce())


def _touch(team_id: int, user_id: int) -> None:
    if not cache.touch(_presence_key(team_id, user_id), PRESENCE_TTL):
        # The key expired while the socket lived (a very long pause): count it again.
        _presence_change(team_id, user_id, +1)


def _session_user(session_key: str) -> User | None:
    """The person a session is signed in as, checked as Django checks it on a request: the session
    still exists and has not run out, the account is active, the password is unchanged since."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user_id = session.get(SESSION_KEY)
    backend_path = session.get(BACKEND_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(User._meta.pk.to_python(user_id))
    if user is None:  # gone or deactivated (the backend refuses inactive accounts)
        return None
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None  # the password changed since this session signed in
    return user


def _recheck(session_key: str | None, user_id: int, team_id: int) -> tuple[User, str, Any] | None:
    """The person, their session key and its expiry while they may still read the chat; None once not.

    A session whose key changed while it stayed signed in (a password change
    keeps the current session under a new key) is followed to its new key.
    """
    if not session_key:
        return None
    user = _session_user(session_key)
    if user is None:
        moved = rekeyed_session(session_key)
        if moved:
            session_key, user = moved, _session_user(moved)
    if user is None or user.pk != user_id or not still_reads_chat(user=user, team_id=team_id):
        return None
    expires = session_expiry(session_key=session_key)
    # The database row is the truth: a cached-db session's copy in the cache can outlive its expiry.
    if expires is not None and expires <= timezone.now():
        return None
    return user, session_key, expires


def _post(team: Team, user: User, body: object, client_id: object) -> dict:
    message, _created = services.message_post(team=team, author=user, body=body, client_id=client_id, announce=False)
    return message_data(message)


def _batch_after(team: Team, after: int, user: User | None = None) -> list[tuple[int, str]]:
    if user is not None:  # the first batch of a sync: may they still read?
        services.ensure_still_reader(user=user, team_id=team.pk)
    return [
        (m.pk, json.dumps(message_data(m), separators=(",", ":")))
        for m in messages_after(team=team, after=after, limit=SYNC_BATCH)
    ]


def _change(team: Team, user: User, message_id: object, action: Callable[..., Any], **kwargs: Any) -> dict:
    services.ensure_still_reader(user=user, team_id=team.pk)
    message = message_in_team(team=team, message_id=message_id)
    return message_data(action(message=message, by=user, announce=False, **kwargs), event="message_updated")


def _read(team: Team, user: User, last_id: object) -> None:
    services.ensure_still_reader(user=user, team_id=team.pk)
    services.read_marker_advance(user=user, team=team, last_read_id=last_id)


class _AccessLost(Exception):
    """The socket's person may no longer read the chat: close with 4403."""


class TeamChatConsumer(AsyncJsonWebsocketConsumer):
    team: Team
    user: User
    shown: list[dict]
    silent: bool
    language: str
    session_key: str | None
    session_fp: str | None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # Redis unreachable (the channel layer's subscription before connect(), presence or the group
        # joins in it, a publish later): close with "try again later" instead of an error. The page's
        # client then reads and sends over the REST API until a socket opens (frontend/static/chat/chat.js).
        try:
            await super().__call__(scope, receive, send)
        except REDIS_UNREACHABLE as exc:
            logger.warning("chat: socket refused, Redis unreachable: %s", exc)
            await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

    async def dispatch(self, message: dict) -> None:
        # Channels runs close_old_connections() on Django's one sync thread before
        # every handler, i.e. a thread hop for each event delivered to each socket
        # (bench/chat.py: most of the server's time at 1,000 deliveries/s). All our
        # database work goes through db(), which closes old connections itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.team = None  # type: ignore[assignment]
        self.closing = False
        self.watch: asyncio.Task | None = None
        user = self.scope.get("user")
        try:
            team_id = int(self.scope["url_route"]["kwargs"]["team_id"])
        except (KeyError, TypeError, ValueError):
            await self._refuse()
            return
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        opened = await db(_open)(user, team_id, session)
        if opened is None:
            await self._refuse()
            return
        self.team, self.shown, online, came_online, expires = opened
        # Django's lazy user, loaded by _open: deliveries never read it, only the socket's own frames.
        self.user = user
        self.silent = not presence_is_shown(user=user)
        self.language = _language(self.scope)
        self.session_fp = services.session_fingerprint(self.session_key) if self.session_key else None
        self.last_typing = 0.0
        # The page that opened the socket renewed the session a moment ago.
        self.kept_alive_at = time.monotonic()
        self.team_group = services.team_group(self.team.pk)
        await self.channel_layer.group_add(self.team_group, self.channel_name)
        await self.channel_layer.group_add(services.user_group(self.user.pk), self.channel_name)
        await self.accept()
        await self.send_json({"type": "presence", "online": online})
        if came_online:
            _announce_presence_soon(self.channel_layer, self.team.pk, self.shown)
        self._watch_from(expires)

    async def _refuse(self) -> None:
        # Accepted, then closed: a browser only sees a close code on a connection that opened
        # (a handshake answered with HTTP 403 is a bare network error). Nothing else is sent.
        self.closing = True
        await self.accept()
        await self.close(code=CLOSE_FORBIDDEN)

    async def disconnect(self, code: int) -> None:
        if self.watch is not None:
            self.watch.cancel()
        if getattr(self, "team", None) is None:
            return
        await self.channel_layer.group_discard(self.team_group, self.channel_name)
        await self.channel_layer.group_discard(services.user_group(self.user.pk), self.channel_name)
        if not self.silent and await db(_leave)(self.team.pk, self.user.pk):
            _announce_presence_soon(self.channel_layer, self.team.pk, self.shown)

    # --- access, again and again ------------------------------------------

    def _watch_from(self, expires: Any) -> None:
        """Check access again when the session runs out, or after ``ACCESS_RECHECK_SECONDS`` if sooner."""
        self.expires = expires
        delay = ACCESS_RECHECK_SECONDS * random.uniform(0.9, 1.1) if ACCESS_RECHECK_SECONDS else None  # noqa: S311
        if expires is not None:
            until_expiry = (expires - timezone.now()).total_seconds() + EXPIRY_MARGIN_SECONDS
            delay = max(until_expiry, 0) if delay is None else max(min(delay, until_expiry), 0)
        if delay is None:
            return
        previous, self.watch = self.watch, asyncio.get_running_loop().create_task(self._watch(delay))
        if previous is not None and previous is not asyncio.current_task():
            previous.cancel()

    async def _watch(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._check_access()

    async def _check_access(self) -> None:
        """Close with 4403 unless the socket's session still signs its person in and they may still read."""
        if self.closing:
            return
        try:
            checked = await db(_recheck)(self.session_key, self.user.pk, self.team.pk)
        except Exception:
            # The database or the cache away: the socket stays (it cannot read or post without the
            # database either), and the check is tried again soon.
            logger.exception("chat: access check failed, trying again")
            self.watch = asyncio.get_running_loop().create_task(self._watch(RETRY_CHECK_SECONDS))
            return
        if checked is None:
            await self._close_forbidden()
            return
        self.user, key, expires = checked
        if key != self.session_key:
            self.session_key, self.session_fp = key, services.session_fingerprint(key)
        self._watch_from(expires)

    async def _keep_session_alive(self) -> None:
        """Chatting is activity, as a page request is: the session's idle time starts again (at most
        once a minute), so a conversation longer than the idle timeout is not signed out midway."""
        now = time.monotonic()
        if not self.session_key or now - self.kept_alive_at < RENEW_AFTER:
            return
        self.kept_alive_at = now
        try:
            renewed = await db(session_keep_alive_by_key)(session_key=self.session_key, user_id=self.user.pk)
        except Exception:
            # What the person did has been done; the next frame tries again.
            logger.exception("chat: renewing the session failed")
            self.kept_alive_at = 0.0
            return
        if renewed and self.expires is not None:
            self._watch_from(timezone.now() + dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT))

    async def _close_forbidden(self) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=CLOSE_FORBIDDEN)

    # --- from the client ---------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if self.closing:
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._error("bad_request", _("Stuur één JSON-object per bericht."))
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            # RecursionError: nesting deeper than Python's stack allows ([[[[…]]]] × 5,000).
            content = None
        if not isinstance(content, dict):
            await self._error("bad_request", _("Stuur één JSON-object per bericht."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs: Any) -> None:
        kind = content.get("type")
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self._error("bad_request", _("Onbekend berichttype."))
            return
        try:
            if self.expires is not None and timezone.now() >= self.expires:
                await self._check_access()  # the session ran out: extended meanwhile, or closed
                if self.closing:
                    return
            await handler(self, content)
            if kind not in _NOT_ACTIVITY:
                await self._keep_session_alive()
        except _AccessLost:
            await self._close_forbidden()
        except services.ChatError as exc:
            if exc.code == "no_access":
                await self._close_forbidden()
                return
            client_id = content.get("client_id")
            await self._error(exc.code, exc.message, client_id=client_id if isinstance(client_id, str) else None)
        except Http404:
            await self._error("not_found", _("Bericht niet gevonden."))
        except REDIS_UNREACHABLE:
            raise
        except Exception:
            # Whatever a client sends is answered, never with a close (1011): a bug shows in the log.
            logger.exception("chat: a %s frame failed", kind)
            await self._error("server_error", _("Dat lukte niet door een fout bij ons. Probeer het opnieuw."))

    async def _db(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with translation.override(self.language):
            return await db(func)(*args, **kwargs)

    async def _error(self, code: str, detail: object, **extra: Any) -> None:
        with translation.override(getattr(self, "language", settings.LANGUAGE_CODE)):
            text = str(detail)
        await self.send_json({"type": "error", "code": code, "detail": text, **extra})

    async def _broadcast(self, event: dict) -> None:
        message = services.event_message(event)
        try:
            await self.channel_layer.group_send(self.team_group, message)
        except Exception:
            # Stored already; the layer is at-most-once anyway and clients catch up
            # with "sync". The sender at least hears back, so it stops resending.
            logger.exception("chat: group_send to %s failed", self.team_group)
            await self.send(text_data=message["text"])

    async def _on_message(self, content: dict) -> None:
        # Readership is checked by the INSERT itself (services.message_post): no extra round trip.
        event = await self._db(_post, self.team, self.user, content.get("body"), content.get("client_id"))
        # Stored and committed: now everyone may hear of it (a resend is sent again; clients skip known ids).
        await self._broadcast(event)

    async def _on_sync(self, content: dict) -> None:
        after = content.get("after", 0)
        if after is None:
            after = 0
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise services.ChatError("bad_request", _("after moet een geheel getal van 0 of meer zijn."))
        after = min(after, MAX_ID)
        checked = False
        while True:
            batch = await self._db(_batch_after, self.team, after, None if checked else self.user)
            checked = True
            for message_id, text in batch:
                await self.send(text_data=text)
                after = message_id
            if len(batch) < SYNC_BATCH:
                break
        await self.send_json({"type": "synced", "last_id": after})

    async def _on_edit(self, content: dict) -> None:
        event = await self._db(
            _change, self.team, self.user, content.get("id"), services.message_edit, body=content.get("body")
        )
        await self._broadcast(event)

    async def _on_delete(self, content: dict) -> None:
        await self._broadcast(await self._db(_change, self.team, self.user, content.get("id"), services.message_delete))

    async def _on_hide(self, content: dict) -> None:
        event = await self._db(
            _change, self.team, self.user, content.get("id"), services.message_hide, reason=content.get("reason")
        )
        await self._broadcast(event)

    async def _on_read(self, content: dict) -> None:
        await self._db(_read, self.team, self.user, content.get("last_id"))

    async def _on_typing(self, content: dict) -> None:
        now = time.monotonic()
        if self.silent or now - self.last_typing < TYPING_EVERY_SECONDS:
            return  # throttled here too: a chatty client cannot flood the team
        self.last_typing = now
        # Only a typing frame that is passed on costs the check (at most one per 2 s per socket).
        await self._db(services.ensure_still_reader, user=self.user, team_id=self.team.pk)
        await self._broadcast(
            {"type": "typing", "user": {"id": self.user.pk, "display_name": self.user.get_display_name()}}
        )

    async def _on_ping(self, content: dict) -> None:
        if not self.silent:
            await self._db(_touch, self.team.pk, self.user.pk)
        await self.send_json({"type": "pong"})

    handlers: dict[str, Callable[..., Any]] = {
        "message": _on_message,
        "sync": _on_sync,
        "edit": _on_edit,
        "delete": _on_delete,
        "hide": _on_hide,
        "read": _on_read,
        "typing": _on_typing,
        "ping": _on_ping,
    }

    # --- from the channel layer ------------------------------------------

    async def chat_event(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    async def chat_revoke(self, event: dict) -> None:
        """Something elsewhere may have ended this socket's access (services.revoke_sockets)."""
        if self.closing:
            return
        session = event.get("session")
        if session is not None:
            # A sign-out: that session's sockets close, the person's others stay.
            if session == self.session_fp:
                await self._close_forbidden()
            return
        team_id = event.get("team_id")
        if team_id is not None and team_id != self.team.pk:
            return
        await self._check_access()
