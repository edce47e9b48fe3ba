from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import transaction
from django.db.models.signals import post_migrate, pre_delete


def _ensure_default_rubric(sender: AppConfig, using: str, apps: Any = global_apps, **kwargs: Any) -> None:
    # After migrate and after flush (tests that empty the database): the default rubric is data
    # every page and the API read, created by the data migration and never during a request.
    # migrate passes its migration state as ``apps``; flush passes none.
    from supervision.defaults import create_default_rubric

    create_default_rubric(apps, using)


def _criterion_removed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Its standings stay without a criterion, and werkbegeleiders may then see them
    # (selectors.standings_visible_to): their students' alert summaries follow once it is gone.
    from supervision import services
    from supervision.models import CriterionStanding

    students = list(CriterionStanding.objects.filter(criterion=instance).values_list("student_id", flat=True))
    if students:
        transaction.on_commit(lambda: services.alert_summary_refresh(student_ids=students))


class SupervisionConfig(AppConfig):
    name = "supervision"

    def ready(self) -> None:
        post_migrate.connect(_ensure_default_rubric, sender=self, dispatch_uid="supervision-default-rubric")
        pre_delete.connect(
            _criterion_removed, sender=self.get_model("Criterion"), dispatch_uid="supervision-criterion-removed"
        )
