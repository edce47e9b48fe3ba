import os
from typing import Any

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")

app = Celery("wijklab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Queue the task registered as ``task_name`` once the current transaction commits.

    By name, so that a services module need not import the tasks module that calls it (a task
    module imports services, never the other way round: docs/architecture.md). The owning app
    imports its tasks module in ``AppConfig.ready()``, so the name is always registered and eager
    runs (tests, no Redis) execute it; an unknown name raises ``NotRegistered`` at commit.
    """
    transaction.on_commit(lambda: app.tasks[task_name].delay(*args))
