"""Regression tests for what the visibility audit found and fixed (one test per fix).

The audit itself is in test_level_blind_crawl.py, test_permission_table.py
and test_never_a_500.py; these pin each fix down with the small named people
of tests/conftest.py.
"""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse

import wijklab.urls
from supervision import selectors as supervision_selectors
from supervision.models import Criterion, FeedbackEntry
from teams import services as team_services
from teams.chat import services as chat_services
from teams.models import Attachment, Duo, DuoRole, SupervisionAssignment, Team
from tests.factories import AssignmentFactory, StudentFactory, TeamFactory, add_member, pdf_bytes
from wijklab.models import SupervisorKind


def test_organisations_cannot_tell_whether_the_youth_case_duo_has_a_niveau_6(
    client_for, cohort, organisation, neighbourhood, coordinator, org_contact, hbo_docent
):
    """The duo's two names are on the page; a problem line that comes and goes with
    their niveaus would tell the organisation whether one of them is hbo."""
    assignment = AssignmentFactory(
        cohort=cohort,
        organisation=organisation,
        neighbourhood=neighbourhood,
        created_by=coordinator,
        requires_hbo=True,
        team_size_min=3,
        team_size_max=4,
    )
    team = TeamFactory(assignment=assignment, created_by=coordinator)
    a, b, c = (
        StudentFactory(profile__niveau=n, profile__cohort=cohort, display_name=f"Student {n}") for n in (4, 5, 6)
    )
    for student in (a, b, c):
        add_member(team, student)
    SupervisionAssignment.objects.create(supervisor=hbo_docent, team=team)
    assert hbo_docent.supervisor_profile.kind == SupervisorKind.HBO_DOCENT
    # The youth case is carried by the niveau 4 and niveau 5 students: a real problem ...
    Duo.objects.create(
        team=team,
        member_a=a,
        role_a=DuoRole.PROCESROL,
        member_b=b,
        role_b=DuoRole.BEGELEIDINGSROL,
        carries_youth_case=True,
    )
    staff = client_for(coordinator).get(f"/api/teams/{team.pk}/").json()
    assert [p["code"] for p in staff["problems"]] == ["youth_case_duo_needs_niveau_6"]
    # ... which the organisation does not learn, not even as the general composition line.
    seen = client_for(org_contact).get(f"/api/teams/{team.pk}/").json()
    assert seen["problems"] == []
    browser = Client()
    browser.force_login(org_contact)
    page = browser.get(f"/teams/{team.pk}/")
    assert page.status_code == 200
    assert "Student 4" in page.content.decode()
    assert "samenstelling van het team voldoet nog niet" not in page.content.decode()


@pytest.mark.parametrize(
    "url_name", ["supervision-overview", "supervision-overview-csv", "supervision-assign", "supervision-my-progress"]
)
def test_read_only_supervision_pages_answer_405_to_other_methods(client, coordinator, student4, url_name):
    client.force_login(student4 if url_name == "supervision-my-progress" else coordinator)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(reverse(url_name)).status_code == 405


@pytest.mark.parametrize("url_name", ["supervision-progress", "supervision-progress-pdf", "supervision-feedback-list"])
def test_a_students_progress_pages_answer_405_to_other_methods(client, coordinator, student4, url_name):
    client.force_login(coordinator)
    url = reverse(url_name, args=[student4.pk])
    assert client.get(url).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405


HUGE = 10**20  # more than any database integer: SQLite raised OverflowError on these (a 500)


def test_a_team_filter_with_an_impossible_id_is_a_400_or_no_filter(client_for, client, team, coordinator):
    answer = client_for(coordinator).get("/api/teams/", {"assignment": str(HUGE)})
    assert answer.status_code == 400
    assert answer.json() == {"assignment": ["Geef een opdracht-id."]}
    client.force_login(coordinator)
    page = client.get("/teams/", {"opdracht": str(HUGE)})
    assert page.status_code == 200
    assert team.name in page.content.decode()


