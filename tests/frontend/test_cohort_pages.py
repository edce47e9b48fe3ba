"""The cohort pages and API: a coordinator's own cohorts only, readiness, archive read-only."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, reverse

from assignments.models import AssignmentStatus, Preference
from teams.formation_selectors import formation_readiness
from tests.conftest import count_queries
from tests.factories import AssignmentFactory, CompetenceFactory, SchoolFactory, StudentFactory
from wijklab import services
from wijklab.models import Cohort, StudentProfile


def _complete(user, competence) -> None:
    profile = StudentProfile.objects.get(user=user)
    profile.available_days = [0, 1]
    profile.save()
    profile.competences.add(competence)


def test_a_coordinator_creates_a_cohort_and_sees_it(client, coordinator, cohort):
    school = SchoolFactory(name="Albeda")
    competence = CompetenceFactory(name="Signaleren")
    client.force_login(coordinator)
    response = client.post(
        reverse("cohort-create"),
        {
            "name": "Ronde 2027",
            "starts_on": "2027-09-01",
            "ends_on": "2028-07-01",
            "schools": [school.pk],
            "competences": [competence.pk],
        },
    )
    created = Cohort.objects.get(name="Ronde 2027")
    assert response["Location"] == reverse("cohort-detail", args=[created.pk])
    assert coordinator in created.coordinators.all()
    listing = client.get(reverse("cohort-list")).content.decode()
    assert listing.index("Ronde 2027") < listing.index("Testcohort")  # newest first
    detail = client.get(reverse("cohort-detail", args=[created.pk])).content.decode()
    assert "Albeda" in detail
    assert "Signaleren" in detail


def test_a_bad_cohort_form_says_what_is_wrong_and_stores_nothing(client, coordinator, cohort):
    client.force_login(coordinator)
    response = client.post(
        reverse("cohort-create"), {"name": "Testcohort", "starts_on": "2027-09-01", "ends_on": "2027-01-01"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Er is al een cohort met deze naam." in page
    assert Cohort.objects.count() == 1


def test_the_edit_form_starts_from_the_cohort_as_it_is(client, coordinator, cohort):
    school = SchoolFactory(name="Zadkine")
    cohort.schools.add(school)
    client.force_login(coordinator)
    form = client.get(reverse("cohort-edit", args=[cohort.pk])).context["form"]
    assert form["name"].value() == "Testcohort"
    assert form["starts_on"].value() == "2026-09-01"
    assert [int(v) for v in form["schools"].value()] == [school.pk]
    response = client.post(
        reverse("cohort-edit", args=[cohort.pk]),
        {"name": "Testcohort 2", "starts_on": "2026-09-01", "ends_on": "2027-07-01", "schools": [school.pk]},
    )
    assert response.status_code == 302
    assert Cohort.objects.get(pk=cohort.pk).name == "Testcohort 2"


def test_the_cohort_list_and_api_cost_the_same_queries_for_more_cohorts(client, client_for, coordinator, cohort):
    client.force_login(coordinator)
    api = client_for(coordinator)
    client.get(reverse("cohort-list"))
    with count_queries() as few_pages:
        client.get(reverse("cohort-list"))
    with count_queries() as few_api:
        api.get("/api/cohorts/")
    for n in range(5):
        services.cohort_create(
            by=coordinator, name=f"Ronde {n}", starts_on=dt.date(2027, 9, 1), ends_on=dt.date(2028, 7, 1)
        )
    with count_queries() as many_pages:
        client.get(reverse("cohort-list"))
    with count_queries() as many_api:
        assert len(api.get("/api/cohorts/").json()) == 6
    assert len(many_pages) == len(few_pages)
    assert len(many_api) == len(few_api)


def test_another_coordinators_cohort_is_not_found(client, coordinator, other_cohort):
    client.force_login(coordinator)
    for name in ("cohort-detail", "cohort-edit"):
        assert client.get(reverse(name, args=[other_cohort.pk])).status_code == 404
    assert client.post(reverse("cohort-archive", args=[other_cohort.pk])).status_code == 404
    assert not Cohort.objects.get(pk=other_cohort.pk).is_archived


def test_the_detail_names_who_is_not_ready_for_team_formation(
    client, coordinator, cohort, student4, student5, student6, assignment, competences
):
    _complete(student5, competences[0])
    _complete(student6, competences[1])
    Preference.objects.create(student=student6, assignment=assignment, rank=1)
    client.force_login(coordinator)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    ready = page[page.index('id="gereed"') : page.index('id="studenten"')]
    assert "1 van 3 studenten heeft nog geen volledig profiel" in ready
    assert "Sanne de Vries" in ready
    assert "Youssef El Amrani" in ready  # complete, but no preferences
    assert "2 van 3 studenten hebben nog geen voorkeuren opgegeven" in ready
    assert "Lotte Jansen" not in ready


def test_a_list_that_is_done_says_so_instead_of_counting_zero(
    client, coordinator, cohort, student4, student5, assignment, competences
):
    _complete(student4, competences[0])
    _complete(student5, competences[1])
    Preference.objects.create(student=student4, assignment=assignment, rank=1)
    client.force_login(coordinator)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    ready = page[page.index('id="gereed"') : page.index('id="studenten"')]
    assert "Iedereen heeft een volledig profiel." in ready
    assert "0 van" not in ready
    assert "1 van 2 studenten heeft nog geen voorkeuren opgegeven" in ready
    assert student5.display_name in ready


def test_a_choice_of_an_assignment_no_longer_open_does_not_count_as_preferences_on_the_page_and_in_formation(
    client, coordinator, cohort, student4, assignment, competences
):
    """One rule (assignments.selectors.has_open_preference) for the cohort page's summary, its rows and
    the formation page: a student whose only choice is no longer open must choose again."""
    _complete(student4, competences[0])
    cancelled = AssignmentFactory(cohort=cohort, title="Geannuleerde buurtklus", status=AssignmentStatus.CANCELLED)
    Preference.objects.create(student=student4, assignment=cancelled, rank=1)
    client.force_login(coordinator)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    ready = page[page.index('id="gereed"') : page.index('id="studenten"')]
    assert student4.display_name in ready
    row = page[page.index(f'<th scope="row">{student4.display_name}</th>') :].split("</tr>")[0]
    assert "nog niet" in row
    assert formation_readiness(cohort=cohort).without_preferences == [student4]
    Preference.objects.create(student=student4, assignment=assignment, rank=2)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    assert "<td>ja</td>" in page[page.index(f'<th scope="row">{student4.display_name}</th>') :].split("</tr>")[0]
    assert formation_readiness(cohort=cohort).everyone_ready


def test_each_student_row_says_profile_preferences_and_team(
    client, coordinator, cohort, student4, student5, student6, assignment, team, competences
):
    _complete(student5, competences[0])
    Preference.objects.create(student=student5, assignment=assignment, rank=1)
    outsider = StudentFactory(username="zonder-team", display_name="Zora Zonder", profile__cohort=cohort)
    client.force_login(coordinator)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    rows = {
        name: page[page.index(f'<th scope="row">{name}</th>') :].split("</tr>")[0]
        for name in (student4.display_name, student5.display_name, outsider.display_name)
    }
    assert "onvolledig" in rows[student4.display_name]
    assert "nog niet" in rows[student4.display_name]
    assert team.name in rows[student4.display_name]
    assert ">volledig<" in rows[student5.display_name]
    assert "<td>ja</td>" in rows[student5.display_name]
    assert team.name in rows[student5.display_name]
    assert "<td>—</td>" in rows[outsider.display_name]


def test_the_detail_page_costs_the_same_queries_for_many_students(client, coordinator, cohort, student4):
    client.force_login(coordinator)
    url = reverse("cohort-detail", args=[cohort.pk])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    school = SchoolFactory(name="Zadkine")
    for n in range(30):
        StudentFactory(username=f"extra{n}", profile__cohort=cohort, profile__school=school)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_detail_lists_the_cohorts_assignments_ten_at_a_time(
    client, coordinator, cohort, organisation, neighbourhood
):
    for n in range(23):
        AssignmentFactory(
            cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, title=f"Opdracht {n:02}"
        )
    client.force_login(coordinator)
    url = reverse("cohort-detail", args=[cohort.pk])
    page = client.get(url).content.decode()
    section = page[page.index('id="opdrachten"') :]
    assert 'Opdrachten <span class="muted">(23)</span>' in section
    assert "Opdracht 09" in section
    assert "Opdracht 10" not in section
    assert "?opdrachten=2#opdrachten" in section
    last = client.get(url, {"opdrachten": 3}).content.decode()
    assert "Opdracht 20" in last
    assert "Opdracht 19" not in last
    assert "Pagina 3 van 3" in last


def test_the_detail_links_to_import_invitations_and_formation_only_when_they_exist(client, coordinator, cohort):
    client.force_login(coordinator)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    # Each of these belongs to another stream; the page links to them by name once they exist.
    for name in ("cohort-import", "cohort-invitations", "cohort-formation"):
        url = _url_if_it_exists(name, cohort.pk)
        if url is not None:
            assert url in page


def _url_if_it_exists(name: str, cohort_id: int) -> str | None:
    try:
        return reverse(name, args=[cohort_id])
    except NoReverseMatch:  # that stream's page has not landed in this branch
        return None


# --- archive ------------------------------------------------------------------------------------


def test_archiving_explains_itself_and_makes_the_cohort_read_only(client, coordinator, cohort, team, assignment):
    client.force_login(coordinator)
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    assert "kan niemand nog iets wijzigen" in page
    response = client.post(reverse("cohort-archive", args=[cohort.pk]))
    assert response.status_code == 302
    assert Cohort.objects.get(pk=cohort.pk).is_archived
    page = client.get(reverse("cohort-detail", args=[cohort.pk])).content.decode()
    assert "gearchiveerd" in page
    assert reverse("cohort-edit", args=[cohort.pk]) not in page
    assert "Gearchiveerd" in client.get(reverse("cohort-list")).content.decode()
    # Editing goes back with the reason.
    response = client.get(reverse("cohort-edit", args=[cohort.pk]))
    assert response.status_code == 302
    assert "gearchiveerd" in str(next(iter(get_messages(response.wsgi_request))))


def test_pages_of_an_archived_cohort_show_history_and_refuse_changes(
    client, coordinator, cohort, team, assignment, student4
):
    services.cohort_archive(cohort=cohort, by=coordinator)
    client.force_login(student4)
    assert client.get(reverse("team-detail", args=[team.pk])).status_code == 200
    assert client.get(reverse("assignment-detail", args=[assignment.pk])).status_code == 200
    assert client.get(reverse("chat-page", args=[team.pk])).status_code == 200
    back = reverse("team-detail", args=[team.pk])
    response = client.post(
        reverse("team-task-create", args=[team.pk]),
        {"phase": "verkenning", "title": "Bellen"},
        headers={"referer": back},
    )
    assert response.status_code == 302
    assert any("gearchiveerd" in str(m) for m in get_messages(response.wsgi_request))
    assert not team.tasks.exists()
    client.force_login(coordinator)
    response = client.post(reverse("assignment-cancel", args=[assignment.pk]))
    assert response.status_code == 302
    assert any("gearchiveerd" in str(m) for m in get_messages(response.wsgi_request))


def test_an_archived_cohorts_team_page_shows_its_history_without_forms(
    client, coordinator, cohort, team, assignment, student4
):
    team.tasks.create(phase="verkenning", title="Bellen met de wijkagent")
    services.cohort_archive(cohort=cohort, by=coordinator)
    url = reverse("team-detail", args=[team.pk])
    client.force_login(student4)
    page = client.get(url).content.decode()
    assert "Dit team hoort bij een gearchiveerd cohort" in page
    assert "Bellen met de wijkagent" in page
    for action in ("team-task-create", "team-duo-create", "team-leave"):
        assert reverse(action, args=[team.pk]) not in page, action
    chat = client.get(reverse("chat-page", args=[team.pk])).content.decode()
    assert "je kunt de chat teruglezen, maar er niets meer in sturen" in chat
    assert re.search(r'<form class="chat__form" id="chat-form"[^>]* hidden>', chat)
    client.force_login(coordinator)
    page = client.get(url).content.decode()
    assert "Teambeheer" in page
    assert "Wijzigingen" in page  # the history stays
    for action in ("team-move", "team-remove", "team-status"):
        assert reverse(action, args=[team.pk]) not in page, action


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_creates_changes_and_archives_own_cohorts(client_for, coordinator, cohort, other_cohort):
    api = client_for(coordinator)
    listed = api.get("/api/cohorts/").json()
    assert [c["name"] for c in listed] == ["Testcohort"]
    created = api.post(
        "/api/cohorts/", {"name": "Ronde 2027", "starts_on": "2027-09-01", "ends_on": "2028-07-01"}, format="json"
    )
    assert created.status_code == 201
    new_id = created.json()["id"]
    changed = api.patch(f"/api/cohorts/{new_id}/", {"name": "Ronde 2027-2028"}, format="json")
    assert changed.json()["name"] == "Ronde 2027-2028"
    assert api.get(f"/api/cohorts/{other_cohort.pk}/").status_code == 404
    archived = api.post(f"/api/cohorts/{new_id}/archive/")
    assert archived.json()["is_archived"] is True
    again = api.patch(f"/api/cohorts/{new_id}/", {"name": "Anders"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "cohort_archived"
    assert api.post(f"/api/cohorts/{new_id}/archive/").status_code == 409


def test_the_api_refuses_writes_in_an_archived_cohort_with_409(client_for, coordinator, cohort, team, student4):
    services.cohort_archive(cohort=cohort, by=coordinator)
    response = client_for(student4).post(
        f"/api/teams/{team.pk}/tasks/", {"phase": "verkenning", "title": "Bellen"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "cohort_archived"
    assert "gearchiveerd" in response.json()["detail"]
    assert client_for(student4).get(f"/api/teams/{team.pk}/").status_code == 200


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x", "starts_on": "gisteren"}, {"schools": [987654]}])
def test_bad_api_input_is_a_dutch_400(client_for, coordinator, cohort, body):
    response = client_for(coordinator).patch(f"/api/cohorts/{cohort.pk}/", body, format="json")
    assert response.status_code == 400


def test_students_may_not_use_the_cohort_api(client_for, student4, cohort):
    assert client_for(student4).get("/api/cohorts/").status_code == 403
    assert client_for(student4).get(f"/api/cohorts/{cohort.pk}/").status_code == 404


def test_an_htmx_request_refused_by_the_archive_reloads_the_page_with_the_reason(
    client, coordinator, cohort, team, student4
):
    services.cohort_archive(cohort=cohort, by=coordinator)
    client.force_login(student4)
    response = client.post(
        reverse("team-task-create", args=[team.pk]),
        {"phase": "verkenning", "title": "Bellen"},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert any("gearchiveerd" in str(m) for m in get_messages(response.wsgi_request))


def test_a_chat_message_in_an_archived_cohort_is_a_409_and_history_stays(
    client_for, coordinator, cohort, team, student4
):
    api = client_for(student4)
    before = api.post(f"/api/teams/{team.pk}/messages/", {"body": "Eerder", "client_id": "m-1"}, format="json")
    assert before.status_code == 201
    services.cohort_archive(cohort=cohort, by=coordinator)
    refused = api.post(f"/api/teams/{team.pk}/messages/", {"body": "Later", "client_id": "m-2"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "cohort_archived"
    history = api.get(f"/api/teams/{team.pk}/messages/").json()
    assert [m["body"] for m in history["results"]] == ["Eerder"]


def test_the_coordinators_overview_lists_their_running_cohorts(client, coordinator, cohort, other_cohort):
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("cohort-detail", args=[cohort.pk])}"' in page
    assert f'href="{reverse("cohort-detail", args=[other_cohort.pk])}"' not in page
    services.cohort_archive(cohort=cohort, by=coordinator)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("cohort-detail", args=[cohort.pk])}"' not in page
    assert "Je hebt geen lopend cohort." in page
