"""Background jobs of the chat: an e-mail for a mention still unread after a while.

``send_mention_email`` is enqueued by name on commit, with a countdown, when a
message names someone (``services.SEND_MENTION_EMAIL_TASK``). Where the countdown
cannot hold (eager Celery in local mode, a lost job) the periodic
``send_due_mention_emails`` sweep (``CELERY_BEAT_SCHEDULE`` in settings) picks
the mention up once it is due. Both are idempotent: ``Mention.settled_at``
records that the question was answered (or mailed), and it is written in the same transaction as the
mail is sent: a failing mail server rolls it back, and the job retries with backoff (``MAIL_RETRY``).
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from teams.chat import services
from teams.chat.selectors import may_read_chat
from teams.models import Mention, ReadMarker
from teams.notifications import team_label
from wijklab.mail import MAIL_RETRY, in_language_of, wants_mail_now
from wijklab.models import User

logger = logging.getLogger(__name__)


def _delay() -> timedelta:
    return timedelta(seconds=services.MENTION_EMAIL_DELAY)


def _still_worth_a_mail(mention: Mention) -> bool:
    """Unread in the chat, not deleted or hidden, and its reader may still read that chat."""
    message = mention.message
    read_up_to = (
        ReadMarker.objects.filter(user_id=mention.user_id, team_id=message.team_id)
        .values_list("last_read_id", flat=True)
        .first()
        or 0
    )
    gone = message.deleted_at is not None or message.hidden_at is not None
    # Someone who left the team since may no longer read the message, not even by mail.
    return read_up_to < message.pk and not gone and may_read_chat(user=mention.user, team=message.team)


def _mention_mail(user: User, mentions: list[Mention]) -> tuple[str, str]:
    """One mail for one person's open mentions, in the active language (``in_language_of``)."""

    def url(message) -> str:
        path = reverse("chat-page", kwargs={"team_id": message.team_id})
        return f"{settings.SITE_URL.rstrip('/')}{path}#bericht-{message.pk}"

    if len(mentions) == 1:
        message = mentions[0].message
        names = {"name": message.author.get_display_name(), "team": team_label(message.team)}
        subject = _("%(name)s noemde je in de chat van %(team)s") % names
        body = _("%(name)s schreef:\n\n%(text)s\n\nLees en antwoord in Wijklab: %(url)s") % {
            "name": names["name"],
            "text": Truncator(message.body).chars(500),
            "url": url(message),
        }
        return subject, body
    subject = _("Wijklab: je bent %(count)d keer genoemd in de chat") % {"count": len(mentions)}
    lines = [_("Hallo %(name)s,") % {"name": user.get_display_name()}, ""]
    lines += [_("Je bent genoemd in de chat:"), ""]
    for mention in mentions:
        message = mention.message
        lines.append(
            _("- %(name)s in de chat van %(team)s:")
            % {"name": message.author.get_display_name(), "team": team_label(message.team)}
        )
        lines.append(f"  {Truncator(message.body).chars(300)}")
        lines.append(f"  {url(message)}")
    return subject, "\n".join(lines)


def settle_mention(mention_id: int, *, now: datetime | None = None) -> str:
    """Send the e-mail for one mention if it is due and still unread; returns what happened.

    The mail takes along every other open mention of the same person (a busy chat that names them
    twenty times in a few minutes): one mail, and their own jobs then find them settled.
    """
    now = now or timezone.now()
    user_id = Mention.objects.filter(pk=mention_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return "settled"
    with transaction.atomic():
        # The person's row first: two jobs for mentions of one person take turns, so the second
        # finds its mention carried by the first's mail (and two jobs never lock in opposite order).
        User.objects.select_for_update().filter(pk=user_id).first()
        mention = (
            Mention.objects.select_for_update(of=("self",))
            .select_related("message", "message__team", "message__author", "user")
            .filter(pk=mention_id)
            .first()
        )
        if mention is None or mention.settled_at is not None:
            return "settled"
        message = mention.message
        if message.created_at + _delay() > now:
            return "not_due"
        # People who want no mail per event read the mention in Wijklab (or in their daily digest).
        if not _still_worth_a_mail(mention) or not wants_mail_now(mention.user):
            mention.settled_at = now
            mention.save(update_fields=["settled_at"])
            return "unneeded"
        carried, passed = [mention], []
        others = (
            Mention.objects.select_for_update(of=("self",))
            .select_related("message", "message__team", "message__author", "user")
            .filter(user_id=user_id, settled_at__isnull=True, message__created_at__lte=now)
            .exclude(pk=mention.pk)
            .order_by("message__created_at", "pk")
        )
        for other in others:
            (carried if _still_worth_a_mail(other) else passed).append(other)
        carried.sort(key=lambda m: (m.message.created_at, m.pk))
        # Settled, then sent, in one transaction (like supervision's sent-records): a second job for the
        # same mention waits on the row lock and finds it settled; a failing mail server raises, the
        # settle rolls back and the job is retried. A worker killed between the mail server taking the
        # mail and the commit sends it again (README "Workers that die"): better twice than never.
        Mention.objects.filter(pk__in=[m.pk for m in carried]).update(settled_at=now, emailed_at=now)
        Mention.objects.filter(pk__in=[m.pk for m in passed]).update(settled_at=now)
        with in_language_of(mention.user):
            subject, body = _mention_mail(mention.user, carried[:30])
        send_mail(subject, body, None, [mention.user.email])
    return "emailed"


@shared_task(ignore_result=True, **MAIL_RETRY)
def send_mention_email(mention_id: int) -> str:
    return settle_mention(mention_id)


@shared_task(ignore_result=True)
def send_due_mention_emails() -> int:
    due = Mention.objects.filter(settled_at__isnull=True, message__created_at__lte=timezone.now() - _delay())
    sent = 0
    for mention_id in due.values_list("pk", flat=True)[:500]:
        try:
            sent += settle_mention(mention_id) == "emailed"
        except MAIL_RETRY["autoretry_for"] as exc:
            # That mention stays unsettled: its own job's retry or the next sweep sends it. The
            # others are tried still (one refused address must not hold up the rest).
            logger.warning("Mail for chat mention %s not sent, tried again later: %s", mention_id, exc)
    return sent


# The names these tasks had before the chat became a package: a mention's job waits in
# Redis for 15 minutes, so jobs queued by the previous release must still find a task.
@shared_task(name="teams.chat.send_mention_email", ignore_result=True, **MAIL_RETRY)
def send_mention_email_under_old_name(mention_id: int) -> str:
    return settle_mention(mention_id)


@shared_task(name="teams.chat.send_due_mention_emails", ignore_result=True)
def send_due_mention_emails_under_old_name() -> int:
    return send_due_mention_emails()
