"""The daily digest of notifications for people who chose it (wijklab.mail).

Scheduled by Celery beat (``CELERY_BEAT_SCHEDULE["notifications-daily-digest"]``)
and runnable by hand with ``manage.py notifications_digest``. Idempotent per
day: ``User.digest_sent_at`` records the last one.
"""

import datetime as dt
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from wijklab import mail

MAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}


def _day(today: str | None) -> dt.date:
    return dt.date.fromisoformat(today) if today else timezone.localdate()


@shared_task(**MAIL_RETRY)
def send_daily_digest(user_id: int, today: str | None = None) -> bool:
    return mail.send_daily_digest(user_id=user_id, today=_day(today))


@shared_task
def daily_digests(today: str | None = None) -> int:
    """Fan out one task per person, so one failing address does not hold up the rest."""
    day = _day(today)
    ids = list(mail.users_due_for_digest(today=day).values_list("pk", flat=True))
    for user_id in ids:
        send_daily_digest.delay(user_id, day.isoformat())
    return len(ids)
