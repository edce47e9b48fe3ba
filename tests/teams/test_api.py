"""The Teams API of docs/api.md: role by role, every refusal code, niveau only where allowed, constant queries."""

import json
import re

import pytest

from assignments.models import AssignmentStatus
from teams.models import Duo, MembershipChange, SupervisionAssignment, Task, TeamStatus
from tests.conftest import queries_of_get
from tests.factories import AssignmentFactory, CompetenceFactory, add_member
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


@pytest.fixture
def people(request, team):
    return {name: request.getfixturevalue(name) for name in PEOPLE}


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_assignment(cohort, organisation, neighbourhood, coordinator)


def niveau_mentions(data) -> list[str]:
    """Every key or text in a JSON answer that speaks about niveau."""
    text = json.dumps(data, ensure_ascii=False).lower()
    return re.findall(r".{0,30}niveau.{0,30}", text)


# --- visibility -------------------------------------------------------------


@pytest.mark.parametrize("name", PEOPLE)
def test_team_list_shows_only_visible_teams(client_for, people, team, name):
    response = client_for(people[name]).get("/api/teams/")
    assert response.status_code == 200
    ids = [t["id"] for t in response.json()["results"]]
    assert ids == ([team.pk] if name in SEES_TEAM else [])


@pytest.mark.parametrize("name", PEOPLE)
def test_team_detail_is_404_for_outsiders(client_for, people, team, name):
    response = client_for(people[name]).get(f"/api/teams/{team.pk}/")
    assert response.status_code == (200 if name in SEES_TEAM else 404)


def test_anonymous_gets_nothing(client_for, team):
    assert client_for(None).get("/api/teams/").status_code in {401, 403}
    assert client_for(None).post(f"/api/teams/{team.pk}/join/").status_code in {401, 403}


def test_an_unknown_team_looks_like_a_forbidden_one(client_for, student4, team):
    assert client_for(student4).get("/api/teams/999999/").status_code == 404


def test_detail_has_members_competences_duos_and_coverage(client_for, team, student4, student6, competences):
    team.assignment.required_competences.create(competence=competences[0], importance=3)
    team.assignment.required_competences.create(competence=competences[1], importance=2)
    student4.student_profile.competences.add(competences[0])
    Duo.objects.create(team=team, member_a=student4, role_a="procesrol", member_b=student6, role_b="begeleidingsrol")
    data = client_for(student4).get(f"/api/teams/{team.pk}/").json()
    sanne = next(m for m in data["members"] if m["id"] == student4.pk)
    assert sanne["competences"] == [{"id": competences[0].pk, "name": competences[0].name}]
    assert sanne["duo_role"] == "procesrol"
    assert sanne["niveau"] == 4
    assert data["covered_competences"] == [competences[0].pk]
    assert data["missing_competences"] == [competences[1].pk]
    assert data["duos"][0]["roles"] == {str(student4.pk): "procesrol", str(student6.pk): "begeleidingsrol"}
    assert data["is_complete"] is True
    assert {s["kind"] for s in data["supervisors"]} == {"mbo_docent", "hbo_docent", "werkbegeleider"}


@pytest.mark.parametrize("name", ["student4", "mbo_docent", "coordinator"])
def test_niveau_is_shown_to_those_allowed(client_for, people, team, name):
    data = client_for(people[name]).get(f"/api/teams/{team.pk}/").json()
    assert sorted(m["niveau"] for m in data["members"]) == [4, 5, 6]


def test_a_supervisor_of_one_student_sees_only_that_students_niveau(client_for, team, student5, other_supervisor):
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=student5)
    data = client_for(other_supervisor).get(f"/api/teams/{team.pk}/").json()
    assert {m["id"]: m.get("niveau") for m in data["members"]}[student5.pk] == 5
    assert [m for m in data["members"] if "niveau" in m] == [m for m in data["members"] if m["id"] == student5.pk]


