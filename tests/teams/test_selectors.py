"""Reads about teams: who sees niveau, suggested duos."""

import pytest

from teams.models import SupervisionAssignment
from teams.selectors import niveau_visible_student_ids, team_overview
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
