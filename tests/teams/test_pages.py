"""The team pages role by role: outsiders get 404, organisations never read a niveau, htmx swaps, constant queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments.models import AssignmentStatus
from teams.models import Duo, Membership, MembershipChange, SupervisionAssignment, Task, TaskChange, TeamStatus
from tests.conftest import count_queries, queries_of_get
from tests.factories import add_member
from tests.teams.builders import open_team, small_assignment, student

PEOPLE = [
    "student4",
    "outsider_student",
    "org_contact",
    "other_org_contact",
    "mbo_docent",
    "other_supervisor",
    "coordinator",
    "other_coordinator",
]
SEES_TEAM = {"student4", "org_contact", "mbo_docent", "coordinator"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(request, team):
    return {name: request.getfixturevalue(name) for name in PEOPLE}


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_assignment(cohort, organisation, neighbourhood, coordinator)


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def niveau_mentions(html: str) -> list[str]:
    return re.findall(r".{0,40}niveau.{0,40}", html.lower())


# --- who sees what ----------------------------------------------------------


@pytest.mark.parametrize("name", PEOPLE)
def test_team_page_is_404_for_outsiders(client, people, team, name):
    response = page(client, people[name], reverse("team-detail", args=[team.pk]))
    assert response.status_code == (200 if name in SEES_TEAM else 404)


@pytest.mark.parametrize("name", PEOPLE)
def test_every_role_has_a_teams_page_and_an_overview_panel(client, people, team, name):
    response = page(client, people[name], reverse("team-list"))
    assert response.status_code == 200
    # A student without a team sees the open teams of the cohort, to join one.
    assert (team.name in response.content.decode()) is (name in SEES_TEAM | {"outsider_student"})
    home = page(client, people[name], reverse("home")).content.decode()
    assert (team.name in home) is (name in SEES_TEAM)


def test_the_roster_shows_competences_and_niveau_to_teammates(client, team, student4, student6, competences):
    student6.student_profile.competences.add(competences[1])
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Lotte Jansen" in html
    assert competences[1].name in html
    assert "niveau 6" in html


@pytest.mark.parametrize("name", ["mbo_docent", "coordinator"])
def test_supervisors_and_coordinators_see_niveaus(client, people, team, name):
    html = page(client, people[name], reverse("team-detail", args=[team.pk])).content.decode()
    assert {"niveau 4", "niveau 5", "niveau 6"} <= set(re.findall(r"niveau \d", html))


def test_an_organisation_contact_never_reads_a_niveau(client, team, org_contact, student4, student6, competences):
    team.assignment.requires_hbo = True
    team.assignment.save()
    team.assignment.required_competences.create(competence=competences[0], importance=3)
    SupervisionAssignment.objects.filter(supervisor__supervisor_profile__kind="hbo_docent").delete()
    Duo.objects.create(
        team=team,
        member_a=student4,
        role_a="procesrol",
        member_b=student6,
        role_b="begeleidingsrol",
        carries_youth_case=True,
    )
    Task.objects.create(team=team, phase="verkenning", title="Kennismaken", owner=student4)
    add_member(open_team(team.assignment), student(team.assignment.cohort, 4))  # an incomplete team too
    for url in [reverse("home"), reverse("team-list"), reverse("team-detail", args=[team.pk])]:
        html = page(client, org_contact, url).content.decode()
        assert niveau_mentions(html) == [], url
    html = page(client, org_contact, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Procesrol" in html
    # Which duo carries the youth case would say who is the niveau 6 student (docs/visibility.md).
    assert "draagt de jeugdcasus" not in html.lower()
    assert "draagt de verantwoordelijkheid voor de jeugdcasus" not in html.lower()
    assert "Kennismaken" in html
    assert "hbo-docent als begeleider" in html  # the problem, level-blind


def test_requires_hbo_shows_the_youth_case_duo_with_its_niveau_6_to_members(client, team, student4, student6):
    team.assignment.requires_hbo = True
    team.assignment.save()
    Duo.objects.create(
        team=team,
        member_a=student4,
        role_a="procesrol",
        member_b=student6,
        role_b="begeleidingsrol",
        carries_youth_case=True,
    )
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    # One whole sentence, not a sentence with a loose badge after its full stop.
    assert (
        "Het duo Sanne de Vries en Lotte Jansen draagt de verantwoordelijkheid voor de jeugdcasus, "
        "met een niveau 6-student erin."
    ) in html
    # Giving a duo the youth case is an action, not a statement.
    Duo.objects.update(carries_youth_case=False)
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Jeugdcasus aan dit duo geven" in html
    assert ">Dit duo draagt de jeugdcasus</button>" not in html


def test_a_youth_case_duo_without_niveau_6_is_said_in_one_sentence(client, team, student4, student5, coordinator):
    team.assignment.requires_hbo = True
    team.assignment.save()
    Duo.objects.create(
        team=team,
        member_a=student4,
        role_a="procesrol",
        member_b=student5,
        role_b="begeleidingsrol",
        carries_youth_case=True,
    )
    html = page(client, coordinator, reverse("team-detail", args=[team.pk])).content.decode()
    assert (
        "Het duo Sanne de Vries en Youssef El Amrani draagt de verantwoordelijkheid voor de jeugdcasus, "
        "maar er zit geen niveau 6-student in."
    ) in html


def test_the_youth_case_duo_is_a_sentence_for_the_team_and_hidden_from_the_organisation(
    client, team, org_contact, student4, student6
):
    team.assignment.requires_hbo = True
    team.assignment.save()
    Duo.objects.create(
        team=team,
        member_a=student4,
        role_a="procesrol",
        member_b=student6,
        role_b="begeleidingsrol",
        carries_youth_case=True,
    )
    # The organisation is not told which duo carries it: that duo holds the niveau 6 student (docs/visibility.md).
    html = page(client, org_contact, reverse("team-detail", args=[team.pk])).content.decode()
    assert "draagt de verantwoordelijkheid voor de jeugdcasus" not in html
    # The team itself reads one whole sentence.
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Het duo Sanne de Vries en Lotte Jansen draagt de verantwoordelijkheid voor de jeugdcasus" in html


def test_the_competence_mix_asks_only_members_to_decide_together(client, team, student4, org_contact, competences):
    team.assignment.required_competences.create(competence=competences[0], importance=3)
    member = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Het team dekt 0 van de 1 competenties. Bepaal samen of de mix past." in member
    organisation = page(client, org_contact, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Het team dekt 0 van de 1 competenties." in organisation
    assert "Bepaal samen" not in organisation


def test_a_complete_team_with_room_left_does_not_read_as_full_and_complete(client, team, coordinator):
    # The team of three on an assignment for 3 to 5: complete, with room for two more.
    for url in [reverse("team-list"), reverse("team-detail", args=[team.pk])]:
        html = page(client, coordinator, url).content.decode()
        assert "Compleet" in html
        assert "3 van 5" not in html
    assert "(gevraagd: 3–5)" in page(client, coordinator, reverse("team-list")).content.decode()
    detail = page(client, coordinator, reverse("team-detail", args=[team.pk])).content.decode()
    assert "3 leden; het team vraagt er 3 tot 5." in detail


def test_a_team_name_that_starts_with_team_is_not_doubled(client, assignment, coordinator):
    client.force_login(coordinator)
    create = reverse("team-create")
    html = client.post(create, {"assignment": assignment.pk, "name": "Team Afrikaander"}, follow=True).content.decode()
    assert "Team Afrikaander is geopend." in html
    assert "Team Team" not in html
    response = client.post(create, {"assignment": assignment.pk, "name": "Klaproos"}, follow=True)
    assert "Team Klaproos is geopend." in response.content.decode()


def test_a_missing_hbo_docent_is_shown_as_a_problem(client, team, student4):
    team.assignment.requires_hbo = True
    team.assignment.save()
    SupervisionAssignment.objects.filter(supervisor__supervisor_profile__kind="hbo_docent").delete()
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    assert 'data-code="needs_hbo_docent"' in html
    assert 'data-code="no_youth_case_duo"' in html


def test_the_page_shows_which_required_competences_are_covered_and_lacking(client, team, student4, competences):
    team.assignment.required_competences.create(competence=competences[0], importance=3)
    team.assignment.required_competences.create(competence=competences[1], importance=2)
    student4.student_profile.competences.add(competences[0])
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    covered = re.search(r'mix__item--covered">.*?</li>', html, re.S).group(0)
    lacking = re.search(r'mix__item--lacking">.*?</li>', html, re.S).group(0)
    assert competences[0].name in covered
    assert "Sanne de Vries" in covered
    assert competences[1].name in lacking
    assert "1 van de 2" in html


# --- joining and leaving in the browser -------------------------------------


def test_a_student_without_team_sees_open_teams_and_joins(client, small, cohort):
    team = open_team(small, "Team Open")
    newcomer = student(cohort, 6)
    html = page(client, newcomer, reverse("team-list")).content.decode()
    assert "Team Open" in html
    assert reverse("team-join", args=[team.pk]) in html
    response = client.post(reverse("team-join", args=[team.pk]))
    assert response.status_code == 302
    assert response.url == reverse("team-detail", args=[team.pk])
    assert Membership.objects.filter(team=team, student=newcomer, left_at__isnull=True).exists()


def test_a_refused_join_shows_its_plain_dutch_reason(client, small, cohort):
    """The student is outside the team: the reason never names the niveau it misses (docs/visibility.md)."""
    team = open_team(small)
    add_member(team, student(cohort, 4))
    add_member(team, student(cohort, 5))
    late = student(cohort, 4)
    listing = page(client, late, reverse("team-list")).content.decode()
    assert "De samenstelling van het team laat dit niet toe." in listing
    assert "niveau 6" not in listing
    response = client.post(reverse("team-join", args=[team.pk]), follow=True)
    assert "De samenstelling van het team laat dit niet toe." in response.content.decode()
    assert not Membership.objects.filter(student=late).exists()


def test_a_team_of_another_cohort_cannot_be_joined(client, team, other_cohort):
    client.force_login(student(other_cohort, 6))
    assert client.post(reverse("team-join", args=[team.pk])).status_code == 404


def test_a_member_leaves_from_the_team_page(client, team, student4):
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    assert reverse("team-leave", args=[team.pk]) in html
    response = client.post(reverse("team-leave", args=[team.pk]))
    assert response.status_code == 302
    assert client.get(reverse("team-detail", args=[team.pk])).status_code == 404


def test_leaving_a_started_team_is_refused_with_a_message(client, team, student4):
    team.status = TeamStatus.ACTIVE
    team.save()
    client.force_login(student4)
    response = client.post(reverse("team-leave", args=[team.pk]), follow=True)
    assert "vraag het dan aan de coördinator" in response.content.decode()


def test_outsiders_cannot_leave_or_join_other_teams(client, team, outsider_student, org_contact):
    client.force_login(outsider_student)
    assert client.post(reverse("team-leave", args=[team.pk])).status_code == 404
    client.force_login(org_contact)
    assert client.post(reverse("team-join", args=[team.pk])).status_code == 403


# --- duos -------------------------------------------------------------------


def test_members_get_a_mixed_duo_suggestion_and_form_a_duo(client, team, student4, student6):
    url = reverse("team-detail", args=[team.pk])
    html = page(client, student4, url).content.decode()
    assert "Voorstel: gemengde duo" in html
    assert "Sanne de Vries (niveau 4) en Lotte Jansen (niveau 6)" in html
    prefilled = client.get(url, {"procesrol": student6.pk, "begeleidingsrol": student4.pk}).content.decode()
    assert f'<option value="{student6.pk}" selected>' in prefilled
    response = client.post(
        reverse("team-duo-create", args=[team.pk]), {"procesrol": student6.pk, "begeleidingsrol": student4.pk}
    )
    assert response.status_code == 302
    duo = Duo.objects.get()
    role_of = {duo.member_a_id: duo.role_a, duo.member_b_id: duo.role_b}
    assert (role_of[student6.pk], role_of[student4.pk]) == ("procesrol", "begeleidingsrol")


def test_a_bad_duo_is_refused_with_a_message(client, team, student4):
    client.force_login(student4)
    response = client.post(
        reverse("team-duo-create", args=[team.pk]),
        {"procesrol": student4.pk, "begeleidingsrol": student4.pk},
        follow=True,
    )
    assert "twee verschillende teamleden" in response.content.decode()
    assert not Duo.objects.exists()


def test_only_members_form_duos_in_pages(client, team, student4, student6, mbo_docent, outsider_student):
    data = {"procesrol": student6.pk, "begeleidingsrol": student4.pk}
    client.force_login(mbo_docent)
    assert client.post(reverse("team-duo-create", args=[team.pk]), data).status_code == 403
    client.force_login(outsider_student)
    assert client.post(reverse("team-duo-create", args=[team.pk]), data).status_code == 404
    assert not Duo.objects.exists()


def test_members_mark_the_youth_case_duo_and_dissolve_duos(client, team, student4, student6):
    team.assignment.requires_hbo = True
    team.assignment.save()
    duo = Duo.objects.create(
        team=team, member_a=student4, role_a="procesrol", member_b=student6, role_b="begeleidingsrol"
    )
    client.force_login(student4)
    client.post(reverse("duo-youth-case", args=[duo.pk]))
    duo.refresh_from_db()
    assert duo.carries_youth_case
    client.post(reverse("duo-dissolve", args=[duo.pk]))
    assert not Duo.objects.exists()


# --- the task board ---------------------------------------------------------


def test_the_board_has_three_phases_and_overdue_tasks_stand_out(client, team, student4):
    Task.objects.create(team=team, phase="begeleiding", title="Te laat", due_on=datetime.date(2020, 1, 1))
    Task.objects.create(team=team, phase="waakvlam", title="Op tijd", due_on=datetime.date(2099, 1, 1))
    html = page(client, student4, reverse("team-detail", args=[team.pk])).content.decode()
    for phase in ("verkenning", "begeleiding", "waakvlam"):
        assert f'id="fase-{phase}"' in html
    late = re.search(r'<article class="task[^"]*"[^>]*>\s*<p class="task__title">Te laat', html).group(0)
    assert "task--overdue" in late
    on_time = re.search(r'<article class="task[^"]*"[^>]*>\s*<p class="task__title">Op tijd', html).group(0)
    assert "task--overdue" not in on_time


def test_moving_a_task_with_htmx_returns_only_its_phase(client, team, student4):
    task = Task.objects.create(team=team, phase="verkenning", title="Bellen")
    client.force_login(student4)
    response = client.post(reverse("task-status", args=[task.pk]), {"status": "done"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<section class="phase" id="fase-verkenning"')
    done_column = re.search(r'data-status="done">.*?</div>\s*</div>', html, re.S).group(0)
    assert "Bellen" in done_column
    task.refresh_from_db()
    assert task.status == "done"


def test_moving_a_task_without_javascript_redirects_back(client, team, student4):
    task = Task.objects.create(team=team, phase="waakvlam", title="Nazorg")
    client.force_login(student4)
    response = client.post(reverse("task-status", args=[task.pk]), {"status": "doing"})
    assert response.status_code == 302
    assert response.url.endswith("#fase-waakvlam")


def test_a_bad_status_changes_nothing(client, team, student4):
    task = Task.objects.create(team=team, phase="waakvlam", title="Nazorg")
    client.force_login(student4)
    assert client.post(reverse("task-status", args=[task.pk]), {"status": "x"}, headers=HTMX).status_code == 400
    task.refresh_from_db()
    assert task.status == "todo"


@pytest.mark.parametrize(("name", "status"), [("mbo_docent", 403), ("org_contact", 403), ("outsider_student", 404)])
def test_only_members_move_or_add_tasks(client, people, team, name, status):
    task = Task.objects.create(team=team, phase="waakvlam", title="Nazorg")
    client.force_login(people[name])
    assert client.post(reverse("task-status", args=[task.pk]), {"status": "done"}, headers=HTMX).status_code == status
    response = client.post(reverse("team-task-create", args=[team.pk]), {"phase": "waakvlam", "title": "x"})
    assert response.status_code == status
    assert Task.objects.get().status == "todo"


def test_adding_a_task_with_htmx_swaps_the_board_and_shows_errors_inline(client, team, student4, student5):
    client.force_login(student4)
    url = reverse("team-task-create", args=[team.pk])
    response = client.post(
        url,
        {"title": "Buurthuis bellen", "phase": "begeleiding", "owner": student5.pk, "due_on": in_days(14)},
        headers=HTMX,
    )
    html = response.content.decode()
    assert html.strip().startswith('<section class="card" id="taken"')
    assert "Buurthuis bellen" in html
    assert Task.objects.get().owner == student5
    bad = client.post(url, {"title": "", "phase": "begeleiding", "due_on": "morgen"}, headers=HTMX).content.decode()
    assert "Geef de taak een titel." in bad
    assert "Geef een geldige datum." in bad
    assert Task.objects.count() == 1


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_a_new_task_with_a_deadline_in_the_past_is_asked_about_first(client, team, student4):
    client.force_login(student4)
    url = reverse("team-task-create", args=[team.pk])
    form = {"title": "Verslag", "phase": "verkenning", "due_on": in_days(-3)}
    asked = client.post(url, form, headers=HTMX).content.decode()
    assert "Deze deadline ligt in het verleden. Klopt dat?" in asked
    assert 'name="confirm_past_due"' in asked
    assert 'value="Verslag"' in asked  # what was typed stays
    assert not Task.objects.exists()
    client.post(url, {**form, "confirm_past_due": "1"}, headers=HTMX)
    assert Task.objects.get().due_on.isoformat() == in_days(-3)


def test_without_javascript_a_task_form_error_keeps_what_was_typed(client, team, student4):
    client.force_login(student4)
    response = client.post(reverse("team-task-create", args=[team.pk]), {"title": "", "phase": "verkenning"})
    assert response.status_code == 400
    assert "Geef de taak een titel." in response.content.decode()
    assert not Task.objects.exists()


def test_a_member_edits_a_task_and_the_change_is_in_its_history(client, team, student4, student5, people):
    task = Task.objects.create(team=team, phase="verkenning", title="Bellen", due_on=timezone.localdate())
    client.force_login(student4)
    url = reverse("task-edit", args=[task.pk])
    page_html = client.get(url).content.decode()
    assert 'value="Bellen"' in page_html
    response = client.post(
        url,
        {
            "title": "Buurthuis bellen",
            "description": "Vraag naar de sleutel",
            "phase": "begeleiding",
            "status": "doing",
            "owner": student5.pk,
            "due_on": in_days(10),
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.phase, task.status, task.owner) == ("Buurthuis bellen", "begeleiding", "doing", student5)
    change = TaskChange.objects.get(task=task, kind="changed")
    assert change.changes["owner"] == [None, student5.pk]
    assert change.changes["title"] == ["Bellen", "Buurthuis bellen"]
    # The team's docent sees who changed what, with names, not ids.
    client.force_login(people["mbo_docent"])
    html = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert "Geschiedenis van de taken" in html
    assert f"{student4.get_display_name()} wijzigde ‘Buurthuis bellen’" in html
    assert student5.get_display_name() in html.split("Geschiedenis van de taken")[1]


def test_editing_keeps_a_past_deadline_without_asking_again(client, team, student4):
    old = timezone.localdate() - datetime.timedelta(days=5)
    task = Task.objects.create(team=team, phase="verkenning", title="Bellen", due_on=old)
    client.force_login(student4)
    form = {"title": "Bellen", "phase": "verkenning", "status": "done", "owner": "", "due_on": old.isoformat()}
    assert client.post(reverse("task-edit", args=[task.pk]), form).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    asked = client.post(reverse("task-edit", args=[task.pk]), {**form, "due_on": in_days(-1)})
    assert asked.status_code == 200
    assert "is al voorbij" in asked.content.decode()
    task.refresh_from_db()
    assert task.due_on == old


def test_bad_input_on_the_edit_page_is_a_form_error_and_nothing_changes(client, team, student4):
    task = Task.objects.create(team=team, phase="verkenning", title="Bellen")
    client.force_login(student4)
    form = {"title": "", "phase": "x", "status": "y", "owner": "999999", "due_on": "gisteren"}
    response = client.post(reverse("task-edit", args=[task.pk]), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kies een fase" in html
    assert "Geef een geldige datum." in html
    task.refresh_from_db()
    assert (task.title, task.phase) == ("Bellen", "verkenning")
    assert not TaskChange.objects.filter(kind="changed").exists()


def test_deleting_a_task_asks_first_and_keeps_the_history(client, team, student4):
    task = Task.objects.create(team=team, phase="verkenning", title="Bellen")
    client.force_login(student4)
    url = reverse("task-delete", args=[task.pk])
    assert "‘Bellen’ verwijderen?" in client.get(url).content.decode()
    assert Task.objects.filter(pk=task.pk).exists()
    assert client.post(url).status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()
    assert TaskChange.objects.get(kind="deleted").title == "Bellen"


@pytest.mark.parametrize(("name", "status"), [("mbo_docent", 403), ("org_contact", 403), ("outsider_student", 404)])
def test_only_members_edit_or_delete_tasks(client, people, team, name, status):
    task = Task.objects.create(team=team, phase="waakvlam", title="Nazorg")
    client.force_login(people[name])
    assert client.get(reverse("task-edit", args=[task.pk])).status_code == status
    assert client.post(reverse("task-edit", args=[task.pk]), {"title": "x"}).status_code == status
    assert client.post(reverse("task-delete", args=[task.pk])).status_code == status
    task.refresh_from_db()
    assert task.title == "Nazorg"


def test_a_deadline_in_another_year_shows_its_year(client, team, student4):
    this_year = timezone.localdate().replace(month=6, day=15)
    Task.objects.create(team=team, phase="verkenning", title="Dit jaar", due_on=this_year)
    Task.objects.create(
        team=team, phase="verkenning", title="Volgend jaar", due_on=this_year.replace(year=this_year.year + 1)
    )
    client.force_login(student4)
    html = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert f">15 juni {this_year.year + 1}</time>" in html
    assert ">15 juni</time>" in html


# --- coordinators and organisation contacts ---------------------------------


def test_coordinator_moves_a_student_with_a_recorded_override(client, team, small, cohort, coordinator, student4):
    target = open_team(small)
    add_member(target, student(cohort, 4))
    add_member(target, student(cohort, 5))
    url = reverse("team-detail", args=[target.pk])
    html = page(client, coordinator, url).content.decode()
    assert "Student in dit team plaatsen" in html
    refused = client.post(reverse("team-move", args=[target.pk]), {"student": student4.pk}, follow=True)
    assert "laatste plek nodig voor een niveau 6-student" in refused.content.decode()
    assert not MembershipChange.objects.filter(kind="moved").exists()
    asked = client.post(
        reverse("team-move", args=[target.pk]),
        {"student": student4.pk, "override": "on", "reason": "Alleen zo past het rooster"},
    ).content.decode()
    # Taking student4 out leaves Team Zonnebloem without a niveau 4: the page asks first.
    assert "voldoet Team Zonnebloem niet meer" in asked
    assert "Er is nog 1 niveau 4-student nodig." in asked
    assert not MembershipChange.objects.filter(kind="moved").exists()
    client.post(
        reverse("team-move", args=[target.pk]),
        {"student": student4.pk, "override": "on", "reason": "Alleen zo past het rooster", "confirm_departure": "1"},
    )
    change = MembershipChange.objects.get(kind="moved")
    assert (change.override, change.reason, change.from_team, change.to_team) == (
        True,
        "Alleen zo past het rooster",
        team,
        target,
    )
    history = client.get(url).content.decode()
    assert "Alleen zo past het rooster" in history
    assert "Regels overschreven" in history


def test_coordinator_removes_a_student_with_a_reason(client, team, coordinator, student5):
    client.force_login(coordinator)
    client.post(reverse("team-remove", args=[team.pk]), {"student": student5.pk, "reason": ""})
    assert team.memberships.filter(student=student5, left_at__isnull=True).exists()
    client.post(reverse("team-remove", args=[team.pk]), {"student": student5.pk, "reason": "Stopt"})
    assert not team.memberships.filter(student=student5, left_at__isnull=True).exists()


@pytest.mark.parametrize("name", ["student4", "org_contact", "mbo_docent"])
def test_others_cannot_move_students(client, people, team, outsider_student, name):
    client.force_login(people[name])
    response = client.post(reverse("team-move", args=[team.pk]), {"student": outsider_student.pk})
    assert response.status_code == 403
    assert not MembershipChange.objects.exists()


def test_the_move_form_is_only_for_coordinators(client, team, student4, org_contact):
    for user in (student4, org_contact):
        html = page(client, user, reverse("team-detail", args=[team.pk])).content.decode()
        assert "Student in dit team plaatsen" not in html


@pytest.mark.parametrize("name", ["coordinator", "org_contact"])
def test_coordinators_and_organisations_open_teams_from_the_list(client, people, assignment, name):
    html = page(client, people[name], reverse("team-list")).content.decode()
    assert "Nieuw team openen" in html
    response = client.post(reverse("team-create"), {"assignment": assignment.pk, "name": "Team Nieuw"})
    assert response.status_code == 302
    assert assignment.teams.filter(name="Team Nieuw").exists()


@pytest.mark.parametrize("name", ["other_org_contact", "mbo_docent", "student4"])
def test_others_cannot_open_teams_from_pages(client, people, assignment, name):
    client.force_login(people[name])
    client.post(reverse("team-create"), {"assignment": assignment.pk, "name": "Team Nieuw"})
    assert not assignment.teams.filter(name="Team Nieuw").exists()


def test_no_team_on_a_closed_assignment(client, assignment, coordinator):
    assignment.status = AssignmentStatus.COMPLETED
    assignment.save()
    client.force_login(coordinator)
    response = client.post(reverse("team-create"), {"assignment": assignment.pk, "name": "Team Nieuw"}, follow=True)
    assert "Kies een open opdracht." in response.content.decode()


# --- query counts -----------------------------------------------------------


def grow(team, cohort, competences, *, members: int, tasks: int) -> None:
    new = [student(cohort, (4, 5, 6)[i % 3]) for i in range(members)]
    for s in new:
        add_member(team, s)
        s.student_profile.competences.add(*competences)
    for a, b in zip(new[::2], new[1::2], strict=False):
        Duo.objects.create(team=team, member_a=a, role_a="procesrol", member_b=b, role_b="begeleidingsrol")
    for i in range(tasks):
        Task.objects.create(
            team=team,
            phase=("verkenning", "begeleiding", "waakvlam")[i % 3],
            status=("todo", "doing", "done")[i % 3],
            title=f"T{i}",
            owner=new[0],
            due_on=datetime.date(2020, 1, 1),
        )


@pytest.mark.parametrize("name", ["student4", "org_contact", "mbo_docent", "coordinator"])
def test_team_page_queries_do_not_grow_with_team_size_or_tasks(client, people, team, cohort, competences, name):
    team.assignment.team_size_max = 40
    team.assignment.save()
    for c in competences:
        team.assignment.required_competences.create(competence=c)
    client.force_login(people[name])
    url = reverse("team-detail", args=[team.pk])
    grow(team, cohort, competences[:1], members=2, tasks=3)
    before = queries_of_get(client, url)
    grow(team, cohort, competences, members=12, tasks=18)
    assert queries_of_get(client, url) == before
    assert before <= 25


@pytest.mark.parametrize("name", ["org_contact", "coordinator"])
def test_team_list_queries_do_not_grow_with_the_number_of_teams(client, people, team, name):
    client.force_login(people[name])
    before = queries_of_get(client, reverse("team-list"))
    for _ in range(8):
        add_member(open_team(team.assignment), student(team.assignment.cohort, 4))
    assert queries_of_get(client, reverse("team-list")) == before


def test_open_teams_page_queries_do_not_grow_with_the_number_of_teams(client, small, cohort):
    viewer = student(cohort, 5)
    client.force_login(viewer)
    open_team(small)
    before = queries_of_get(client, reverse("team-list"))
    for _ in range(8):
        add_member(open_team(small), student(cohort, 4))
    assert queries_of_get(client, reverse("team-list")) == before


def test_htmx_task_move_query_count_does_not_grow(client, team, cohort, competences, student4):
    client.force_login(student4)
    grow(team, cohort, competences[:1], members=2, tasks=3)
    task = Task.objects.filter(phase="verkenning").first()
    with count_queries() as small_board:
        client.post(reverse("task-status", args=[task.pk]), {"status": "doing"}, headers=HTMX)
    grow(team, cohort, competences[:1], members=2, tasks=30)
    with count_queries() as big_board:
        client.post(reverse("task-status", args=[task.pk]), {"status": "done"}, headers=HTMX)
    assert len(big_board.captured_queries) == len(small_board.captured_queries)


def test_coordinator_starts_a_team_from_its_page(client, team, coordinator, student4):
    html = page(client, coordinator, reverse("team-detail", args=[team.pk])).content.decode()
    assert "Zet op: Actief" in html
    client.post(reverse("team-status", args=[team.pk]), {"status": "active"})
    team.refresh_from_db()
    assert team.status == "active"
    client.force_login(student4)
    assert client.post(reverse("team-status", args=[team.pk]), {"status": "open"}).status_code == 403


def test_the_student_overview_counts_their_open_and_late_tasks(client, team, student4, student5):
    today = timezone.localdate()
    late, soon = today - datetime.timedelta(days=2), today + datetime.timedelta(days=3)
    for title, owner, due_on, status in [
        ("Te laat", student4, late, "todo"),
        ("Bezig en te laat", student4, late, "doing"),
        ("Binnenkort", student4, soon, "todo"),
        ("Al klaar", student4, late, "done"),
        ("Van een ander", student5, late, "todo"),
    ]:
        Task.objects.create(team=team, phase="verkenning", title=title, owner=owner, due_on=due_on, status=status)
    html = page(client, student4, reverse("home")).content.decode()
    assert "3 open taken op jouw naam" in html
    assert "2 te laat" in html


# --- the list's search and the "new team" picker (a region has hundreds of assignments) ----------


def test_the_team_list_searches_by_team_assignment_and_organisation(
    client, coordinator, team, cohort, organisation, neighbourhood
):
    other = open_team(small_assignment(cohort, organisation, neighbourhood, coordinator, title="Buurtkeuken Tarwewijk"))
    other.name = "Team Maas"
    other.save()
    url = reverse("team-list")
    for query in ("maas", "TARWEWIJK"):
        html = page(client, coordinator, url, data={"q": query}).content.decode()
        assert "Team Maas" in html, query
        assert team.name not in html, query
        assert f"Gezocht op „{query}”" in html
    html = page(client, coordinator, url, data={"q": organisation.name[:6]}).content.decode()
    assert "Team Maas" in html
    assert team.name in html
    html = page(client, coordinator, url, data={"q": "niemand heet zo"}).content.decode()
    assert "Geen teams gevonden." in html
    # A NUL or a huge assignment id finds nothing or filters nothing; never a 500.
    assert page(client, coordinator, url, data={"q": "a\x00b"}).status_code == 200
    html = page(client, coordinator, url, data={"opdracht": str(10**30)}).content.decode()
    assert "Team Maas" in html
    assert team.name in html


def test_the_team_list_keeps_its_search_across_pages(client, coordinator, cohort, organisation, neighbourhood):
    assignment = small_assignment(cohort, organisation, neighbourhood, coordinator, title="Zomerschool")
    for i in range(27):
        open_team(assignment, name=f"Zomerteam {i:02}")
    html = page(client, coordinator, reverse("team-list"), data={"q": "zomer"}).content.decode()
    assert "q=zomer&amp;page=2" in html
    html = page(client, coordinator, reverse("team-list"), data={"q": "zomer", "page": 2}).content.decode()
    assert "Zomerteam 26" in html
    assert "Zomerteam 00" not in html


def test_the_team_list_shows_one_assignments_teams_from_a_link(client, coordinator, team, small, other_coordinator):
    other = open_team(small)
    url = reverse("team-list")
    html = page(client, coordinator, url, data={"opdracht": small.pk}).content.decode()
    assert other.name in html
    assert team.name not in html
    assert f"Teams op {small.title}." in html
    # Someone else's assignment filters nothing and says nothing about it.
    html = page(client, other_coordinator, url, data={"opdracht": small.pk}).content.decode()
    assert small.title not in html


def test_the_new_team_picker_offers_a_few_open_assignments_and_finds_the_others(
    client, coordinator, cohort, organisation, neighbourhood
):
    for i in range(12):
        small_assignment(cohort, organisation, neighbourhood, coordinator, title=f"Opdracht {i:02}")
    small_assignment(
        cohort, organisation, neighbourhood, coordinator, title="Gesloten", status=AssignmentStatus.COMPLETED
    )
    url = reverse("team-list")
    html = page(client, coordinator, url).content.decode()
    offered = re.findall(r'<option value="\d+">([^<]*) ·', html)
    assert len(offered) == 10
    assert "Opdracht 11" not in offered
    assert "Alleen de eerste 10 open opdrachten" in html
    # htmx asks for the choices alone while the coordinator types.
    part = page(client, coordinator, url, data={"nieuw": "11"}, headers={**HTMX, "HX-Target": "new-team-choices"})
    assert "<html" not in part.content.decode()
    assert re.findall(r'<option value="\d+">([^<]*) ·', part.content.decode()) == ["Opdracht 11"]
    html = page(client, coordinator, url, data={"nieuw": "Gesloten"}).content.decode()
    assert not re.findall(r'<option value="\d+">([^<]*) ·', html)
    assert "Geen open opdracht gevonden voor „Gesloten”" in html


@pytest.mark.parametrize("name", ["mbo_docent", "student4"])
def test_who_opens_no_teams_gets_no_picker(client, people, small, name):
    html = page(client, people[name], reverse("team-list"), data={"nieuw": "x"}).content.decode()
    assert "Nieuw team openen" not in html


def test_the_team_list_asks_a_constant_number_of_queries(client, coordinator, cohort, organisation, neighbourhood):
    def grow():
        assignment = small_assignment(cohort, organisation, neighbourhood, coordinator)
        for _ in range(3):
            team = open_team(assignment)
            for niveau in (4, 5, 6):
                add_member(team, student(cohort, niveau))

    client.force_login(coordinator)
    url = reverse("team-list") + "?q=team"
    grow()
    before = queries_of_get(client, url)
    for _ in range(4):
        grow()
    assert queries_of_get(client, url) == before


# --- the order of lists -------------------------------------------------------------------


def test_teams_are_listed_by_title_and_name_in_the_order_of_names(
    client, coordinator, cohort, organisation, neighbourhood
):
    """Titles and names as people type them: lower case and accents sort with their letter, not after Z
    (byte order put "buurtmoestuin" and "Één keer per week" after "Zwerfafval"), on the page, in the
    API and in the home page's panel alike (teams.selectors.in_list_order)."""
    titles = ["Zwerfafval Oosterflank", "buurtmoestuin Charlois", "Één keer per week koken", "Avondwandeling"]
    for title in titles:
        assignment = small_assignment(cohort, organisation, neighbourhood, coordinator, title=title)
        open_team(assignment, name="team oost")
        open_team(assignment, name="Team Noord")
    expected = [
        (title, name)
        for title in ["Avondwandeling", "buurtmoestuin Charlois", "Één keer per week koken", "Zwerfafval Oosterflank"]
        for name in ["Team Noord", "team oost"]
    ]
    client.force_login(coordinator)
    listed = client.get("/api/teams/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(row["assignment"]["title"], row["name"]) for row in rows] == expected
    page = client.get(reverse("team-list")).content.decode()
    positions = [page.index(title) for title in ["Avondwandeling", "buurtmoestuin", "Één keer", "Zwerfafval"]]
    assert positions == sorted(positions)
    home = client.get(reverse("home")).content.decode()
    panel = home[home.index("Avondwandeling") :]
    assert panel.index("buurtmoestuin") < panel.index("Één keer")
