"""The daily digest of notifications for people who chose it (wijklab.mail).

Scheduled by Celery beat (``CELERY_BEAT_SCHEDULE["notifications-daily-digest"]``)
and runnable by hand with ``manage.py notifications_digest``. Idempotent per
day: ``User.digest_sent_at`` records the last one.
"""

from celery import shared_task

from wijklab import mail
from wijklab.mail import MAIL_RETRY, task_day


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
