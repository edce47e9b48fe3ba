"""AVG: a student's own data as a zip, a coordinator's erasure, and erasure after the retention period."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assignments.models import Preference
from supervision import privacy_services
from supervision.models import FeedbackEntry, FeedbackKind
from supervision.tasks import erase_expired_cohorts
from teams.models import Attachment, Membership, Message
from tests.factories import pdf_bytes
from wijklab.models import AuditEntry, AuditKind, Notification, StudentProfile, User

NAME = "Sanne de Vries"


def _feedback(student, author, team, kind=FeedbackKind.SUPERVISOR, comment="Goed bezig"):
    return FeedbackEntry.objects.create(
        student=student, author=author, team=team, date=timezone.localdate(), kind=kind, comment=comment
    )


@pytest.fixture
def history(team, student4, student5, mbo_docent, client_for):
    """Sanne (student4) ranked, chatted with a file, got feedback and gave some to a teammate."""
    Preference.objects.create(student=student4, assignment=team.assignment, rank=1, motivation="Sanne wil dit graag")
    client = client_for(student4)
    client.post(
        reverse("api-chat-attachments", kwargs={"team_id": team.pk}),
        {"file": SimpleUploadedFile("verslag.pdf", pdf_bytes()), "client_id": "up-1", "body": "Mijn verslag"},
        format="multipart",
    )
    Message.objects.create(team=team, author=student5, body="Dank je Sanne!", client_id="m-2")
    about = _feedback(student4, mbo_docent, team, comment="Sanne komt haar afspraken na")
    by_her = _feedback(student5, student4, team, kind=FeedbackKind.PEER, comment="Je luistert goed")
    Notification.objects.create(user=student4, kind="x", title="Hallo Sanne")
    return about, by_her


def test_a_student_downloads_everything_held_about_them(history, student4, team, mbo_docent):
    docent = Client(REMOTE_ADDR="10.1.2.3")
    docent.force_login(mbo_docent)
    assert docent.get(reverse("supervision-progress", kwargs={"student_id": student4.pk})).status_code == 200
    client = Client(REMOTE_ADDR="10.9.9.9")
    client.force_login(student4)
    page = client.get(reverse("privacy-my-data"))
    assert page.status_code == 200
    assert "Download mijn gegevens" in page.content.decode()
    response = client.get(reverse("privacy-my-data-download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    data = json.loads(archive.read("gegevens.json"))
    assert data["account"]["display_name"] == NAME
    assert data["profile"]["niveau"] == 4
    assert data["preferences"][0]["motivation"] == "Sanne wil dit graag"
    assert data["memberships"][0]["team"] == team.name
    assert data["chat_messages"][0]["body"] == "Mijn verslag"
    [attachment] = data["chat_messages"][0]["attachments"]
    assert attachment in names
    assert archive.read(attachment) == pdf_bytes()
    assert [f["comment"] for f in data["feedback_about_me"]] == ["Sanne komt haar afspraken na"]
    assert [f["comment"] for f in data["feedback_written_by_me"]] == ["Je luistert goed"]
    # The log: what she did (with her address) and who read her progress (without theirs).
    log = data["audit_log"]
    [read] = [e for e in log if e["kind"] == "progress_read"]
    assert read["by"] == mbo_docent.get_display_name()
    assert not read["by_you"]
    assert read["about_you"]
    assert read["address"] is None
    assert any(e["kind"] == "sign_in" and e["by_you"] for e in log)
    assert "10.1.2.3" not in json.dumps(log)
    # The download itself is recorded, for the next one.
    assert AuditEntry.objects.filter(kind="export", actor=student4, subject=student4).count() == 1
    assert archive.read("voortgang.pdf").startswith(b"%PDF-")


def test_only_students_have_a_my_data_page(coordinator, org_contact):
    for user in (coordinator, org_contact):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("privacy-my-data")).status_code == 404
        assert client.get(reverse("privacy-my-data-download")).status_code == 404


def _erase_page(user, student):
    client = Client()
    client.force_login(user)
    return client, reverse("privacy-student-erase", kwargs={"student_id": student.pk})


def test_only_a_coordinator_of_the_cohort_may_erase(student4, other_coordinator, mbo_docent, student5):
    for user in (other_coordinator, mbo_docent, student5):
        client, url = _erase_page(user, student4)
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirmation": NAME}).status_code == 404
    assert User.objects.get(pk=student4.pk).display_name == NAME


def test_a_wrong_confirmation_erases_nothing(student4, coordinator):
    client, url = _erase_page(coordinator, student4)
    assert client.get(url).status_code == 200
    response = client.post(url, {"confirmation": "sanne"})  # the username or a first name is not enough
    assert response.status_code == 400
    assert "Typ de naam van de student precies over" in response.content.decode()
    assert User.objects.get(pk=student4.pk).is_active


def _text_and_fk_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField, models.JSONField, models.EmailField)):
                yield model, field, "text"
            elif isinstance(field, models.ForeignKey) and field.related_model is User:
                yield model, field, "fk"


# Where the anonymous account may still be pointed at: rows that carry no personal data of the
# erased person any more, or that are what others wrote (docs/privacy.md "Erasure").
KEPT_LINKS = {
    ("teams.Message", "author"),  # their messages, shown as "Verwijderde gebruiker"
    ("teams.Membership", "student"),  # ended memberships: "a deleted user was in this team"
    ("supervision.FeedbackEntry", "author"),  # peer feedback they wrote about a teammate is the teammate's
    # The audit log cannot be changed; its entries point at the anonymised account until retention deletes them.
    ("wijklab.AuditEntry", "actor"),
    ("wijklab.AuditEntry", "subject"),
}


def test_erasure_leaves_nothing_queryable_about_the_person(
    history, student4, student5, coordinator, team, django_capture_on_commit_callbacks
):
    message_files = [a.file.name for a in Attachment.objects.all()]
    assert message_files
    assert all(default_storage.exists(n) for n in message_files)
    other = Client()
    other.force_login(student4)
    client, url = _erase_page(coordinator, student4)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmation": "  sanne de VRIES "})
    assert response.status_code == 302
    student_id, email, username = student4.pk, student4.email, student4.username

    erased = User.objects.get(pk=student_id)
    assert erased.display_name == "Verwijderde gebruiker"
    assert not erased.is_active
    assert not erased.has_usable_password()
    assert erased.email == ""
    assert username not in erased.username
    assert not StudentProfile.objects.filter(user_id=student_id).exists()
    assert not Membership.objects.filter(student_id=student_id, left_at__isnull=True).exists()
    # Sessions ended: gone from the store (not only refused for the inactive account), and the
    # student's browser is signed out.
    assert not Session.objects.filter(session_key=other.session.session_key).exists()
    assert other.get(reverse("privacy-my-data")).status_code == 302
    # Messages kept (under the anonymous account), attachments and their files gone.
    assert Message.objects.filter(author_id=student_id, body="Mijn verslag").exists()
    assert not Attachment.objects.exists()
    assert not any(default_storage.exists(n) for n in message_files)
    # Feedback about them gone, what they wrote about a teammate kept, what others wrote kept.
    assert not FeedbackEntry.objects.filter(student_id=student_id).exists()
    assert FeedbackEntry.objects.filter(author_id=student_id, student=student5).exists()
    assert Message.objects.filter(author=student5, body="Dank je Sanne!").exists()

    found = []
    for model, field, kind in _text_and_fk_columns():
        label = (model._meta.label, field.name)
        if kind == "fk":
            if label not in KEPT_LINKS and model._default_manager.filter(**{field.attname: student_id}).exists():
                found.append(label)
            continue
        for needle in (NAME, email, username):
            rows = model._default_manager.filter(**{f"{field.name}__icontains": needle})
            if model is Message:
                rows = rows.filter(author_id=student_id)  # what others wrote is theirs
            if needle and rows.exists():
                found.append((*label, needle))
    assert not found, f"still about the erased student: {found}"
    # The team's chat still renders for a teammate.
    teammate = Client()
    teammate.force_login(student5)
    assert teammate.get(reverse("chat-page", kwargs={"team_id": team.pk})).status_code == 200
    assert teammate.get(f"/api/teams/{team.pk}/messages/").status_code == 200
    # The erasure is in the cohort's log: by the coordinator, about the anonymised account.
    [entry] = AuditEntry.objects.filter(kind=AuditKind.ERASURE)
    assert (entry.actor, entry.subject_id, entry.cohort_id) == (coordinator, student_id, team.assignment.cohort_id)
    log = client.get(reverse("cohort-audit-log", kwargs={"cohort_id": team.assignment.cohort_id})).content.decode()
    assert "Persoonsgegevens van een student gewist door de coördinator." in log


def test_an_archived_cohort_is_erased_after_the_retention_period_once(history, cohort, student4, settings):
    settings.ARCHIVED_COHORT_RETENTION_DAYS = 30
    cohort.archived_at = timezone.now() - dt.timedelta(days=29)
    cohort.save()
    assert erase_expired_cohorts() == 0
    assert User.objects.get(pk=student4.pk).is_active
    cohort.archived_at = timezone.now() - dt.timedelta(days=31)
    cohort.save()
    students = StudentProfile.objects.filter(cohort=cohort).count()
    assert students >= 3
    assert erase_expired_cohorts() == students
    erasures = AuditEntry.objects.filter(kind=AuditKind.ERASURE)
    assert erasures.count() == students
    assert {(e.actor_id, e.cohort_id) for e in erasures} == {(None, cohort.pk)}
    assert not StudentProfile.objects.filter(cohort=cohort).exists()
    assert User.objects.get(pk=student4.pk).display_name == "Verwijderde gebruiker"
    assert erase_expired_cohorts() == 0  # idempotent


def test_the_retention_job_is_scheduled(settings):
    assert any(
        entry["task"] == "supervision.tasks.erase_expired_cohorts" for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    assert privacy_services.retention_days() == settings.ARCHIVED_COHORT_RETENTION_DAYS