def test_a_task_owner_with_an_impossible_id_is_refused(client_for, client, team, student4):
    answer = client_for(student4).post(
        f"/api/teams/{team.pk}/tasks/", {"phase": "verkenning", "title": "Bellen", "owner": HUGE}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json() == {"owner": ["De eigenaar moet lid van dit team zijn."]}
    client.force_login(student4)
    page = client.post(f"/teams/{team.pk}/taken/", {"phase": "verkenning", "title": "Bellen", "owner": str(HUGE)})
    # Without JavaScript the form comes back with the error and what was typed (not a redirect that loses it).
    assert page.status_code == 400
    assert "De eigenaar moet lid van dit team zijn." in page.content.decode()
    assert not team.tasks.exists()


def test_a_duo_with_an_impossible_member_id_is_refused(client_for, client, team, student4, student6):
    roles = {str(HUGE): "procesrol", str(student4.pk): "begeleidingsrol"}
    answer = client_for(student4).post(
        f"/api/teams/{team.pk}/duos/", {"members": [HUGE, student4.pk], "roles": roles}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json() == {"members": ["Kies twee leden van dit team."]}
    client.force_login(student4)
    page = client.post(f"/teams/{team.pk}/duos/", {"procesrol": str(HUGE), "begeleidingsrol": str(student6.pk)})
    assert page.status_code == 302
    assert not team.duos.exists()


def test_drf_messages_its_dutch_catalogue_misses_are_dutch_too(client_for, team, student4):
    """docs/api.md: messages are Dutch by default. DRF's own Dutch catalogue has gaps."""
    api = client_for(student4)
    tasks = f"/api/teams/{team.pk}/tasks/"
    answer = api.post(tasks, {"phase": "verkenning", "title": ["x"]}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"title": ["Vul tekst in."]}
    assert answer.data["title"][0].code == "invalid"
    answer = api.generic("POST", tasks, "{geen json", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "De inhoud is geen geldige JSON."}
    answer = api.post(f"/api/teams/{team.pk}/duos/", {"members": [student4.pk], "roles": {}}, format="json")
    assert answer.json()["members"] == ["Deze lijst moet minstens 2 elementen hebben."]
    # Who asks for English gets DRF's English.
    answer = api.post(tasks, {"phase": "verkenning", "title": ["x"]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json() == {"title": ["Not a valid string."]}


NUL = "ook\x00dit"  # PostgreSQL refuses NUL in text: it answered 500 there (and SQLite stored it)


def test_team_texts_with_a_nul_character_are_refused(client, team, student4, coordinator, assignment):
    client.force_login(coordinator)
    client.post("/teams/nieuw/", {"assignment": assignment.pk, "name": NUL})
    assert not Team.objects.filter(name__contains="dit").exists()
    client.post(f"/teams/{team.pk}/uit-team/", {"student": student4.pk, "reason": NUL})
    assert team.memberships.filter(student=student4, left_at__isnull=True).exists()
    client.force_login(student4)
    client.post(f"/teams/{team.pk}/taken/", {"phase": "verkenning", "title": NUL})
    assert not team.tasks.exists()
    with pytest.raises(ValidationError) as refused:
        team_services.team_create(assignment=assignment, name=NUL, by=coordinator)
    assert refused.value.message_dict == {"name": ["De tekst bevat een teken dat niet kan."]}
    with pytest.raises(ValidationError) as refused:
        team_services.task_create(team=team, by=student4, phase="verkenning", title="Bellen", description=NUL)
    assert refused.value.message_dict == {"description": ["De tekst bevat een teken dat niet kan."]}


def test_feedback_and_rubric_texts_with_a_nul_character_are_refused(client, team, student4, mbo_docent, coordinator):
    criterion = supervision_selectors.default_rubric().criteria.first()
    client.force_login(mbo_docent)
    page = client.post("/feedback/geven/", {"student": student4.pk, f"level-{criterion.pk}": "3", "comment": NUL})
    assert page.status_code == 400
    assert "De tekst bevat een teken dat niet kan." in page.content.decode()
    assert not FeedbackEntry.objects.exists()
    descriptors = {f"descriptor-{level}": f"Beschrijving {level}" for level in (1, 2, 3, 4)}
    client.force_login(coordinator)
    for field in ("name", "description", "programme", "descriptor-2"):
        form = {"category": "vakinhoudelijk", "name": "Outreachend werken", **descriptors, field: NUL}
        assert client.post("/coordinatie/rubric/", form).status_code == 400
    assert not Criterion.objects.filter(name="Outreachend werken").exists()
    page = client.post(f"/coordinatie/rubric/{criterion.pk}/", {"name": "Anders", "description": NUL, **descriptors})
    assert page.status_code == 400
    criterion.refresh_from_db()
    assert criterion.name != "Anders"


def test_chat_files_are_only_served_through_the_chat_check(client, team, student4, outsider_student, settings):
    """In local mode /media/ served MEDIA_ROOT to anyone logged in, next to the chat's own checked download."""
    upload = SimpleUploadedFile("verslag.pdf", pdf_bytes(), content_type="application/pdf")
    message, _created = chat_services.message_post(
        team=team, author=student4, body="", client_id="bestand-1", files=[upload], announce=False
    )
    attachment = Attachment.objects.get(message=message)
    client.force_login(outsider_student)
    assert client.get(f"/api/teams/{team.pk}/attachments/{attachment.pk}/").status_code == 404
    assert client.get(attachment.file.url).status_code == 404
    client.force_login(student4)
    assert client.get(f"/api/teams/{team.pk}/attachments/{attachment.pk}/").status_code == 200


def test_media_files_are_not_served_in_local_mode_either(settings):
    """With DEBUG (``make run``) /media/ served chat files to anyone logged in who had the path."""
    settings.DEBUG = True
    try:
        urls = importlib.reload(wijklab.urls)
        assert not [p for p in urls.urlpatterns if "media" in str(getattr(p, "pattern", ""))]
    finally:
        settings.DEBUG = False
        importlib.reload(wijklab.urls)
        clear_url_caches()
