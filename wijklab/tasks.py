"""Background jobs about people: the invitation mail.

Tasks take ids and call a service (``wijklab.invitation_services``), which mails an
invitation once per link (``Invitation.sent_at``), however often the task runs.
"""

from celery import shared_task

from wijklab import audit_services, invitation_services, services
from wijklab.mail import MAIL_RETRY


@shared_task(**MAIL_RETRY)
def send_invitation_email(invitation_id: int, token: str) -> int:
    """Mail one invitation's link. Returns 1 when the mail went out, 0 when there was nothing (left) to send."""
    return invitation_services.invitation_emails_send(pairs=[(invitation_id, token)])


@shared_task(**MAIL_RETRY)
def send_invitation_emails(pairs: list[list]) -> int:
    """Mail many invitations at once ([[id, token], …]: one task and one mail connection per batch)."""
    return invitation_services.invitation_emails_send(pairs=pairs)


@shared_task
def send_pending_tasks() -> int:
    """Hand the jobs kept while the broker was unreachable to it (every minute, CELERY_BEAT_SCHEDULE)."""
    return services.pending_tasks_send()


@shared_task
def prune_audit_log() -> int:
    """Delete audit entries older than AUDIT_RETENTION_DAYS (daily, CELERY_BEAT_SCHEDULE)."""
    return audit_services.audit_prune()
