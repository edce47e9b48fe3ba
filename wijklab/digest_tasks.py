"""Mail about notifications (wijklab.mail): the daily digest, and the notification mail of people
who want a mail per event.

The digest is scheduled by Celery beat (``CELERY_BEAT_SCHEDULE["notifications-daily-digest"]``)
and runnable by hand with ``manage.py notifications_digest``. Idempotent per day:
``User.digest_sent_at`` records the last one.

``send_notification_mail`` is enqueued by name, with a countdown, when notifications are stored
(``mail.notification_mail_schedule``); ``send_due_notification_mails`` picks up a person whose job
was lost. Both are idempotent: ``Notification.mailed_at`` is written in the mail's transaction.
"""

import logging

from celery import shared_task
from django.utils import timezone

from wijklab import mail
from wijklab.mail import MAIL_RETRY, task_day

logger = logging.getLogger(__name__)


@shared_task(**MAIL_RETRY)
def send_daily_digest(user_id: int, today: str | None = None) -> bool:
    return mail.send_daily_digest(user_id=user_id, today=task_day(today))


@shared_task
def daily_digests(today: str | None = None) -> int:
    """Fan out one task per person, so one failing address does not hold up the rest."""
    day = task_day(today)
    ids = list(mail.users_due_for_digest(today=day).values_list("pk", flat=True))
    for user_id in ids:
        send_daily_digest.delay(user_id, day.isoformat())
    return len(ids)


@shared_task(**MAIL_RETRY)
def send_notification_mail(user_id: int) -> int:
    return mail.send_notification_mail(user_id=user_id)


@shared_task
def send_due_notification_mails() -> int:
    """Send the notification mails whose delayed job did not run (every 5 minutes, CELERY_BEAT_SCHEDULE)."""
    sent = 0
    for user_id in mail.users_due_for_notification_mail(now=timezone.now()).values_list("pk", flat=True)[:500]:
        try:
            sent += mail.send_notification_mail(user_id=user_id) > 0
        except MAIL_RETRY["autoretry_for"] as exc:
            # Stays due: the next sweep tries again; the others are tried still.
            logger.warning("Notification mail for user %s not sent, tried again later: %s", user_id, exc)
    return sent
