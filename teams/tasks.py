"""Background jobs of the teams app: the mail about a roster change, running a formation run,
and the mail after publishing one (chat's jobs are in ``teams.chat_tasks``).

Tasks take ids and call a service; the services are idempotent (a change or a run is
mailed once, however often its task runs), so a retry or a duplicate delivery is harmless.
Services enqueue them by name (``wijklab.celery.enqueue_on_commit``).
"""

from celery import shared_task

from teams import formation_services, services
from wijklab.mail import MAIL_RETRY


@shared_task(**MAIL_RETRY)
def email_membership_change(change_id: int) -> int:
    return services.membership_change_email(change_id=change_id)


# The two formation tasks keep the names they had in teams/formation_tasks.py, so a job
# queued under that name before an upgrade still finds its task.
@shared_task(name="teams.formation_tasks.run_formation")
def run_formation(run_id: int) -> str:
    return formation_services.formation_run_execute(run_id=run_id)


@shared_task(**MAIL_RETRY, name="teams.formation_tasks.email_formation_published")
def email_formation_published(run_id: int) -> int:
    return formation_services.formation_published_email(run_id=run_id)
