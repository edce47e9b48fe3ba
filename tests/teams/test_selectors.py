"""The roster-wide niveau check agrees with wijklab.selectors.user_can_see_niveau for every viewer."""

import pytest

from teams.models import SupervisionAssignment
from teams.selectors import niveau_visible_student_ids, team_overview
from tests.factories import add_member
from tests.teams.builders import open_team, student
from wijklab.selectors import user_can_see_niveau

VIEWERS = [
    "student4",
    "outsider_student",
    "org_contact",
    "other_org_contact",
    "mbo_docent",
    "hbo_docent",
    "werkbegeleider",
    "other_supervisor",
    "coordinator",
    "other_coordinator",
]


@pytest.mark.parametrize("name", VIEWERS)
def test_roster_niveau_visibility_matches_the_single_student_rule(request, team, cohort, other_supervisor, name):
    viewer = request.getfixturevalue(name)
    other_team = open_team(team.assignment)
    stranger = student(cohort, 5)
    add_member(other_team, stranger)
    # A supervisor who follows one student of the team, not the team.
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=team.memberships.first().student)
    students = [m.student for m in team.memberships.all()] + [stranger, request.getfixturevalue("outsider_student")]
    expected = {s.pk for s in students if user_can_see_niveau(viewer=viewer, student=s)}
    assert niveau_visible_student_ids(viewer=viewer, student_ids=[s.pk for s in students]) == expected


def test_suggested_duos_pair_the_lowest_with_the_highest_niveau(team, cohort, student4, student6):
    add_member(team, student(cohort, 6))
    overview = team_overview(team=team, viewer=student4)
    pairs = [(a.niveau, b.niveau) for a, b in overview.suggestions]
    assert pairs == [(4, 6), (5, 6)]


def test_no_suggestions_for_viewers_outside_the_team(team, coordinator, org_contact):
    assert team_overview(team=team, viewer=coordinator).suggestions == []
    assert team_overview(team=team, viewer=org_contact).suggestions == []