def test_niveau_never_reaches_an_organisation_contact(client_for, team, org_contact, student4, student6):
    team.assignment.requires_hbo = True
    team.assignment.save()
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
    client = client_for(org_contact)
    for url in [
        "/api/teams/",
        f"/api/teams/{team.pk}/",
        f"/api/teams/{team.pk}/tasks/",
        f"/api/teams/{team.pk}/duos/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert niveau_mentions(response.json()) == [], url
    detail = client.get(f"/api/teams/{team.pk}/").json()
    assert all(
        set(m) == {"id", "display_name", "competences", "duo", "duo_role", "joined_at"} for m in detail["members"]
    )
    assert "needs_hbo_docent" in {p["code"] for p in detail["problems"]}


def test_an_incomplete_team_is_described_level_blind_to_its_organisation(
    client_for, small, org_contact, cohort, coordinator
):
    team = open_team(small)
    add_member(team, student(cohort, 4))
    add_member(team, student(cohort, 4))
    data = client_for(org_contact).get(f"/api/teams/{team.pk}/").json()
    assert niveau_mentions(data) == []
    # Two members: no verdict on the composition at all (it would tell both niveaus, docs/visibility.md).
    assert {p["code"] for p in data["problems"]} == {"too_small"}
    assert "is_complete" not in data
    # Three: the general line, and the verdict.
    bigger = open_team(
        small_assignment(cohort, small.organisation, small.neighbourhood, coordinator, team_size_min=4, team_size_max=4)
    )
    for _ in range(3):
        add_member(bigger, student(cohort, 4))
    data = client_for(org_contact).get(f"/api/teams/{bigger.pk}/").json()
    assert niveau_mentions(data) == []
    assert {p["code"] for p in data["problems"]} == {"too_small", "composition"}
    assert data["is_complete"] is False


# --- creating ---------------------------------------------------------------


def test_coordinator_and_organisation_contact_open_teams(client_for, assignment, coordinator, org_contact):
    response = client_for(coordinator).post("/api/teams/", {"assignment": assignment.pk, "name": "Team Noord"})
    assert response.status_code == 201
    assert response.json()["name"] == "Team Noord"
    response = client_for(org_contact).post("/api/teams/", {"assignment": assignment.pk, "name": "Team Zuid"})
    assert response.status_code == 201
    assert niveau_mentions(response.json()) == []


@pytest.mark.parametrize(("name", "status"), [("student4", 403), ("mbo_docent", 403)])
def test_others_cannot_open_teams(client_for, people, assignment, name, status):
    response = client_for(people[name]).post("/api/teams/", {"assignment": assignment.pk, "name": "Team X"})
    assert response.status_code == status


@pytest.mark.parametrize("name", ["other_org_contact", "other_coordinator"])
def test_a_team_on_someone_elses_assignment_is_refused(client_for, people, assignment, name):
    response = client_for(people[name]).post("/api/teams/", {"assignment": assignment.pk, "name": "Team X"})
    assert response.status_code == 400
    assert "assignment" in response.json()


def test_bad_team_input_is_a_400_not_a_500(client_for, assignment, coordinator):
    client = client_for(coordinator)
    assert client.post("/api/teams/", {"assignment": "x", "name": "Team"}).status_code == 400
    assert client.post("/api/teams/", {"assignment": assignment.pk}).status_code == 400
    client.post("/api/teams/", {"assignment": assignment.pk, "name": "Team Noord"})
    duplicate = client.post("/api/teams/", {"assignment": assignment.pk, "name": "team noord"})
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()


def test_a_team_on_a_draft_assignment_is_a_409(client_for, assignment, coordinator):
    assignment.status = AssignmentStatus.DRAFT
    assignment.save()
    response = client_for(coordinator).post("/api/teams/", {"assignment": assignment.pk, "name": "Team Noord"})
    assert response.status_code == 409
    assert response.json()["code"] == "assignment_not_open"


# --- joining and leaving ----------------------------------------------------


def test_join_and_every_refusal_code(client_for, small, cohort):
    team = open_team(small)
    first, second, late, six = student(cohort, 4), student(cohort, 5), student(cohort, 4), student(cohort, 6)
    assert client_for(first).post(f"/api/teams/{team.pk}/join/").status_code == 200
    assert client_for(second).post(f"/api/teams/{team.pk}/join/").status_code == 200
    refused = client_for(late).post(f"/api/teams/{team.pk}/join/")
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "needs_niveau",
        "detail": "De samenstelling van het team laat dit niet toe.",  # never naming the niveau the team misses
    }
    joined = client_for(six).post(f"/api/teams/{team.pk}/join/")
    assert joined.status_code == 200
    assert joined.json()["is_complete"] is True
    assert client_for(student(cohort, 6)).post(f"/api/teams/{team.pk}/join/").json()["code"] == "team_full"
    other = open_team(small)
    assert client_for(first).post(f"/api/teams/{other.pk}/join/").json()["code"] == "already_in_team"
    small.status = AssignmentStatus.IN_PROGRESS
    small.save()
    closed = client_for(late).post(f"/api/teams/{other.pk}/join/")
    assert (closed.status_code, closed.json()["code"]) == (409, "assignment_not_open")


