"""The coordinator's placement on the team page: near the top, teamless students by preference, no silent breakage."""

import re

import pytest
from django.urls import reverse

from assignments.models import Preference
from teams import selectors
from teams.models import Duo, Membership, MembershipChange
from tests.conftest import count_queries
from tests.factories import AssignmentFactory, add_member
from tests.teams.builders import open_team, small_assignment, student


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_assignment(cohort, organisation, neighbourhood, coordinator)


def ranked(user, assignment, rank: int) -> None:
    Preference.objects.create(student=user, assignment=assignment, rank=rank)


def options(html: str, select_id: str) -> list[str]:
    block = re.search(rf'<select name="student" id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [" ".join(text.split()) for text in re.findall(r'<option value="\d+">(.*?)</option>', block, re.S)]


def test_the_placement_form_sits_above_the_roster(client, team, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert html.index("Student in dit team plaatsen") < html.index("Teamleden")
    assert html.index("Student in dit team plaatsen") < html.index("Taken per fase")


def test_it_lists_only_teamless_students_by_their_preference_for_this_assignment(client, team, cohort, coordinator):
    other = AssignmentFactory(cohort=cohort, organisation=team.assignment.organisation, title="Andere opdracht")
    mila = student(cohort, 4, "mila")
    mila.display_name = "Mila Bakker"
    mila.save()
    first, unranked, elsewhere_ranked = student(cohort, 6), student(cohort, 5), student(cohort, 5)
    ranked(mila, team.assignment, 2)
    ranked(first, team.assignment, 1)
    ranked(elsewhere_ranked, other, 1)
    in_team = student(cohort, 4)
    add_member(open_team(other), in_team)
    client.force_login(coordinator)
    html = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    listed = options(html, "move-student")
    assert listed[:2] == [
        f"{first.display_name} · niveau 6 · 1e keuze",
        "Mila Bakker · niveau 4 · 2e keuze",
    ]
    assert set(listed[2:]) == {
        f"{unranked.display_name} · niveau 5 · geen voorkeur",
        f"{elsewhere_ranked.display_name} · niveau 5 · geen voorkeur",
    }
    assert not any(in_team.display_name in option for option in listed)
    # Members of this team are nowhere; students of other teams only in the separate "move" form.
    members = {m.student.display_name for m in team.memberships.all()}
    assert not any(name in option for option in listed for name in members)
    others = options(html, "move-other-student")
    assert others == [
        f"{in_team.display_name} · niveau 4 · geen voorkeur · nu in {in_team.memberships.get().team.name}"
    ]


def test_a_student_the_team_cannot_take_is_marked(client, small, cohort, coordinator):
    target = open_team(small)
    add_member(target, student(cohort, 4))
    add_member(target, student(cohort, 5))
    late = student(cohort, 4)
    client.force_login(coordinator)
    listed = options(client.get(reverse("team-detail", args=[target.pk])).content.decode(), "move-student")
    assert f"{late.display_name} · niveau 4 · geen voorkeur · past alleen met overschrijven" in listed


def test_moving_out_of_a_team_that_would_break_asks_first_and_names_what_breaks(
    client, team, small, cohort, coordinator, student6
):
    target = open_team(small)
    add_member(target, student(cohort, 4))
    add_member(target, student(cohort, 5))
    client.force_login(coordinator)
    url = reverse("team-move", args=[target.pk])
    asked = client.post(url, {"student": student6.pk})
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Als je Lotte Jansen uit Team Zonnebloem haalt, voldoet Team Zonnebloem niet meer:" in body
    assert "Het team heeft nog 1 lid nodig." in body
    assert "Er is nog 1 niveau 6-student nodig." in body
    assert 'name="confirm_departure" value="1"' in body
    assert Membership.objects.filter(team=team, student=student6, left_at__isnull=True).exists()
    assert not MembershipChange.objects.filter(kind="moved").exists()
    done = client.post(url, {"student": student6.pk, "confirm_departure": "1"})
    assert done.status_code == 302
    assert Membership.objects.filter(team=target, student=student6, left_at__isnull=True).exists()


def test_a_move_that_leaves_the_old_team_valid_needs_no_confirmation(client, team, small, cohort, coordinator):
    spare = student(cohort, 6)
    add_member(team, spare)  # Zonnebloem: 4, 5, 6, 6 — one niveau 6 can go
    target = open_team(small)
    add_member(target, student(cohort, 4))
    add_member(target, student(cohort, 5))
    client.force_login(coordinator)
    response = client.post(reverse("team-move", args=[target.pk]), {"student": spare.pk})
    assert response.status_code == 302
    assert Membership.objects.filter(team=target, student=spare, left_at__isnull=True).exists()


# --- what a team would lack -----------------------------------------------------------


def test_departure_problems_name_what_the_old_team_would_newly_lack(team, student4, student5, student6):
    codes = {p.code for p in selectors.departure_problems(team=team, student=student4)}
    assert codes == {"too_small", "needs_niveau"}
    # Niveau 5 is not required: only the size breaks.
    assert [p.code for p in selectors.departure_problems(team=team, student=student5)] == ["too_small"]


def test_departure_problems_leave_out_what_was_already_wrong(small, cohort):
    team = open_team(small)
    four, six = student(cohort, 4), student(cohort, 6)
    add_member(team, four)
    add_member(team, six)  # already one short
    messages = [p.message for p in selectors.departure_problems(team=team, student=six)]
    assert "Het team heeft nog 2 leden nodig." in messages
    assert "Het team heeft nog 1 lid nodig." not in messages


def test_departure_problems_are_empty_for_a_non_member_or_a_team_that_stays_valid(team, outsider_student, cohort):
    assert selectors.departure_problems(team=team, student=outsider_student) == []
    extra = student(cohort, 5)
    add_member(team, extra)
    assert selectors.departure_problems(team=team, student=extra) == []


def test_departure_problems_say_when_the_youth_case_duo_falls_apart(team, student4, student5, student6):
    team.assignment.requires_hbo = True
    team.assignment.team_size_min = 2
    team.assignment.save()
    add_member(team, student(team.assignment.cohort, 4))
    Duo.objects.create(
        team=team,
        member_a=student5,
        role_a="procesrol",
        member_b=student6,
        role_b="begeleidingsrol",
        carries_youth_case=True,
    )
    assert [p.code for p in selectors.departure_problems(team=team, student=student5)] == ["no_youth_case_duo"]


def test_team_page_queries_do_not_grow_with_the_students_to_place(client, team, cohort, coordinator):
    client.force_login(coordinator)
    url = reverse("team-detail", args=[team.pk])
    for n in (4, 5, 6):
        ranked(student(cohort, n), team.assignment, 1)
    add_member(open_team(team.assignment), student(cohort, 4))  # one in another team: both lists are filled
    with count_queries() as few:
        client.get(url)
    for i in range(24):
        s = student(cohort, (4, 5, 6)[i % 3])
        ranked(s, team.assignment, 1 + i % 5)
        if i % 4 == 0:
            add_member(open_team(team.assignment), s)
    with count_queries() as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_api_move_refuses_to_break_the_old_team_when_asked_to(
    client_for, team, small, cohort, coordinator, student6
):
    target = open_team(small)
    add_member(target, student(cohort, 4))
    add_member(target, student(cohort, 5))
    url = f"/api/teams/{target.pk}/move/"
    refused = client_for(coordinator).post(url, {"student": student6.pk, "confirm_departure": False}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "leaves_team_invalid"
    assert "Er is nog 1 niveau 6-student nodig." in refused.json()["detail"]
    assert Membership.objects.filter(team=team, student=student6, left_at__isnull=True).exists()
    moved = client_for(coordinator).post(url, {"student": student6.pk}, format="json")
    assert moved.status_code == 200
