"""Reads about teams: who sees niveau, suggested duos."""

import pytest
from django.utils import timezone

from teams.models import Membership, SupervisionAssignment, Team
from teams.selectors import (
    niveau_visible_student_ids,
    students_supervised_by,
    team_overview,
    teams_supervised_by,
    with_niveau_counts,
    with_niveau_counts_for,
)
from tests.factories import add_member
from tests.teams.builders import open_team, student

# The team is student4, student5 and student6, followed by all three kinds of supervisor;
# "stranger" is in another team of the cohort, outsider_student in none. other_supervisor follows student4 only.
TEAM = {"student4", "student5", "student6"}
NIVEAU_SEEN_BY = {
    "student4": TEAM,
    "outsider_student": {"outsider_student"},
    "org_contact": set(),
    "other_org_contact": set(),
    "mbo_docent": TEAM,
    "hbo_docent": TEAM,
    "werkbegeleider": set(),  # of an organisation, like org_contact: never a niveau (docs/visibility.md)
    "other_supervisor": {"student4"},
    "coordinator": TEAM | {"stranger", "outsider_student"},
    "other_coordinator": set(),
}


@pytest.mark.parametrize("name", NIVEAU_SEEN_BY)
def test_niveau_is_seen_by_the_student_the_team_its_supervisors_and_coordinators(
    request, team, cohort, student4, other_supervisor, name
):
    viewer = request.getfixturevalue(name)
    stranger = student(cohort, 5)
    add_member(open_team(team.assignment), stranger)
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=student4)
    students = {key: request.getfixturevalue(key) for key in [*TEAM, "outsider_student"]} | {"stranger": stranger}
    seen = niveau_visible_student_ids(viewer=viewer, student_ids=[s.pk for s in students.values()])
    assert {key for key, s in students.items() if s.pk in seen} == NIVEAU_SEEN_BY[name]


def test_suggested_duos_pair_the_lowest_with_the_highest_niveau(team, cohort, student4, student6):
    add_member(team, student(cohort, 6))
    overview = team_overview(team=team, viewer=student4)
    pairs = [(a.niveau, b.niveau) for a, b in overview.suggestions]
    assert pairs == [(4, 6), (5, 6)]


def test_no_suggestions_for_viewers_outside_the_team(team, coordinator, org_contact):
    assert team_overview(team=team, viewer=coordinator).suggestions == []
    assert team_overview(team=team, viewer=org_contact).suggestions == []


def test_a_supervisor_follows_the_members_of_their_teams_and_the_students_linked_to_them_alone(
    team, cohort, student4, student5, student6, other_supervisor
):
    # other_supervisor follows ``team``'s student4 alone and one team of their own; a student who left
    # that team is no longer followed, and a student in neither is not.
    own = open_team(team.assignment)
    member, leaver, elsewhere = student(cohort, 4), student(cohort, 6), student(cohort, 5)
    add_member(own, member)
    add_member(own, leaver)
    Membership.objects.filter(student=leaver).update(left_at=timezone.now())
    add_member(open_team(team.assignment), elsewhere)
    SupervisionAssignment.objects.create(supervisor=other_supervisor, team=own)
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=student4)

    assert set(students_supervised_by(supervisor=other_supervisor)) == {member, student4}
    assert set(teams_supervised_by(supervisor=other_supervisor)) == {own, team}
    # Each team once, also where both ways lead to it (a count of teams is a count).
    SupervisionAssignment.objects.create(supervisor=other_supervisor, team=team)
    assert teams_supervised_by(supervisor=other_supervisor).count() == 2
    assert set(students_supervised_by(supervisor=other_supervisor)) == {member, student4, student5, student6}
    assert students_supervised_by(supervisor=other_supervisor).count() == 4


def test_niveau_counts_for_a_page_of_teams_are_those_of_the_whole_list(
    team, cohort, student4, django_assert_num_queries
):
    other = open_team(team.assignment)
    for niveau in (4, 6, 6):
        add_member(other, student(cohort, niveau))
    empty = open_team(team.assignment)
    page = list(Team.objects.filter(pk__in=[team.pk, other.pk, empty.pk]).order_by("pk"))
    names = ["member_count", "niveau_4_count", "niveau_5_count", "niveau_6_count"]
    expected = {
        t.pk: [getattr(t, n) for n in names]
        for t in with_niveau_counts(Team.objects.filter(pk__in=[team.pk, other.pk, empty.pk]))
    }
    with django_assert_num_queries(1):
        counted = with_niveau_counts_for(page)
    assert counted == page
    assert {t.pk: [getattr(t, n) for n in names] for t in counted} == expected
    assert expected[other.pk] == [3, 1, 0, 2]
    assert expected[empty.pk] == [0, 0, 0, 0]
