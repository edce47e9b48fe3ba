"""Background work: feedback notices, the weekly reminder and the weekly digest.

Tasks take ids, call a service and are idempotent (the service keeps a
``SentMail`` row per recipient and period). A failing mail server raises
``SMTPException``/``OSError``; the task then retries with exponential backoff.
The weekly jobs are scheduled by Celery beat (``CELERY_BEAT_SCHEDULE``) and can
be run by hand with ``manage.py supervision_weekly``.
"""

from celery import shared_task

from supervision import privacy_services, selectors, services
from wijklab.mail import MAIL_RETRY, task_day


@shared_task(**MAIL_RETRY)
def send_feedback_email(entry_id: int) -> bool:
    return services.send_feedback_notice(entry_id=entry_id)


@shared_task(**MAIL_RETRY)
def send_supervisor_reminder(supervisor_id: int, today: str | None = None) -> bool:
    return services.send_supervisor_reminder(supervisor_id=supervisor_id, today=task_day(today))


@shared_task(**MAIL_RETRY)
def send_docent_digest(docent_id: int, today: str | None = None) -> bool:
    return services.send_docent_digest(docent_id=docent_id, today=task_day(today))


@shared_task
def weekly_reminders(today: str | None = None) -> int:
    """Fan out one task per supervisor, so one failing address does not hold up the rest."""
    day = task_day(today).isoformat()
    ids = list(selectors.supervisors_with_students().values_list("pk", flat=True))
    for supervisor_id in ids:
        send_supervisor_reminder.delay(supervisor_id, day)
    return len(ids)


@shared_task
def weekly_digests(today: str | None = None) -> int:
    day = task_day(today).isoformat()
    ids = list(selectors.docenten_with_students().values_list("pk", flat=True))
    for docent_id in ids:
        send_docent_digest.delay(docent_id, day)
    return len(ids)


@shared_task
def erase_expired_cohorts() -> int:
    """Daily: erase the personal data of cohorts archived longer than ARCHIVED_COHORT_RETENTION_DAYS (idempotent)."""
    return privacy_services.archived_cohorts_erase_due()
