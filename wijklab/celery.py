import logging
import os
import threading
from typing import Any

from celery import Celery, Task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")

app = Celery("wijklab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Celery marks the task modules imported before it has imported them: a second thread asking at the
# same moment found no task ("never registered") while the first was still importing.
_import_lock = threading.Lock()


def task_by_name(name: str) -> Task:
    """The registered task called ``name`` (a worker imports every task module; a web process on first use)."""
    if name not in app.tasks:
        with _import_lock:
            app.loader.import_default_modules()  # each app's tasks.py and CELERY_IMPORTS
    return app.tasks[name]


logger = logging.getLogger(__name__)


def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
    """Enqueue the task called ``name`` now (eagerly where ``CELERY_TASK_ALWAYS_EAGER``).

    When the broker cannot be reached the job is kept in the database
    (``wijklab.models.PendingTask``) and sent once it is back: whatever asked for
    it has usually committed already, and must not become an error for the person.
    """
    try:
        task_by_name(name).apply_async(args, countdown=countdown)
    except BrokerUnreachable as exc:
        from wijklab.services import pending_task_keep  # the app registry is ready by the time a task is asked for

        logger.warning("Broker unreachable, keeping %s for later: %s", name, exc)
        pending_task_keep(name=name, args=list(args), countdown=countdown, error=str(exc))


def enqueue_on_commit(name: str, *args: Any, countdown: float | None = None) -> None:
    """Enqueue the task called ``name`` once the current transaction commits (at once outside one).

    By name, so a service enqueues its task without importing the tasks module, which imports
    the service: tasks take ids and call a service (README "Background work").
    """
    transaction.on_commit(lambda: enqueue(name, *args, countdown=countdown))
