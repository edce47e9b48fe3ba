from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _ensure_default_rubric(sender: AppConfig, using: str, apps: Any = global_apps, **kwargs: Any) -> None:
    # After migrate and after flush (tests that empty the database): the default rubric is data
    # every page and the API read, created by the data migration and never during a request.
    # migrate passes its migration state as ``apps``; flush passes none.
    from supervision.defaults import create_default_rubric

    create_default_rubric(apps, using)


class SupervisionConfig(AppConfig):
    name = "supervision"

    def ready(self) -> None:
        post_migrate.connect(_ensure_default_rubric, sender=self, dispatch_uid="supervision-default-rubric")
