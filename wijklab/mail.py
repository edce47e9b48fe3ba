"""Mail about notifications, as each person wants it (``User.mail_preference``), in their language.

- EACH: a mail soon after something happens, but one mail for a burst, never one per event:
  storing notifications schedules one delayed job per person (``notification_mail_schedule``,
  ``NOTIFICATION_MAIL_DELAY`` seconds), and that job mails everything unmailed in one go
  (``send_notification_mail``). A formation published for 135 students sends each one mail.
  Feedback, a chat mention and the weekly reminder carry their own mail (idempotent on their
  own records); their notifications are stored as mailed (``notify(..., mail=False)``);
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
from django.db.models import Q, QuerySet
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


# --- the notification mail (EACH) ------------------------------------------------------------

SEND_NOTIFICATION_MAIL_TASK = "wijklab.digest_tasks.send_notification_mail"
# Older unmailed notifications are not mailed any more (a lost job, a preference changed to EACH):
# they wait in Wijklab.
NOTIFICATION_MAIL_MAX_AGE = dt.timedelta(days=2)
# One mail lists at most this many; the rest are a click away.
NOTIFICATION_MAIL_MAX_ITEMS = 30


def notification_mail_delay() -> int:
    return int(getattr(settings, "NOTIFICATION_MAIL_DELAY", 180))


def notification_mail_schedule(user_ids: Iterable[int]) -> list[int]:
    """Notifications were stored for these people: make sure a mail job waits for each who wants mail per event.

    Called inside the transaction that stored them; the jobs are enqueued after its commit. A person
    whose job is still waiting gets no second one: what arrives meanwhile goes in that job's mail
    (``User.notification_mail_due_at``). Two transactions racing may both enqueue one; the job is
    idempotent, so the second finds nothing left to send. Returns the ids a job was enqueued for.
    """
    from wijklab.celery import app, enqueue_on_commit  # the Celery app imports Django's settings

    ids = set(user_ids)
    if not ids:
        return []
    now = timezone.now()
    delay = notification_mail_delay()
    wanting = User.objects.filter(pk__in=ids, mail_preference=MailPreference.EACH, is_active=True).exclude(email="")
    if app.conf.task_always_eager:
        # Eager Celery (local mode) runs the job at the commit, countdown or not: nothing waits, so
        # nothing to wait for; each transaction's notifications still go out in one mail per person.
        free = list(wanting.order_by("pk").values_list("pk", flat=True))
        for user_id in free:
            enqueue_on_commit(SEND_NOTIFICATION_MAIL_TASK, user_id)
        return free
    free = list(
        wanting.filter(Q(notification_mail_due_at__isnull=True) | Q(notification_mail_due_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if free:
        User.objects.filter(pk__in=free).update(notification_mail_due_at=now + dt.timedelta(seconds=delay))
        for user_id in free:
            enqueue_on_commit(SEND_NOTIFICATION_MAIL_TASK, user_id, countdown=delay)
    return free


def notification_mail_items(*, user: User, now: dt.datetime) -> QuerySet[Notification]:
    """What the next notification mail carries: unread, not mailed yet, recent."""
    return user.notifications.filter(
        mailed_at__isnull=True,
        read_at__isnull=True,
        created_at__gt=now - NOTIFICATION_MAIL_MAX_AGE,
        created_at__lte=now,
    ).order_by("created_at", "id")


def notification_mail_text(user: User, items: list[Notification], *, more: bool = False) -> tuple[str, str]:
    """Subject and body of one notification mail, in the active language (``in_language_of(user)``)."""
    from django.urls import reverse

    if len(items) == 1:
        note = items[0]
        lines = [note.title + ".", ""]
        if note.body:
            lines += [note.body, ""]
        if note.url:
            lines += [gettext("Bekijk het in Wijklab: %(url)s") % {"url": _site(note.url)}, ""]
        subject = note.title
    else:
        subject = ngettext("Wijklab: %(count)d nieuwe melding", "Wijklab: %(count)d nieuwe meldingen", len(items)) % {
            "count": len(items)
        }
        lines = [gettext("Hallo %(name)s,") % {"name": user.get_display_name()}, ""]
        lines += [gettext("Dit is er nieuw voor je in Wijklab:"), ""]
        for item in items:
            lines.append(f"- {item.title}")
            if item.body:
                lines += [f"  {line}" for line in item.body.splitlines()]
            if item.url:
                lines.append(f"  {_site(item.url)}")
        lines.append("")
    if more:
        lines += [gettext("En meer: bekijk al je meldingen in Wijklab."), ""]
    lines += [
        gettext("Al je meldingen: %(url)s") % {"url": _site(reverse("notifications"))},
        gettext("Je krijgt een mail als er iets voor je verandert. Wijzig dit op je profiel: %(url)s")
        % {"url": _site(reverse("profile"))},
        "",
        gettext("— Wijklab"),
    ]
    return subject, "\n".join(lines)


def send_notification_mail(*, user_id: int, now: dt.datetime | None = None) -> int:
    """Mail one person everything unmailed for them in ONE mail; returns how many notifications it carried.

    The person's row is locked and the notifications marked ``mailed_at`` in the same transaction as
    the send: a second run (a retry, a duplicate delivery, a concurrent job, which waits on the lock)
    finds nothing left and sends nothing; a failing mail server rolls it all back for the retry.
    People who no longer want a mail per event get none (their notifications wait in Wijklab).
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return 0
        if user.notification_mail_due_at is not None:
            user.notification_mail_due_at = None
            user.save(update_fields=["notification_mail_due_at"])
        if not wants_mail_now(user):
            return 0
        items = list(notification_mail_items(user=user, now=now)[: NOTIFICATION_MAIL_MAX_ITEMS + 1])
        if not items:
            return 0
        shown = items[:NOTIFICATION_MAIL_MAX_ITEMS]
        # Everything pending is carried (or named by "en meer"), so all of it counts as mailed.
        notification_mail_items(user=user, now=now).update(mailed_at=now)
        with in_language_of(user):
            subject, body = notification_mail_text(user, shown, more=len(items) > len(shown))
        EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return len(shown)


def users_due_for_notification_mail(*, now: dt.datetime) -> QuerySet[User]:
    """People on EACH whose mail job should have run a while ago and did not (lost, or never enqueued)."""
    late = now - dt.timedelta(seconds=notification_mail_delay() + 60)
    return (
        User.objects.filter(mail_preference=MailPreference.EACH, is_active=True, notification_mail_due_at__lt=late)
        .exclude(email="")
        .order_by("pk")
    )
