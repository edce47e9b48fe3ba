"""Every read of a student's feedback or progress by someone else, every export and every supervision
link is in the audit log, at the cost of one INSERT per request (docs/audit.md)."""

import pytest
from django.test import Client

from frontend.views import supervision as supervision_pages
from supervision import api as supervision_api
from supervision import services
from tests.conftest import count_queries
from wijklab.models import AuditEntry, AuditKind

SECRET = "Vertrouwelijke opmerking 7f3a"


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entries(kind: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(kind=kind).order_by("pk"))


@pytest.fixture
def feedback(team, history, mbo_docent, student4):
    return [
        history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=d, comment=SECRET)
        for d in range(3)
    ]


def test_a_docent_reading_progress_and_feedback_pages_is_recorded_once_per_request(
    feedback, mbo_docent, student4, cohort
):
    client = page_client(mbo_docent)
    assert client.get(f"/studenten/{student4.pk}/voortgang/").status_code == 200
    assert client.get(f"/studenten/{student4.pk}/feedback/").status_code == 200
    (progress,) = entries(AuditKind.PROGRESS_READ)
    (listing,) = entries(AuditKind.FEEDBACK_READ)  # three entries on the page, one record
    for entry in (progress, listing):
        assert (entry.actor, entry.subject, entry.cohort) == (mbo_docent, student4, cohort)
        assert entry.address == "127.0.0.1"
    assert progress.description == "Voortgangspagina bekeken."


def test_a_student_reading_their_own_progress_and_feedback_is_not_a_read_by_someone_else(feedback, student4):
    client = page_client(student4)
    for url in ("/mijn-voortgang/", f"/studenten/{student4.pk}/voortgang/", f"/studenten/{student4.pk}/feedback/"):
        assert client.get(url).status_code == 200
    assert not AuditEntry.objects.exclude(kind=AuditKind.SIGN_IN).exists()  # force_login signs in


def test_the_api_reads_are_recorded(feedback, client_for, mbo_docent, student4):
    api = client_for(mbo_docent)
    assert api.get("/api/feedback/").status_code == 200
    assert api.get(f"/api/feedback/?student={student4.pk}").status_code == 200
    assert api.get(f"/api/feedback/{feedback[0].pk}/").status_code == 200
    assert api.get(f"/api/students/{student4.pk}/progress/").status_code == 200
    everything, one_student, detail = entries(AuditKind.FEEDBACK_READ)
    assert everything.subject is None
    assert "3 regels" in everything.description
    assert one_student.subject == student4
    assert (detail.subject, detail.object_type, detail.object_id) == (student4, "feedback", str(feedback[0].pk))
    (progress,) = entries(AuditKind.PROGRESS_READ)
    assert progress.subject == student4


def test_a_student_listing_feedback_in_the_api_reads_only_their_own(feedback, client_for, student4):
    api = client_for(student4)
    assert api.get("/api/feedback/").status_code == 200
    assert api.get(f"/api/feedback/{feedback[0].pk}/").status_code == 200
    assert not AuditEntry.objects.exists()


def test_the_pdf_and_the_csv_are_exports_in_the_log(feedback, mbo_docent, student4):
    client = page_client(mbo_docent)
    assert client.get(f"/studenten/{student4.pk}/voortgang.pdf").status_code == 200
    assert client.get("/begeleiding/overzicht.csv").status_code == 200
    assert client.get("/begeleiding/").status_code == 200
    pdf, csv = entries(AuditKind.EXPORT)
    assert (pdf.subject, pdf.object_type) == (student4, "progress_pdf")
    assert (csv.subject, csv.object_type) == (None, "progress_overview_csv")
    (overview,) = entries(AuditKind.PROGRESS_READ)
    assert overview.object_type == "progress_overview"


def test_no_feedback_content_niveau_or_programme_ever_reaches_the_log(feedback, client_for, mbo_docent, student4):
    page = page_client(mbo_docent)
    page.get(f"/studenten/{student4.pk}/voortgang/")
    page.get(f"/studenten/{student4.pk}/feedback/")
    page.get(f"/studenten/{student4.pk}/voortgang.pdf")
    page.get("/begeleiding/overzicht.csv")
    client_for(mbo_docent).get(f"/api/feedback/{feedback[0].pk}/")
    text = " ".join(AuditEntry.objects.values_list("description", flat=True))
    assert AuditEntry.objects.exclude(kind=AuditKind.SIGN_IN).count() == 5
    assert SECRET not in text
    assert student4.student_profile.programme not in text
    assert "niveau" not in text.lower()


def test_supervision_links_made_and_ended_are_recorded(team, coordinator, other_supervisor, student4, cohort):
    link = services.supervision_assign(by=coordinator, supervisor=other_supervisor, team=team)
    services.supervision_unassign(by=coordinator, link=link)
    personal = services.supervision_assign(by=coordinator, supervisor=other_supervisor, student=student4)
    made, ended, for_student = entries(AuditKind.SUPERVISION)
    assert (made.actor, made.subject, made.cohort) == (coordinator, other_supervisor, cohort)
    assert made.description == "Begeleider van Team Zonnebloem geworden."
    assert ended.description == "Geen begeleider meer van Team Zonnebloem."
    # A link to one student is about the student; their name is not kept in the text.
    assert (for_student.subject, for_student.object_id) == (student4, str(personal.pk))
    assert student4.display_name not in for_student.description


@pytest.mark.parametrize(
    ("url", "module"),
    [
        ("/studenten/{}/voortgang/", supervision_pages),
        ("/studenten/{}/feedback/", supervision_pages),
        ("/api/students/{}/progress/", supervision_api),
        ("/api/feedback/?student={}", supervision_api),
    ],
)
def test_recording_a_read_costs_exactly_one_insert_and_no_read(
    monkeypatch, feedback, mbo_docent, student4, url, module
):
    """Measured on the progress page: 11 queries before the audit log, 12 with it (docs/audit.md)."""
    client = page_client(mbo_docent)
    url = url.format(student4.pk)
    client.get(url)  # the first look may fill caches
    with count_queries() as recorded:
        assert client.get(url).status_code == 200
    # Reads go through supervision.services.record_read_by_other; the API's list records itself.
    monkeypatch.setattr(module, "audit_record", lambda **kwargs: None)
    monkeypatch.setattr(services, "audit_record", lambda **kwargs: None)
    with count_queries() as unrecorded:
        assert client.get(url).status_code == 200
    inserts = [q["sql"] for q in recorded.captured_queries if q["sql"].startswith("INSERT")]
    assert len(recorded.captured_queries) == len(unrecorded.captured_queries) + 1
    assert len(inserts) == 1
    assert "wijklab_auditentry" in inserts[0]