def test_joining_a_team_of_another_cohort_is_404(client_for, team, other_cohort):
    assert client_for(student(other_cohort, 6)).post(f"/api/teams/{team.pk}/join/").status_code == 404


@pytest.mark.parametrize("name", ["org_contact", "mbo_docent", "coordinator"])
def test_only_students_join_or_leave(client_for, people, team, name):
    assert client_for(people[name]).post(f"/api/teams/{team.pk}/join/").status_code == 403
    assert client_for(people[name]).post(f"/api/teams/{team.pk}/leave/").status_code == 403


def test_leave(client_for, team, student4, outsider_student):
    assert client_for(outsider_student).post(f"/api/teams/{team.pk}/leave/").status_code == 404
    response = client_for(student4).post(f"/api/teams/{team.pk}/leave/")
    assert response.status_code == 200
    assert client_for(student4).get(f"/api/teams/{team.pk}/").status_code == 404
    team.status = TeamStatus.ACTIVE
    team.save()
    refused = client_for(team.memberships.filter(left_at__isnull=True).first().student).post(
        f"/api/teams/{team.pk}/leave/"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "team_not_open")


def test_open_teams_for_a_student_say_whether_and_why_not(client_for, small, cohort, outsider_student):
    full_for_some = open_team(small, "Team A")
    add_member(full_for_some, student(cohort, 4))
    add_member(full_for_some, student(cohort, 5))
    roomy = open_team(small, "Team B")
    open_team(AssignmentFactory(cohort=cohort, status=AssignmentStatus.DRAFT), "Team C")
    data = client_for(outsider_student).get("/api/teams/open/").json()  # niveau 6
    assert [t["name"] for t in data["results"]] == ["Team A", "Team B"]
    assert all(t["can_join"] for t in data["results"])
    niveau_4 = student(cohort, 4)
    rows = {t["id"]: t for t in client_for(niveau_4).get("/api/teams/open/").json()["results"]}
    assert rows[full_for_some.pk]["can_join"] is False
    assert rows[full_for_some.pk]["code"] == "needs_niveau"
    assert rows[roomy.pk]["can_join"] is True
    assert all("niveau" not in m for t in rows.values() for m in t["members"])


def test_open_teams_are_for_students(client_for, coordinator):
    assert client_for(coordinator).get("/api/teams/open/").status_code == 403


# --- coordinator moves ------------------------------------------------------


def test_coordinator_moves_with_a_recorded_override(client_for, team, small, cohort, coordinator, student4):
    target = open_team(small)
    add_member(target, student(cohort, 4))
    add_member(target, student(cohort, 5))
    client = client_for(coordinator)
    refused = client.post(f"/api/teams/{target.pk}/move/", {"student": student4.pk})
    assert (refused.status_code, refused.json()["code"]) == (409, "needs_niveau")
    no_reason = client.post(f"/api/teams/{target.pk}/move/", {"student": student4.pk, "override": True})
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    moved = client.post(
        f"/api/teams/{target.pk}/move/", {"student": student4.pk, "override": True, "reason": "Afspraak met docent"}
    )
    assert moved.status_code == 200
    assert moved.json()["overridden_rules"] == ["needs_niveau"]
    change = MembershipChange.objects.get(kind="moved")
    assert (change.by, change.reason, change.from_team, change.to_team) == (
        coordinator,
        "Afspraak met docent",
        team,
        target,
    )
    history = client.get(f"/api/teams/{target.pk}/changes/").json()["results"]
    assert history[0]["reason"] == "Afspraak met docent"


@pytest.mark.parametrize(("name", "status"), [("other_coordinator", 404), ("org_contact", 403), ("student4", 403)])
def test_only_the_cohorts_coordinator_moves(client_for, people, team, outsider_student, name, status):
    client = client_for(people[name])
    assert client.post(f"/api/teams/{team.pk}/move/", {"student": outsider_student.pk}).status_code == status
    assert client.get(f"/api/teams/{team.pk}/changes/").status_code == status


def test_move_of_an_unknown_student_is_a_400(client_for, team, coordinator, other_cohort):
    client = client_for(coordinator)
    assert client.post(f"/api/teams/{team.pk}/move/", {"student": 999999}).status_code == 400
    assert client.post(f"/api/teams/{team.pk}/move/", {"student": student(other_cohort, 4).pk}).status_code == 400


