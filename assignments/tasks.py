"""Background work of the assignments app: preferences close by themselves after their last day."""

from celery import shared_task

from assignments import services


@shared_task
def close_due_preferences() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): close every cohort whose last day to choose has passed."""
    return len(services.preferences_close_due())
