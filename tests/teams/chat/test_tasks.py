"""The chat's Celery tasks are found under their names, old and new (teams/chat/tasks.py)."""

from django.conf import settings

from wijklab.celery import task_by_name


def test_the_beat_schedule_names_the_sweep_by_its_real_name():
    assert task_by_name(settings.CELERY_BEAT_SCHEDULE["chat-mention-emails"]["task"]).name == (
        "teams.chat.tasks.send_due_mention_emails"
    )


def test_the_service_enqueues_a_task_that_exists():
    from teams.chat.services import SEND_MENTION_EMAIL_TASK

    assert task_by_name(SEND_MENTION_EMAIL_TASK).name == "teams.chat.tasks.send_mention_email"


def test_jobs_queued_under_the_names_of_the_previous_release_still_find_their_task():
    # A mention's job waits 15 minutes in Redis: a deploy in between must not lose it.
    for old in ("teams.chat.send_mention_email", "teams.chat.send_due_mention_emails"):
        assert task_by_name(old).name == old
