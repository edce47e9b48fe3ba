"""Jobs the broker could not take are kept in the database and sent once it is back (wijklab.celery.enqueue)."""

import pytest
from celery.app.task import Task
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from tests.factories import SchoolFactory
from wijklab import services
from wijklab.celery import enqueue, enqueue_on_commit
from wijklab.invitation_services import invitation_create
from wijklab.models import PendingTask, Role, SupervisorKind
from wijklab.tasks import send_pending_tasks

# What kombu raises from apply_async when Redis refuses the connection (seen with REDIS_URL on a closed port).
REFUSED = OperationalError("Error 111 connecting to 127.0.0.1:6391. Connection refused.")


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise REFUSED

    monkeypatch.setattr(Task, "apply_async", refuse)


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, tuple, float | None]]:
    calls = []

    def record(self, args=None, kwargs=None, countdown=None, **options):
        calls.append((self.name, tuple(args or ()), countdown))

    monkeypatch.setattr(Task, "apply_async", record)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_job_the_broker_refuses_after_commit_is_kept_and_the_write_stands(broker_down):
    with transaction.atomic():
        enqueue_on_commit("wijklab.tasks.send_invitation_email", 7, "token")
    job = PendingTask.objects.get()
    assert (job.name, job.args, job.not_before) == ("wijklab.tasks.send_invitation_email", [7, "token"], None)
    assert "Connection refused" in job.last_error


@pytest.mark.django_db
def test_a_countdown_still_counts_from_when_it_was_asked(broker_down):
    enqueue("wijklab.tasks.send_invitation_email", 7, "token", countdown=300)
    job = PendingTask.objects.get()
    assert 295 <= (job.not_before - job.created_at).total_seconds() <= 305


@pytest.mark.django_db
def test_kept_jobs_go_out_oldest_first_once_the_broker_is_back(monkeypatch, broker_down):
    enqueue("wijklab.tasks.send_invitation_email", 1, "a")
    enqueue("wijklab.tasks.send_invitation_email", 2, "b", countdown=600)
    assert services.pending_tasks_send() == 0  # still down: nothing lost, the refusal noted
    assert list(PendingTask.objects.values_list("attempts", flat=True)) == [1, 0]

    calls = []
    monkeypatch.setattr(
        Task, "apply_async", lambda self, args=None, countdown=None, **kw: calls.append((args, countdown))
    )
    assert services.pending_tasks_send() == 2
    assert calls[0] == ([1, "a"], None)
    assert calls[1][0] == [2, "b"]
    assert 590 <= calls[1][1] <= 600
    assert not PendingTask.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_task_is_gone_stays_with_its_reason_and_does_not_hold_up_the_rest(published):
    PendingTask.objects.create(name="wijklab.tasks.no_longer_exists", args=[1])
    PendingTask.objects.create(name="wijklab.tasks.send_invitation_email", args=[2, "b"])
    assert send_pending_tasks() == 1
    assert published == [("wijklab.tasks.send_invitation_email", (2, "b"), None)]
    left = PendingTask.objects.get()
    assert left.name == "wijklab.tasks.no_longer_exists"
    assert "NotRegistered" in left.last_error


def test_the_kept_job_does_its_work_when_sent(
    monkeypatch, broker_down, coordinator, cohort, django_capture_on_commit_callbacks
):
    """End to end in the eager runtime: a refused invitation mail goes out once, when sent later."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            by=coordinator,
            email="p.vanwijk@hr.nl",
            display_name="Pieter van Wijk",
            role=Role.SUPERVISOR,
            supervisor_kind=SupervisorKind.HBO_DOCENT,
            school=SchoolFactory(name="Hogeschool Rotterdam", sector="hbo"),
            cohort=cohort,
        )
    assert len(mail.outbox) == 0
    assert PendingTask.objects.count() == 1

    monkeypatch.undo()
    assert services.pending_tasks_send() == 1
    assert services.pending_tasks_send() == 0
    assert [m.to for m in mail.outbox] == [["p.vanwijk@hr.nl"]]
