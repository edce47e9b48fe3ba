"""Mail about notifications, as each person wants it (``User.mail_preference``), in their language.

- EACH: a mail per event, as the tasks send it (``wants_mail_now``);
- DIGEST: no mail per event; one summary a day of what is still unread
  (``send_daily_digest``, run by Celery beat or ``manage.py notifications_digest``);
- NONE: never a mail about notifications; they stay in Wijklab.

Invitations and password resets are not notifications: they are always sent
and do not come through here.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from wijklab.models import MailPreference, Notification, User

# How every mail task retries a failing mail server: exponential backoff, for hours at most.
MAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}


def task_day(today: str | None) -> dt.date:
    """The day a scheduled mail task is about: the ISO date it was given (tests, reruns) or today."""
    return dt.date.fromisoformat(today) if today else timezone.localdate()


# What the first digest looks back on (later ones start where the previous one ended).
FIRST_DIGEST_LOOKBACK = dt.timedelta(days=1)
# A digest lists at most this many notifications; the rest are a click away.
DIGEST_MAX_ITEMS = 30


def mail_language(user: User) -> str:
    """The language a person's mail is written in: their own choice, else the site's."""
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user: User) -> Iterator[None]:
    with translation.override(mail_language(user)):
        yield


def wants_mail_now(user: User) -> bool:
    """A mail per event: only for people who chose EACH (and have an address)."""
    return bool(user.email) and user.is_active and user.mail_preference == MailPreference.EACH


def wants_summaries(user: User) -> bool:
    """Periodic summaries (the daily digest, a docent's weekly overview): anyone who did not choose NONE."""
    return bool(user.email) and user.is_active and user.mail_preference != MailPreference.NONE


def recipients_wanting_mail_now(users: Iterable[User]) -> list[User]:
    return [user for user in users if wants_mail_now(user)]


# --- the daily digest ---------------------------------------------------------------------


def users_due_for_digest(*, today: dt.date) -> QuerySet[User]:
    """People on DIGEST whose digest of ``today`` has not gone out yet."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        User.objects.filter(mail_preference=MailPreference.DIGEST, is_active=True)
        .exclude(email="")
        .exclude(digest_sent_at__gte=start)
        .order_by("pk")
    )


def digest_items(*, user: User, now: dt.datetime) -> QuerySet[Notification]:
    """The unread notifications since the previous digest (or the last day, the first time)."""
    since = user.digest_sent_at or (now - FIRST_DIGEST_LOOKBACK)
    return user.notifications.filter(read_at__isnull=True, created_at__gt=since, created_at__lte=now).order_by(
        "created_at", "id"
    )


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_daily_digest(*, user_id: int, today: dt.date) -> bool:
    """Mail one person their digest of unread notifications; at most once per day. True when sent.

    The user row is locked and ``digest_sent_at`` set in the same transaction
    as the send: a second run that day (or a concurrent one, which waits on
    the lock) sends nothing; a failing mail server rolls it back for the retry.
    A day without anything new sends nothing and records nothing.
    """
    from django.urls import reverse

    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(pk=user_id, mail_preference=MailPreference.DIGEST, is_active=True)
            .exclude(email="")
            .first()
        )
        if user is None or (user.digest_sent_at is not None and user.digest_sent_at >= start):
            return False
        now = timezone.now()
        items = list(digest_items(user=user, now=now)[: DIGEST_MAX_ITEMS + 1])
        if not items:
            return False
        shown = items[:DIGEST_MAX_ITEMS]
        with in_language_of(user):
            subject = ngettext(
                "Wijklab: %(count)d nieuwe melding",
                "Wijklab: %(count)d nieuwe meldingen",
                len(shown),
            ) % {"count": len(shown)}
            lines = [gettext("Hallo %(name)s,") % {"name": user.get_display_name()}, ""]
            lines.append(gettext("Dit is er nieuw voor je in Wijklab:"))
            lines.append("")
            for item in shown:
                lines.append(f"- {item.title}")
                if item.body:
                    lines.append(f"  {item.body}")
                if item.url:
                    lines.append(f"  {_site(item.url)}")
            if len(items) > len(shown):
                lines += ["", gettext("En meer: bekijk al je meldingen in Wijklab.")]
            lines += [
                "",
                gettext("Al je meldingen: %(url)s") % {"url": _site(reverse("notifications"))},
                gettext("Je krijgt deze samenvatting één keer per dag. Wijzig dit op je profiel: %(url)s")
                % {"url": _site(reverse("profile"))},
            ]
        user.digest_sent_at = now
        user.save(update_fields=["digest_sent_at"])
        EmailMessage(subject=subject, body="\n".join(lines), to=[user.email]).send()
    return True
