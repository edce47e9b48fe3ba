"""The demo assignments: realistic, valid by our own rules, and idempotent."""

import pytest

from assignments import demo as assignments_demo
from assignments.models import Assignment, AssignmentStatus, Preference
from assignments.validators import clean_assignment, values_of
from wijklab import demo


@pytest.fixture
def seeded(db):
    ctx = demo.seed()
    assignments_demo.seed(ctx)
    return ctx


def test_at_least_twelve_across_neighbourhoods_phases_and_organisations(seeded):
    assignments = Assignment.objects.all()
    assert assignments.count() >= 12
    assert assignments.values("neighbourhood").distinct().count() >= 8
    assert set(assignments.values_list("phase", flat=True)) == {"verkenning", "begeleiding", "waakvlam"}
    assert set(assignments.values_list("organisation__name", flat=True)) == set(seeded.organisations)
    assert {"Rotterdam", "Capelle aan den IJssel"} <= set(
        assignments.values_list("neighbourhood__municipality", flat=True)
    )


def test_mostly_open_with_drafts_and_a_youth_case(seeded):
    assert Assignment.objects.filter(status=AssignmentStatus.DRAFT).count() in {1, 2}
    assert Assignment.objects.filter(requires_hbo=True, status=AssignmentStatus.OPEN).exists()
    # The teams demo puts teams of four or more on open assignments of the cohort.
    assert (
        Assignment.objects.filter(cohort=seeded.cohort, status=AssignmentStatus.OPEN, team_size_max__gte=4).count() >= 8
    )


def test_every_demo_assignment_passes_the_rules_a_poster_meets(seeded):
    for assignment in Assignment.objects.select_related("organisation"):
        assert clean_assignment(values_of(assignment), organisation=assignment.organisation) == {}, assignment.title


def test_demo_students_have_rankings(seeded):
    assert Preference.objects.filter(student__username="student4").count() == 2
    assert Preference.objects.filter(student__username__in=["student5", "student6"]).count() >= 4
    assert Preference.objects.values("student").distinct().count() >= 8


def test_seeding_twice_changes_nothing_and_keeps_a_changed_ranking(seeded):
    student4 = seeded.users["student4"]
    student4.preferences.filter(rank=2).delete()
    before = (Assignment.objects.count(), Preference.objects.count())
    assignments_demo.seed(demo.seed())
    assert (Assignment.objects.count(), Preference.objects.count()) == before
