import os
from typing import Any

from celery import Celery, Task
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")

app = Celery("wijklab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_by_name(name: str) -> Task:
    """The registered task called ``name`` (a worker imports every task module; a web process on first use)."""
    if name not in app.tasks:
        app.loader.import_default_modules()  # each app's tasks.py and CELERY_IMPORTS
    return app.tasks[name]


def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
    """Enqueue the task called ``name`` now (eagerly where ``CELERY_TASK_ALWAYS_EAGER``);
    ``countdown``: seconds before a worker may run it."""
    task = task_by_name(name)
    if countdown is None:
        task.delay(*args)
    else:
        task.apply_async(args, countdown=countdown)


def enqueue_on_commit(name: str, *args: Any, countdown: float | None = None) -> None:
    """Enqueue the task called ``name`` once the current transaction commits (at once outside one).

    By name, so a service enqueues its task without importing the tasks module, which imports
    the service: tasks take ids and call a service (README "Background work").
    """
    transaction.on_commit(lambda: enqueue(name, *args, countdown=countdown))
