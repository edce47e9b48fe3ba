"""Writes about how a person signs in: the password, the sessions, the second factor (docs/second-factor.md).

A password change ends every other session of the person (ASVS 3.3.3): their sessions are found
through ``UserSession``, written at every sign-in (``wijklab.account_receivers``), not by decoding
every session there is. The chat's sockets of those sessions close by themselves: the password's
save asks them to check their access again (teams.chat.receivers), and a session that is gone, or
signed in with the old password, no longer reads the chat.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from wijklab.account_selectors import sign_in_locked_out, unconfirmed_device
from wijklab.audit_services import audit_record
from wijklab.models import ApiToken, AuditKind, User, UserSession

# What the app is called in the person's list of devices (django-otp wants a name).
DEVICE_NAME = "Authenticator-app"


# --- sessions -------------------------------------------------------------------------------


def session_signed_in(*, user: User, session_key: str) -> None:
    """Remember that ``session_key`` is signed in as ``user``; forget that person's expired sessions."""
    now = timezone.now()
    UserSession.objects.filter(user=user).exclude(
        session_key__in=Session.objects.filter(expire_date__gt=now).values("session_key")
    ).exclude(session_key=session_key).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user, "created_at": now})


def session_signed_out(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_others(*, user: User, keep_session_key: str | None) -> int:
    """End every session of ``user`` but ``keep_session_key``; returns how many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    others = UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
    keys = list(others.values_list("session_key", flat=True))
    for key in keys:
        # The engine's own delete: the cached copy goes with the database row (wijklab.sessions).
        store(key).delete(key)
    others.delete()
    if keep_session_key:
        UserSession.objects.update_or_create(session_key=keep_session_key, defaults={"user": user})
    return len(keys)


# Unix seconds, in the session: when the person signed in, and when the session was last renewed.
SESSION_STARTED = "wijklab_signed_in_at"
SESSION_RENEWED = "wijklab_renewed_at"
# A session is renewed (written, its cookie sent again) at most once a minute, not on every request:
# the idle timeout is then exact to within a minute and a page with polling writes no session per poll.
RENEW_AFTER = 60


def _expire_with_the_browser(session: SessionBase) -> None:
    """The cookie lives as long as the browser (no expiry date of its own); the stored session expires
    ``SESSION_COOKIE_AGE`` (the idle time) after its last save, and ``session_timed_out`` enforces
    both limits. A cookie with its own expiry date was renewed by page answers only, so after a chat
    longer than the idle time (which renews the session through the socket) the next page asked to
    sign in again. Marks the session modified: it is saved, with a new expiry date."""
    session.set_expiry(0)


def session_started(session: SessionBase, *, now: int) -> None:
    """A sign-in starts the absolute limit afresh (signing in again keeps the session's data)."""
    session[SESSION_STARTED] = now
    session[SESSION_RENEWED] = now
    _expire_with_the_browser(session)


def session_timed_out(session: SessionBase, *, now: int) -> bool:
    """Idle for longer than ``SESSION_IDLE_TIMEOUT``, or signed in longer than ``SESSION_ABSOLUTE_TIMEOUT`` ago."""
    started = session.setdefault(SESSION_STARTED, now)
    renewed = session.get(SESSION_RENEWED, now)
    return now - renewed > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT


def session_keep_alive(session: SessionBase, *, now: int) -> bool:
    """The person did something: the idle time starts again (marks the session modified, at most
    once a minute). Returns whether it was renewed. Not past the absolute limit, which no activity moves."""
    if now - session.get(SESSION_RENEWED, now) < RENEW_AFTER and SESSION_RENEWED in session:
        return False
    session[SESSION_RENEWED] = now
    _expire_with_the_browser(session)
    return True


def session_keep_alive_by_key(*, session_key: str, user_id: int) -> bool:
    """``session_keep_alive`` for a session that no request carries: a chat socket's, while its person
    chats (a socket sends no cookie back, and a conversation is activity as much as a page is).

    Only a session that still exists, still signs in ``user_id`` and is within its limits; saved
    as an update, so a session ended meanwhile (signed out, a password change) is never written
    back into existence.
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(session.get(SESSION_KEY)) != str(user_id):
        return False
    now = int(timezone.now().timestamp())
    if session_timed_out(session, now=now) or not session_keep_alive(session, now=now):
        return False
    try:
        session.save()
    except UpdateError:  # ended between reading and writing it
        return False
    return True


# --- the password -----------------------------------------------------------------------------


def validate_new_password(password: str, user: User | None) -> None:
    """The project's password rules (``AUTH_PASSWORD_VALIDATORS``), in our words: Django's Dutch
    lacks the length rule's message (it answers in English), so ours replaces it, same code."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError([_in_our_words(problem) for problem in error.error_list]) from None


def _in_our_words(problem: ValidationError) -> ValidationError:
    if problem.code == "password_too_short":
        return ValidationError(
            _("Dit wachtwoord is te kort: gebruik minstens %(min_length)d tekens."),
            code=problem.code,
            params=problem.params,
        )
    return problem


@transaction.atomic
def password_change(*, user: User, new_password: str, revoke_api_tokens: bool = False) -> int:
    """Set a new password (already validated by the form) and record it; with ``revoke_api_tokens``
    the person's API tokens go too (a token works apart from the password: whoever knew the old
    password may have made one). Returns the number of tokens revoked.

    The caller keeps its own session signed in (``update_session_auth_hash``) and then ends the
    others (``sessions_end_others``): only the request knows which session is its own.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked = ApiToken.objects.filter(user=user).delete()[0] if revoke_api_tokens else 0
    audit_record(
        kind=AuditKind.PASSWORD_CHANGED,
        actor=user,
        subject=user,
        object_type="user",
        object_id=user.pk,
        description=(
            _("Wachtwoord gewijzigd; de andere sessies zijn beëindigd en %(count)s API-token(s) ingetrokken.")
            if revoked
            else _("Wachtwoord gewijzigd; de andere sessies zijn beëindigd.")
        ),
        params={"count": revoked} if revoked else None,
    )
    return revoked


# --- the second factor ------------------------------------------------------------------------


@transaction.atomic
def second_factor_start(*, user: User) -> TOTPDevice:
    """A new secret for an authenticator app, not yet in use: the first correct code confirms it."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def second_factor_confirm(*, user: User, token: str) -> TOTPDevice | None:
    """Turn the app being set up on when ``token`` is its current code; None (nothing changed) otherwise."""
    device = unconfirmed_device(user)
    if device is None or not device.verify_token(token):
        return None
    # One app at a time: a new one replaces the old.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        kind=AuditKind.SECOND_FACTOR,
        actor=user,
        subject=user,
        object_type="user",
        object_id=user.pk,
        description=_("Tweestapsverificatie aangezet."),
    )
    return device


@transaction.atomic
def second_factor_disable(*, user: User) -> None:
    """Turn the second factor off (the page has asked for the password first)."""
    deleted, _counts = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            kind=AuditKind.SECOND_FACTOR,
            actor=user,
            subject=user,
            object_type="user",
            object_id=user.pk,
            description=_("Tweestapsverificatie uitgezet."),
        )


class CodeCheck:
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def second_factor_sign_in(request: HttpRequest, *, user: User, device: TOTPDevice, token: str) -> str:
    """Check the code of the sign-in's second step (``CodeCheck``).

    A wrong code is a failed sign-in like a wrong password: django-axes counts it (and locks the
    username and address out at ``LOGIN_FAILURE_LIMIT``; the request is then marked and answered
    with the lockout page) and the audit log records it. A locked-out sign-in is not checked at all.
    """
    credentials = {"username": user.get_username()}
    if sign_in_locked_out(request, user.get_username()):
        request.axes_locked_out = True  # the lockout page answers (axes.middleware.AxesMiddleware)
        request.axes_credentials = credentials
        return CodeCheck.LOCKED
    token = "".join(token.split())
    if token.isdigit() and len(token) == device.digits and device.verify_token(token):
        return CodeCheck.OK
    if not (token.isdigit() and len(token) == device.digits):
        # Not a code at all: still a try, so the app's throttle counts it too.
        device.throttle_increment(commit=True)
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return CodeCheck.WRONG
