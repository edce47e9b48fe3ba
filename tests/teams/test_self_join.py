"""Once preferences close the coordinator forms the teams: students no longer join themselves, unless reopened."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assignments import services as assignment_services
from teams import selectors, services
from teams.models import Membership
from tests.factories import add_member
from tests.teams.builders import open_team, small_assignment, student
from wijklab.errors import RuleViolation
from wijklab.models import Notification

FORMS_TEAMS = "De coördinator maakt de teams; je hoort het zodra je team bekend is."


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_assignment(cohort, organisation, neighbourhood, coordinator)


@pytest.fixture
def closed(cohort):
    cohort.preferences_open = False
    cohort.save()
    return cohort


def test_a_student_joins_while_preferences_are_open(small, cohort):
    team = open_team(small)
    assert cohort.self_join_open
    services.membership_join(team=team, student=student(cohort, 4))
    assert team.memberships.count() == 1


def test_joining_after_preferences_closed_is_refused_with_who_forms_the_teams(small, closed):
    team = open_team(small)
    newcomer = student(closed, 4)
    with pytest.raises(RuleViolation) as refused:
        services.membership_join(team=team, student=newcomer)
    assert refused.value.code == "self_join_closed"
    assert str(refused.value.message) == FORMS_TEAMS
    assert not Membership.objects.filter(student=newcomer).exists()


def test_a_reopened_self_join_lets_students_join_again(small, closed, coordinator):
    team = open_team(small)
    assignment_services.cohort_self_join_set(cohort=closed, by=coordinator, reopened=True)
    closed.refresh_from_db()
    assert closed.self_join_open
    services.membership_join(team=team, student=student(closed, 4))
    assert team.memberships.filter(left_at__isnull=True).count() == 1
    assignment_services.cohort_self_join_set(cohort=closed, by=coordinator, reopened=False)
    with pytest.raises(RuleViolation) as refused:
        services.membership_join(team=team, student=student(closed, 6))
    assert refused.value.code == "self_join_closed"


def test_the_coordinator_still_places_students_when_self_join_is_closed(small, closed, coordinator):
    team = open_team(small)
    placed = student(closed, 4)
    services.membership_move(student=placed, to_team=team, by=coordinator)
    assert Membership.objects.filter(team=team, student=placed, left_at__isnull=True).exists()


def test_the_join_check_and_the_open_teams_list_say_why(small, closed, django_assert_max_num_queries):
    teams = [open_team(small) for _ in range(3)]
    newcomer = student(closed, 4)
    check = selectors.join_check(team=teams[0], student=newcomer)
    assert (check.allowed, check.code, check.reason) == (False, "self_join_closed", FORMS_TEAMS)
    listed = list(selectors.open_teams_for(student=newcomer))
    with django_assert_max_num_queries(2):
        rows = selectors.with_join_checks(student=newcomer, teams=listed)
    assert {check.code for _, check in rows} == {"self_join_closed"}


def test_only_the_cohorts_coordinator_reopens_self_join(closed, other_coordinator, student4):
    for someone in (other_coordinator, student4):
        with pytest.raises(PermissionDenied):
            assignment_services.cohort_self_join_set(cohort=closed, by=someone, reopened=True)
    closed.refresh_from_db()
    assert not closed.self_join_reopened


def test_reopening_tells_only_the_students_without_a_team(small, closed, coordinator):
    team = open_team(small)
    in_team, teamless = student(closed, 4), student(closed, 6)
    add_member(team, in_team)
    assignment_services.cohort_self_join_set(cohort=closed, by=coordinator, reopened=True)
    told = set(Notification.objects.filter(kind="self_join_open").values_list("user_id", flat=True))
    assert told == {teamless.pk}
    # Setting it again to the same value changes and tells nothing.
    assignment_services.cohort_self_join_set(cohort=closed, by=coordinator, reopened=True)
    assert Notification.objects.filter(kind="self_join_open").count() == 1


def test_reopening_while_preferences_are_open_tells_nobody(cohort, coordinator, student4):
    assignment_services.cohort_self_join_set(cohort=cohort, by=coordinator, reopened=True)
    cohort.refresh_from_db()
    assert cohort.self_join_reopened
    assert not Notification.objects.filter(kind__startswith="self_join").exists()


# --- pages and API ----------------------------------------------------------------


def test_a_teamless_student_reads_who_forms_the_teams_instead_of_a_list(client, small, closed):
    team = open_team(small, "Team Open")
    newcomer = student(closed, 4)
    client.force_login(newcomer)
    html = client.get(reverse("team-list")).content.decode()
    assert FORMS_TEAMS in html
    assert reverse("team-join", args=[team.pk]) not in html
    home = client.get(reverse("home")).content.decode()
    assert "De coördinator maakt de teams" in home
    response = client.post(reverse("team-join", args=[team.pk]), follow=True)
    assert FORMS_TEAMS in response.content.decode()
    assert not Membership.objects.filter(student=newcomer).exists()


def test_a_teamless_student_sees_open_teams_while_self_join_is_open(client, small, cohort):
    team = open_team(small, "Team Open")
    client.force_login(student(cohort, 4))
    html = client.get(reverse("team-list")).content.decode()
    assert FORMS_TEAMS not in html
    assert reverse("team-join", args=[team.pk]) in html


def test_the_api_refuses_a_join_with_the_code_and_lists_the_reason(client_for, small, closed):
    team = open_team(small)
    newcomer = student(closed, 6)
    refused = client_for(newcomer).post(f"/api/teams/{team.pk}/join/")
    assert refused.status_code == 409
    assert refused.json() == {"code": "self_join_closed", "detail": FORMS_TEAMS}
    listed = client_for(newcomer).get("/api/teams/open/").json()["results"]
    assert [(t["can_join"], t["code"]) for t in listed] == [(False, "self_join_closed")]


def test_the_coordinator_reopens_and_closes_self_join_through_the_api(
    client_for, closed, coordinator, other_coordinator, student4
):
    url = f"/api/cohorts/{closed.pk}/self-join/reopen/"
    assert client_for(other_coordinator).post(url).status_code == 404
    assert client_for(student4).post(url).status_code == 404
    response = client_for(coordinator).post(url)
    assert response.status_code == 200
    assert response.json() == {
        "id": closed.pk,
        "name": closed.name,
        "preferences_open": False,
        "self_join_reopened": True,
        "self_join_open": True,
    }
    closed_again = client_for(coordinator).post(f"/api/cohorts/{closed.pk}/self-join/close/").json()
    assert closed_again["self_join_open"] is False


def test_the_coordinator_reopens_self_join_from_the_cohort_controls(client, closed, coordinator, other_coordinator):
    url = reverse("cohort-self-join", args=[closed.pk])
    client.force_login(other_coordinator)
    assert client.post(url, {"action": "reopen"}).status_code == 404
    client.force_login(coordinator)
    html = client.get(reverse("assignments")).content.decode()
    assert url in html
    assert "Zelf aansluiten weer openen" in html
    client.post(url, {"action": "reopen"})
    closed.refresh_from_db()
    assert closed.self_join_reopened
    assert "Zelf aansluiten sluiten" in client.get(reverse("home")).content.decode()
    client.post(url, {"action": "close"})
    closed.refresh_from_db()
    assert not closed.self_join_reopened


LEAVE_REFUSED = "De coördinator maakt de teams. Wil je uit dit team, vraag het dan aan de coördinator"


def test_a_member_does_not_leave_a_formed_team_on_their_own_while_self_join_is_closed(
    client, client_for, small, closed, coordinator
):
    team = open_team(small)
    member = student(closed, 4)
    add_member(team, member)
    with pytest.raises(RuleViolation) as refused:
        services.membership_leave(team=team, student=member)
    assert refused.value.code == "self_join_closed"
    assert str(refused.value.message).startswith(LEAVE_REFUSED)
    # The API says the same with its code; the page has no leave button but says whom to ask.
    response = client_for(member).post(f"/api/teams/{team.pk}/leave/")
    assert (response.status_code, response.json()["code"]) == (409, "self_join_closed")
    client.force_login(member)
    page = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert reverse("team-leave", args=[team.pk]) not in page
    assert LEAVE_REFUSED in page
    client.post(reverse("team-leave", args=[team.pk]))
    assert team.memberships.filter(student=member, left_at__isnull=True).exists()
    # Reopened by the coordinator, leaving (and joining) is the student's own choice again.
    assignment_services.cohort_self_join_set(cohort=closed, by=coordinator, reopened=True)
    page = client.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert reverse("team-leave", args=[team.pk]) in page
    services.membership_leave(team=team, student=member)
    assert not team.memberships.filter(student=member, left_at__isnull=True).exists()


def test_an_open_team_reads_as_not_started_while_the_coordinator_forms_the_teams(client, small, cohort, coordinator):
    team = open_team(small)
    member = student(cohort, 4)
    add_member(team, member)
    client.force_login(member)
    detail = reverse("team-detail", args=[team.pk])
    assert "Open voor aanmelding" in client.get(detail).content.decode()
    cohort.preferences_open = False
    cohort.save()
    assert "Nog niet gestart" in client.get(detail).content.decode()
    client.force_login(coordinator)
    listing = client.get(reverse("team-list")).content.decode()
    assert "Nog niet gestart" in listing
    assert "Open voor aanmelding" not in listing