def test_coordinator_removes_with_a_reason(client_for, team, coordinator, student5):
    client = client_for(coordinator)
    assert client.post(f"/api/teams/{team.pk}/remove/", {"student": student5.pk}).status_code == 400
    response = client.post(f"/api/teams/{team.pk}/remove/", {"student": student5.pk, "reason": "Ziek"})
    assert response.status_code == 200
    assert response.json()["kind"] == "removed"


# --- tasks ------------------------------------------------------------------


def test_members_add_and_move_tasks_others_only_read(client_for, people, team, student4, student5):
    response = client_for(student4).post(
        f"/api/teams/{team.pk}/tasks/",
        {"phase": "verkenning", "title": "Buurthuis bellen", "owner": student5.pk, "due_on": "2026-10-05"},
    )
    assert response.status_code == 201
    task = response.json()
    assert (task["owner"]["id"], task["status"], task["due_on"]) == (student5.pk, "todo", "2026-10-05")
    patched = client_for(student5).patch(f"/api/tasks/{task['id']}/", {"status": "done"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["status"] == "done"
    for name in PEOPLE:
        client = client_for(people[name])
        listed = client.get(f"/api/teams/{team.pk}/tasks/")
        assert listed.status_code == (200 if name in SEES_TEAM else 404), name
        if name in {"student4"}:
            continue
        expected = 403 if name in SEES_TEAM else 404
        assert client.patch(f"/api/tasks/{task['id']}/", {"status": "todo"}, format="json").status_code == expected
        assert client.post(f"/api/teams/{team.pk}/tasks/", {"phase": "waakvlam", "title": "x"}).status_code == expected
    assert Task.objects.get().status == "done"


def test_bad_task_input_is_a_400(client_for, team, student4, outsider_student):
    client = client_for(student4)
    bad = client.post(
        f"/api/teams/{team.pk}/tasks/", {"phase": "later", "title": "", "due_on": "gisteren", "owner": "x"}
    )
    assert bad.status_code == 400
    assert {"phase", "title", "due_on", "owner"} <= set(bad.json())
    not_member = client.post(
        f"/api/teams/{team.pk}/tasks/", {"phase": "waakvlam", "title": "x", "owner": outsider_student.pk}
    )
    assert not_member.status_code == 400
    assert "owner" in not_member.json()
    task = client.post(f"/api/teams/{team.pk}/tasks/", {"phase": "waakvlam", "title": "x"}).json()
    assert client.patch(f"/api/tasks/{task['id']}/", {"status": "af"}, format="json").status_code == 400
    assert client.delete(f"/api/tasks/{task['id']}/").status_code == 204


def test_overdue_tasks_are_marked(client_for, team, student4):
    Task.objects.create(team=team, phase="verkenning", title="Te laat", due_on="2020-01-01")
    Task.objects.create(team=team, phase="verkenning", title="Klaar", due_on="2020-01-01", status="done")
    rows = client_for(student4).get(f"/api/teams/{team.pk}/tasks/").json()["results"]
    assert {r["title"]: r["overdue"] for r in rows} == {"Te laat": True, "Klaar": False}


# --- duos -------------------------------------------------------------------


def test_duos_as_in_api_md(client_for, team, student4, student5, student6, mbo_docent):
    a, b = student4.pk, student6.pk
    payload = {"members": [a, b], "roles": {str(a): "procesrol", str(b): "begeleidingsrol"}}
    assert client_for(mbo_docent).post(f"/api/teams/{team.pk}/duos/", payload, format="json").status_code == 403
    created = client_for(student4).post(f"/api/teams/{team.pk}/duos/", payload, format="json")
    assert created.status_code == 201
    assert created.json()["roles"] == {str(a): "procesrol", str(b): "begeleidingsrol"}
    again = client_for(student5).post(
        f"/api/teams/{team.pk}/duos/",
        {"members": [student5.pk, b], "roles": {str(student5.pk): "procesrol", str(b): "begeleidingsrol"}},
        format="json",
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_in_duo")
    listed = client_for(mbo_docent).get(f"/api/teams/{team.pk}/duos/").json()["results"]
    assert [d["members"] for d in listed] == [[a, b]]
    duo_id = created.json()["id"]
    swapped = client_for(student6).patch(
        f"/api/duos/{duo_id}/", {"roles": {str(a): "begeleidingsrol", str(b): "procesrol"}}, format="json"
    )
    assert swapped.json()["roles"][str(a)] == "begeleidingsrol"
    assert client_for(student5).delete(f"/api/duos/{duo_id}/").status_code == 204


@pytest.mark.parametrize(
    "payload",
    [
        {"members": [1], "roles": {}},
        {"members": ["x", "y"], "roles": {}},
        {"roles": {"1": "procesrol"}},
        {"members": [1, 2], "roles": {"1": "procesrol", "2": "chef"}},
        {"members": [1, 2], "roles": {"1": "procesrol"}},
        "geen json-object",
    ],
)
def test_bad_duo_input_is_a_400(client_for, team, student4, payload):
    response = client_for(student4).post(f"/api/teams/{team.pk}/duos/", payload, format="json")
    assert response.status_code == 400


def test_youth_case_duo_over_the_api(client_for, team, student4, student5, student6):
    team.assignment.requires_hbo = True
    team.assignment.save()
    client = client_for(student4)
    payload = {
        "members": [student4.pk, student5.pk],
        "roles": {str(student4.pk): "procesrol", str(student5.pk): "begeleidingsrol"},
        "carries_youth_case": True,
    }
    refused = client.post(f"/api/teams/{team.pk}/duos/", payload, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "youth_case_needs_niveau_6")
    payload["carries_youth_case"] = False
    duo = client.post(f"/api/teams/{team.pk}/duos/", payload, format="json").json()
    assert client.patch(f"/api/duos/{duo['id']}/", {"carries_youth_case": True}, format="json").status_code == 409


def test_duos_of_other_teams_are_404(client_for, team, student4, student6, outsider_student):
    duo = Duo.objects.create(
        team=team, member_a=student4, role_a="procesrol", member_b=student6, role_b="begeleidingsrol"
    )
    client = client_for(outsider_student)
    assert client.patch(f"/api/duos/{duo.pk}/", {"carries_youth_case": True}, format="json").status_code == 404
    assert client.delete(f"/api/duos/{duo.pk}/").status_code == 404


# --- query counts -----------------------------------------------------------


def grow(team, cohort, competences, *, members: int, tasks: int) -> None:
    """More members (with competences and duos) and more tasks."""
    new = [student(cohort, (4, 5, 6)[i % 3]) for i in range(members)]
    for s in new:
        add_member(team, s)
        s.student_profile.competences.add(*competences)
    for a, b in zip(new[::2], new[1::2], strict=False):
        Duo.objects.create(team=team, member_a=a, role_a="procesrol", member_b=b, role_b="begeleidingsrol")
    for i in range(tasks):
        Task.objects.create(
            team=team, phase=("verkenning", "begeleiding", "waakvlam")[i % 3], title=f"T{i}", owner=new[0]
        )


@pytest.mark.parametrize("name", ["student4", "org_contact", "mbo_docent", "coordinator"])
def test_team_api_queries_do_not_grow_with_team_size_or_tasks(client_for, people, team, cohort, competences, name):
    team.assignment.team_size_max = 40
    team.assignment.save()
    for c in competences:
        team.assignment.required_competences.create(competence=c)
    client = client_for(people[name])
    grow(team, cohort, competences[:1], members=2, tasks=2)
    urls = [f"/api/teams/{team.pk}/", f"/api/teams/{team.pk}/tasks/", f"/api/teams/{team.pk}/duos/", "/api/teams/"]
    before = [queries_of_get(client, url) for url in urls]
    grow(team, cohort, competences, members=12, tasks=15)
    for _ in range(5):
        open_team(team.assignment)  # more teams in the list
    after = [queries_of_get(client, url) for url in urls]
    assert after == before


def test_team_detail_query_count_is_small(client_for, team, student4, django_assert_max_num_queries):
    CompetenceFactory(name="Extra")
    with django_assert_max_num_queries(12):
        client_for(student4).get(f"/api/teams/{team.pk}/")


@pytest.mark.parametrize(("name", "status"), [("coordinator", 200), ("org_contact", 403), ("student4", 403)])
def test_the_coordinator_sets_the_team_status(client_for, people, team, name, status):
    response = client_for(people[name]).patch(f"/api/teams/{team.pk}/", {"status": "active"}, format="json")
    assert response.status_code == status
    team.refresh_from_db()
    assert (team.status == "active") is (status == 200)


def test_a_bad_team_status_is_a_400(client_for, team, coordinator):
    assert client_for(coordinator).patch(f"/api/teams/{team.pk}/", {"status": "x"}, format="json").status_code == 400
