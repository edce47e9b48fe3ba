"""Celery for real work: jobs acknowledged when done, mail jobs retried with backoff up to a limit."""

from django.conf import settings

from wijklab.celery import app

APPS = ("wijklab.", "assignments.", "teams.", "supervision.")


def project_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(APPS)}


def test_every_job_is_acknowledged_when_done_and_given_back_when_its_worker_dies():
    tasks = project_tasks()
    assert len(tasks) >= 10
    for name, task in tasks.items():
        assert task.acks_late, name
        assert task.reject_on_worker_lost, name


def test_every_mail_job_retries_with_backoff_and_gives_up_in_the_end():
    sweeps = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    # The chat's sweep under the name it had before the chat became a package (teams/chat/tasks.py).
    sweeps.add("teams.chat.send_due_mention_emails")
    mail_tasks = {
        name: task
        for name, task in project_tasks().items()
        if ("mail" in name or "digest" in name) and name not in sweeps
    }
    assert {"teams.chat.tasks.send_mention_email", "teams.chat.send_mention_email"} <= set(mail_tasks)
    assert len(mail_tasks) >= 9
    for name, task in mail_tasks.items():
        assert OSError in task.autoretry_for, name
        assert task.retry_backoff, name
        assert 0 < task.max_retries <= 10, name


def test_redis_hands_a_job_to_another_worker_only_after_the_longest_job_and_countdown():
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] > 300 + 15 * 60
