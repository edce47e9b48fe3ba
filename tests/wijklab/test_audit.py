"""The audit log: sign-ins, refusals, role and membership changes, erasure, immutability, retention,
the client address, and the coordinator's page (docs/audit.md). Reads and exports of feedback and
progress: tests/supervision/test_audit_reads.py."""

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teams import services as team_services
from tests.factories import StudentFactory, TeamFactory, UserFactory
from wijklab import audit_selectors
from wijklab.audit_services import audit_prune
from wijklab.client_address import client_address
from wijklab.models import AuditEntry, AuditKind, Role
from wijklab.services import audit_record

PASSWORD = "een-lang-wachtwoord-42"


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kinds() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("kind", flat=True))


# --- sign-ins ------------------------------------------------------------------------------------


def test_a_sign_in_is_recorded_with_who_and_the_address(student4):
    student4.set_password(PASSWORD)
    student4.save()
    response = Client(REMOTE_ADDR="203.0.113.7").post(
        reverse("login"), {"username": student4.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(kind=AuditKind.SIGN_IN)
    assert (entry.actor, entry.subject, entry.address) == (student4, student4, "203.0.113.7")
    assert entry.description == "Ingelogd."


def test_a_failed_sign_in_is_recorded_about_the_account_without_what_was_typed(student4):
    student4.set_password(PASSWORD)
    student4.save()
    Client(REMOTE_ADDR="198.51.100.4").post(reverse("login"), {"username": student4.username, "password": "fout"})
    Client().post(reverse("login"), {"username": "bestaat-niet", "password": "geheim-wachtwoord"})
    tried, unknown = AuditEntry.objects.filter(kind=AuditKind.SIGN_IN_FAILED).order_by("pk")
    assert (tried.actor, tried.subject, tried.address) == (None, student4, "198.51.100.4")
    assert unknown.subject is None
    stored = " ".join(AuditEntry.objects.values_list("description", flat=True))
    assert "fout" not in stored
    assert "geheim" not in stored
    assert "bestaat-niet" not in stored


# --- refused accesses ----------------------------------------------------------------------------


def test_a_refused_page_and_a_refused_api_call_of_a_signed_in_person_are_recorded(
    client_for, student4, outsider_student, coordinator
):
    assert page_client(outsider_student).get(f"/studenten/{student4.pk}/voortgang/").status_code == 404
    assert client_for(student4).get("/api/cohorts/").status_code == 403
    first, second = AuditEntry.objects.filter(kind=AuditKind.ACCESS_REFUSED).order_by("pk")
    assert (first.actor, first.object_id) == (outsider_student, "supervision-progress")
    assert f"404): GET /studenten/{student4.pk}/voortgang/" in first.description
    assert (second.actor, second.object_id) == (student4, "api-cohort-list")
    assert "403" in second.description


def test_no_refusal_is_recorded_for_anonymous_visitors_unknown_paths_or_allowed_pages(client, student4):
    client.get(f"/studenten/{student4.pk}/voortgang/")  # anonymous: a redirect to log in
    Client().get("/api/cohorts/")  # anonymous API: 403, but nobody to record
    signed_in = page_client(student4)
    signed_in.get("/bestaat-niet/")  # no route: a typo, not a refusal
    signed_in.get("/static/bestaat-niet.css")
    assert signed_in.get("/").status_code == 200
    assert not AuditEntry.objects.filter(kind=AuditKind.ACCESS_REFUSED).exists()


# --- membership and roles ------------------------------------------------------------------------


def test_membership_moves_and_removals_are_recorded_about_the_student_in_the_team_cohort(
    team, assignment, student4, coordinator, cohort
):
    other = TeamFactory(assignment=assignment, name="Team Paardenbloem", created_by=coordinator)
    team_services.membership_move(student=student4, to_team=other, by=coordinator, override=True, reason="Rooster")
    team_services.membership_remove(team=other, student=student4, by=coordinator, reason="Stopt")
    moved, removed = AuditEntry.objects.filter(kind=AuditKind.MEMBERSHIP).order_by("pk")
    assert (moved.actor, moved.subject, moved.cohort) == (coordinator, student4, cohort)
    assert moved.description == "Verplaatst van Team Zonnebloem naar Team Paardenbloem."
    assert removed.description == "Uit Team Paardenbloem gehaald."
    # The reason stays in the team's own history, not in the log.
    assert "Rooster" not in moved.description
    assert "Stopt" not in removed.description


def test_joining_and_leaving_are_recorded(assignment, cohort, coordinator):
    team = TeamFactory(assignment=assignment, name="Team Klaproos", created_by=coordinator)
    student = StudentFactory(profile__cohort=cohort, profile__niveau=6)
    team_services.membership_join(team=team, student=student)
    team_services.membership_leave(team=team, student=student)
    joined, left = AuditEntry.objects.filter(kind=AuditKind.MEMBERSHIP).order_by("pk")
    assert (joined.actor, joined.subject, joined.cohort) == (student, student, cohort)
    # The name already starts with "Team": never "Team Team Klaproos".
    assert joined.description == "Lid geworden van Team Klaproos."
    assert left.description == "Team Klaproos verlaten."


def test_a_role_change_in_the_admin_is_recorded(student4):
    staff = UserFactory(username="beheer", is_staff=True, is_superuser=True, role=Role.COORDINATOR)
    client = page_client(staff)
    url = reverse("admin:wijklab_user_change", args=[student4.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data |= {
        "username": student4.username,
        "role": Role.COORDINATOR,
        "date_joined_0": student4.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": student4.date_joined.strftime("%H:%M:%S"),
        "student_profile-TOTAL_FORMS": "0",
        "student_profile-INITIAL_FORMS": "0",
        "supervisor_profile-TOTAL_FORMS": "0",
        "supervisor_profile-INITIAL_FORMS": "0",
    }
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditEntry.objects.get(kind=AuditKind.ROLE)
    assert (entry.actor, entry.subject) == (staff, student4)
    assert "role" in entry.description
    assert "coordinator" in entry.description


# --- erasure (recorded by the erasure service) -----------------------------------------------------


def test_the_erasure_kind_is_recorded_through_the_public_service_function(coordinator, student4, cohort):
    entry = audit_record(
        kind=AuditKind.ERASURE,
        actor=coordinator,
        subject=student4,
        cohort_id=cohort.pk,
        object_type="user",
        object_id=student4.pk,
        description=AuditKind.ERASURE.label,
    )
    assert entry.kind == "erasure"
    assert entry.cohort == cohort
    with pytest.raises(ValueError, match="Unknown audit kind"):
        audit_record(kind="iets-anders", description="x")


# --- nobody changes it; kept for a configured period ----------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted_through_the_app(student4):
    entry = audit_record(kind=AuditKind.SIGN_IN, actor=student4, description="Ingelogd.")
    entry.description = "iets anders"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(description="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).description == "Ingelogd."


def test_the_admin_shows_the_log_read_only(student4):
    entry = audit_record(kind=AuditKind.SIGN_IN, actor=student4, description="Ingelogd.")
    staff = UserFactory(username="beheer", is_staff=True, is_superuser=True, role=Role.COORDINATOR)
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = staff
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    client = page_client(staff)
    assert client.get(reverse("admin:wijklab_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:wijklab_auditentry_change", args=[entry.pk])).status_code == 200
    client.post(reverse("admin:wijklab_auditentry_change", args=[entry.pk]), {"description": "x"})
    client.post(reverse("admin:wijklab_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert AuditEntry.objects.get(pk=entry.pk).description == "Ingelogd."


def test_entries_older_than_the_retention_period_are_deleted_by_the_periodic_task(settings, student4):
    settings.AUDIT_RETENTION_DAYS = 30
    old = audit_record(kind=AuditKind.SIGN_IN, actor=student4, description="Ingelogd.")
    recent = audit_record(kind=AuditKind.SIGN_IN, actor=student4, description="Ingelogd.")
    now = timezone.now()
    # Backdate through the base manager: the app itself has no way to do this.
    AuditEntry._base_manager.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=31))
    AuditEntry._base_manager.filter(pk=recent.pk).update(created_at=now - dt.timedelta(days=29))
    from wijklab.tasks import prune_audit_log

    assert prune_audit_log.delay().get() == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert audit_prune(now=now + dt.timedelta(days=2)) == 1


def test_the_retention_task_is_scheduled_and_the_period_comes_from_the_environment(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-log-retention"]
    assert entry["task"] == "wijklab.tasks.prune_audit_log"
    assert settings.AUDIT_RETENTION_DAYS == 730


# --- the client address ------------------------------------------------------------------------------


def test_the_address_is_remote_addr_unless_proxies_are_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "10.0.0.2"  # a forged X-Forwarded-For fools nothing
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: not trusted
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense")) is None


# --- the coordinator's page ------------------------------------------------------------------------


@pytest.fixture
def logged(cohort, other_cohort, student4, outsider_student, coordinator, mbo_docent):
    other_student = StudentFactory(username="elders", display_name="Elders Student", profile__cohort=other_cohort)
    audit_record(kind=AuditKind.SIGN_IN, actor=student4, subject=student4, description="Ingelogd.")
    audit_record(kind=AuditKind.PROGRESS_READ, actor=mbo_docent, subject_id=outsider_student.pk, description="Bekeken.")
    audit_record(kind=AuditKind.IMPORT, actor=coordinator, cohort_id=cohort.pk, description="Geïmporteerd.")
    audit_record(kind=AuditKind.SIGN_IN, actor=other_student, subject=other_student, description="Elders.")
    return other_student


def test_a_coordinator_sees_only_their_cohorts_entries(logged, cohort, coordinator, other_coordinator):
    mine = audit_selectors.audit_entries_visible_to(viewer=coordinator)
    assert sorted(e.kind for e in mine) == ["import", "progress_read", "sign_in"]
    theirs = audit_selectors.audit_entries_visible_to(viewer=other_coordinator)
    assert [e.description for e in theirs] == ["Elders."]
    page = page_client(coordinator).get(reverse("cohort-audit-log", args=[cohort.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Geïmporteerd." in text
    assert "Bekeken." in text
    assert "Elders." not in text


def test_the_page_filters_by_kind_and_person(logged, cohort, coordinator, student4):
    client = page_client(coordinator)
    url = reverse("cohort-audit-log", args=[cohort.pk])
    by_kind = client.get(url, {"soort": "import"}).content.decode()
    assert "Geïmporteerd." in by_kind
    assert "Bekeken." not in by_kind
    by_person = client.get(url, {"persoon": student4.display_name[:5]}).content.decode()
    assert "Ingelogd." in by_person
    assert "Geïmporteerd." not in by_person
    # Junk in the filters is ignored, never a 500.
    junk = "?soort=%ED%A0%80&persoon=" + "%00" * 300 + "&page=x"
    assert client.get(url + junk).status_code == 200


def test_the_page_is_paginated(cohort, coordinator, student4):
    for _ in range(55):
        audit_record(kind=AuditKind.SIGN_IN, actor=student4, subject=student4, description="Ingelogd.")
    client = page_client(coordinator)
    url = reverse("cohort-audit-log", args=[cohort.pk])
    first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    assert len(client.get(url, {"page": 2}).context["page"].object_list) == 5


@pytest.mark.parametrize("who", ["other_coordinator", "student4", "mbo_docent", "org_contact"])
def test_anyone_but_the_cohorts_coordinator_gets_404(request, logged, cohort, who):
    user = request.getfixturevalue(who)
    assert page_client(user).get(reverse("cohort-audit-log", args=[cohort.pk])).status_code == 404


def test_an_organisation_never_reads_the_log(logged, org_contact, cohort):
    assert not audit_selectors.may_read_audit_log(user=org_contact)
    assert not audit_selectors.audit_entries_visible_to(viewer=org_contact).exists()


def test_a_persons_own_entries_for_their_data_download(logged, student4, mbo_docent, outsider_student):
    assert [e.kind for e in audit_selectors.audit_entries_of_person(user=student4)] == ["sign_in"]
    assert [e.kind for e in audit_selectors.audit_entries_of_person(user=outsider_student)] == ["progress_read"]


# --- durability ----------------------------------------------------------------------------------


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_read_event_alone_commits_without_waiting_for_the_disk_and_every_other_event_waits(
    require_postgres, student4, mbo_docent
):
    """Reads of progress and feedback are written on every view; only their commit skips the wait
    (docs/audit.md, "Durability"), for that one transaction, and never for a caller's data."""

    def record(kind):
        with CaptureQueriesContext(connection) as queries:
            entry = audit_record(kind=kind, actor=mbo_docent, subject=student4, description="Gelezen.")
        assert entry is not None
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
        # Django logs the transaction's BEGIN and COMMIT on PostgreSQL too; the statements are what counts.
        return [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]

    server_setting = _synchronous_commit()  # "on" unless the server is set up otherwise
    for kind in (AuditKind.PROGRESS_READ, AuditKind.FEEDBACK_READ):
        sql = record(kind)
        assert len(sql) == 2
        assert sql[0] == "SET LOCAL synchronous_commit = off"
        assert sql[1].startswith("INSERT")
        # SET LOCAL ends with its transaction: the connection is as it was.
        assert _synchronous_commit() == server_setting
    for kind in (AuditKind.SIGN_IN, AuditKind.EXPORT, AuditKind.ACCESS_REFUSED):
        assert not any("synchronous_commit" in q for q in record(kind))
    # Inside a caller's transaction the read commits with the caller's data, as that data does.
    with transaction.atomic():
        sql = record(AuditKind.PROGRESS_READ)
        assert _synchronous_commit() == server_setting
    assert not any("synchronous_commit" in q for q in sql)
