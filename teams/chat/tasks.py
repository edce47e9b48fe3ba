"""Background jobs of the chat: an e-mail for a mention still unread after a while.

``send_mention_email`` is enqueued by name on commit, with a countdown, when a
message names someone (``services.SEND_MENTION_EMAIL_TASK``). Where the countdown
cannot hold (eager Celery in local mode, a lost job) the periodic
``send_due_mention_emails`` sweep (``CELERY_BEAT_SCHEDULE`` in settings) picks
the mention up once it is due. Both are idempotent: ``Mention.settled_at``
records that the question was answered.
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
from wijklab.mail import in_language_of, wants_mail_now

logger = logging.getLogger(__name__)


def _delay() -> timedelta:
    return timedelta(seconds=services.MENTION_EMAIL_DELAY)


def settle_mention(mention_id: int, *, now: datetime | None = None) -> str:
    """Send the e-mail for one mention if it is due and still unread; returns what happened."""
    now = now or timezone.now()
    with transaction.atomic():
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
        read_up_to = (
            ReadMarker.objects.filter(user_id=mention.user_id, team_id=message.team_id)
            .values_list("last_read_id", flat=True)
            .first()
            or 0
        )
        gone = message.deleted_at is not None or message.hidden_at is not None
        # Someone who left the team since may no longer read the message, not even by mail.
        # People who want no mail per event read the mention in Wijklab (or in their daily digest).
        if (
            read_up_to >= message.pk
            or gone
            or not may_read_chat(user=mention.user, team=message.team)
            or not wants_mail_now(mention.user)
        ):
            mention.settled_at = now
            mention.save(update_fields=["settled_at"])
            return "unneeded"
        # Settled inside the transaction: a second job for the same mention sends nothing.
        mention.settled_at = now
        mention.emailed_at = now
        mention.save(update_fields=["settled_at", "emailed_at"])
        url = f"{settings.SITE_URL}{reverse('chat-page', kwargs={'team_id': message.team_id})}#bericht-{message.pk}"
        with in_language_of(mention.user):
            subject = _("%(name)s noemde je in de chat van %(team)s") % {
                "name": message.author.get_display_name(),
                "team": message.team.name,
            }
            body = _("%(name)s schreef:\n\n%(text)s\n\nLees en antwoord in Wijklab: %(url)s") % {
                "name": message.author.get_display_name(),
                "text": Truncator(message.body).chars(500),
                "url": url,
            }
        # Sent after commit so a rolled-back settle never leaves a mail behind without its record.
        transaction.on_commit(lambda: send_mail(subject, body, None, [mention.user.email]))
    return "emailed"


@shared_task(ignore_result=True)
def send_mention_email(mention_id: int) -> str:
    return settle_mention(mention_id)


@shared_task(ignore_result=True)
def send_due_mention_emails() -> int:
    due = Mention.objects.filter(settled_at__isnull=True, message__created_at__lte=timezone.now() - _delay())
    sent = 0
    for mention_id in due.values_list("pk", flat=True)[:500]:
        sent += settle_mention(mention_id) == "emailed"
    return sent


# The names these tasks had before the chat became a package: a mention's job waits in
# Redis for 15 minutes, so jobs queued by the previous release must still find a task.
@shared_task(name="teams.chat.send_mention_email", ignore_result=True)
def send_mention_email_under_old_name(mention_id: int) -> str:
    return settle_mention(mention_id)


@shared_task(name="teams.chat.send_due_mention_emails", ignore_result=True)
def send_due_mention_emails_under_old_name() -> int:
    return send_due_mention_emails()
