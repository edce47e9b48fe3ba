"""Who sees which assignment, role by role (assignments.selectors)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from assignments.models import AssignmentStatus, Preference
from assignments.selectors import (
    access_assignment_by_id,
    assignments_for_list,
    assignments_visible_to,
    best_matches_for,
    cohort_summaries,
    user_can_edit_assignment,
    user_can_rank_preferences,
)
from teams.models import SupervisionAssignment
from tests.factories import (
    AssignmentFactory,
    OrganisationFactory,
    StudentFactory,
    SupervisorFactory,
    TeamFactory,
    add_member,
)
from wijklab.models import SupervisorKind


@pytest.fixture
def world(cohort, other_cohort, organisation, other_organisation, neighbourhood, coordinator):
    """One assignment of every status for `organisation`, plus others elsewhere."""

    def make(title, **kw):
        kw.setdefault("cohort", cohort)
        kw.setdefault("organisation", organisation)
        return AssignmentFactory(title=title, neighbourhood=neighbourhood, created_by=coordinator, **kw)

    return {
        "open": make("open"),
        "draft": make("draft", status=AssignmentStatus.DRAFT),
        "in_progress": make("in_progress", status=AssignmentStatus.IN_PROGRESS),
        "completed": make("completed", status=AssignmentStatus.COMPLETED),
        "cancelled": make("cancelled", status=AssignmentStatus.CANCELLED),
        "other_org_open": make("other_org_open", organisation=other_organisation),
        "other_org_draft": make("other_org_draft", organisation=other_organisation, status=AssignmentStatus.DRAFT),
        "other_cohort_open": make("other_cohort_open", cohort=other_cohort),
    }


def titles(user):
    return set(assignments_visible_to(user=user).values_list("title", flat=True))


def test_a_student_sees_the_open_assignments_of_their_cohort(world, student4):
    assert titles(student4) == {"open", "other_org_open"}


def test_a_student_also_sees_what_their_team_works_on(world, student4):
    team = TeamFactory(assignment=world["in_progress"], name="Team")
    add_member(team, student4)
    assert titles(student4) == {"open", "other_org_open", "in_progress"}


def test_a_student_of_another_cohort_sees_none_of_this_cohort(world, other_cohort):
    from tests.factories import StudentFactory

    elsewhere = StudentFactory(username="elders", profile__cohort=other_cohort)
    assert titles(elsewhere) == {"other_cohort_open"}


def test_an_organisation_sees_all_its_own_and_the_open_ones_of_others(world, org_contact):
    assert titles(org_contact) == {
        "open",
        "draft",
        "in_progress",
        "completed",
        "cancelled",
        "other_org_open",
        "other_cohort_open",
    }


def test_another_organisation_gets_404_on_a_draft(world, other_org_contact):
    with pytest.raises(Http404):
        access_assignment_by_id(user=other_org_contact, assignment_id=world["draft"].pk)
    assert access_assignment_by_id(user=other_org_contact, assignment_id=world["open"].pk)


def test_a_coordinator_sees_everything_of_their_cohorts_only(world, coordinator, other_coordinator):
    assert titles(coordinator) == {
        "open",
        "draft",
        "in_progress",
        "completed",
        "cancelled",
        "other_org_open",
        "other_org_draft",
    }
    assert titles(other_coordinator) == {"other_cohort_open"}


def test_a_supervisor_sees_open_ones_and_those_of_their_teams(world, hbo_docent, student5):
    assert titles(hbo_docent) == {"open", "other_org_open", "other_cohort_open"}
    team = TeamFactory(assignment=world["completed"], name="Team")
    SupervisionAssignment.objects.create(supervisor=hbo_docent, team=team)
    assert "completed" in titles(hbo_docent)
    # A student supervised on their own brings their team's assignment along.
    other_team = TeamFactory(assignment=world["in_progress"], name="Ander team")
    add_member(other_team, student5)
    SupervisionAssignment.objects.create(supervisor=hbo_docent, student=student5)
    assert "in_progress" in titles(hbo_docent)
    assert "draft" not in titles(hbo_docent)


def test_a_werkbegeleider_sees_the_published_work_of_their_organisation(world, werkbegeleider):
    assert titles(werkbegeleider) == {
        "open",
        "in_progress",
        "completed",
        "cancelled",
        "other_org_open",
        "other_cohort_open",
    }


def test_a_werkbegeleider_of_another_organisation_does_not(world):
    elsewhere = SupervisorFactory(
        username="wb-elders",
        profile__kind=SupervisorKind.WERKBEGELEIDER,
        profile__organisation=OrganisationFactory(name="Elders"),
    )
    assert titles(elsewhere) == {"open", "other_org_open", "other_cohort_open"}


def test_access_by_a_nonsense_id_is_404(world, coordinator):
    for bad in ("abc", None, 0, 10**9):
        with pytest.raises(Http404):
            access_assignment_by_id(user=coordinator, assignment_id=bad)


def test_who_may_edit(world, org_contact, other_org_contact, coordinator, other_coordinator, student4, hbo_docent):
    a = world["open"]
    assert user_can_edit_assignment(user=org_contact, assignment=a)
    assert user_can_edit_assignment(user=coordinator, assignment=a)
    for outsider in (other_org_contact, other_coordinator, student4, hbo_docent):
        assert not user_can_edit_assignment(user=outsider, assignment=a)


def test_students_see_the_best_fit_first(cohort, organisation, neighbourhood, coordinator, competences, student4):
    from assignments.models import AssignmentCompetence

    student4.student_profile.competences.set(competences[:2])
    weak = AssignmentFactory(cohort=cohort, title="Past slecht", created_by=coordinator)
    strong = AssignmentFactory(cohort=cohort, title="Past goed", created_by=coordinator)
    AssignmentCompetence.objects.create(assignment=weak, competence=competences[2], importance=3)
    AssignmentCompetence.objects.create(assignment=weak, competence=competences[0], importance=1)
    AssignmentCompetence.objects.create(assignment=strong, competence=competences[0], importance=3)
    AssignmentCompetence.objects.create(assignment=strong, competence=competences[1], importance=2)
    AssignmentCompetence.objects.create(assignment=strong, competence=competences[3], importance=1)
    listed = list(assignments_for_list(user=student4))
    assert [a.title for a in listed] == ["Past goed", "Past slecht"]
    assert (listed[0].fit_matched, listed[0].fit_required) == (2, 3)
    assert (listed[1].fit_matched, listed[1].fit_required) == (1, 2)


def test_the_home_pages_matches_are_the_lists_best_fits_not_yet_chosen(
    world, many_assignments, competences, student4, django_assert_num_queries
):
    """The matches are the student's list in its own order (best fit first), open ones only, without
    what the student already chose; three, with the fit the panel shows, in one query."""
    many_assignments(12)
    student4.student_profile.competences.set(competences[:2])
    best_first = [a for a in assignments_for_list(user=student4) if a.status == AssignmentStatus.OPEN]
    Preference.objects.create(student=student4, assignment=best_first[1], rank=1)
    with django_assert_num_queries(1):
        matches = [
            (a.pk, a.title, a.organisation.name, a.fit_matched, a.fit_required)
            for a in best_matches_for(student=student4)
        ]
    expected = [a for a in best_first if a.pk != best_first[1].pk][:3]
    assert matches == [(a.pk, a.title, a.organisation.name, a.fit_matched, a.fit_required) for a in expected]
    assert len({a.fit_score for a in best_first}) > 2, "the order must be tested on different fits"


def test_only_students_rank_preferences(student4, org_contact, coordinator, hbo_docent, werkbegeleider):
    assert user_can_rank_preferences(user=student4)
    for user in (org_contact, coordinator, hbo_docent, werkbegeleider, AnonymousUser()):
        assert not user_can_rank_preferences(user=user)


def test_cohort_summaries_count_each_student_once_however_many_assignments_they_ranked(
    cohort, other_cohort, coordinator, assignment, student4, student5, student6
):
    second = AssignmentFactory(cohort=cohort, created_by=coordinator, status=AssignmentStatus.DRAFT)
    assignment.status = AssignmentStatus.OPEN
    assignment.save()
    Preference.objects.create(student=student4, assignment=assignment, rank=1)
    Preference.objects.create(student=student4, assignment=second, rank=2)
    Preference.objects.create(student=student5, assignment=assignment, rank=1)
    elsewhere = StudentFactory(profile__cohort=other_cohort)
    Preference.objects.create(student=elsewhere, assignment=assignment, rank=1)
    (summary,) = cohort_summaries(user=coordinator)
    assert (summary.cohort, summary.students, summary.students_with_preferences) == (cohort, 3, 2)
    assert (summary.open_assignments, summary.draft_assignments) == (1, 1)


def test_assignments_starting_the_same_day_are_listed_by_title_in_the_order_of_names(
    cohort, organisation, neighbourhood, coordinator, org_contact
):
    for title in ["Zwerfafval", "buurtmoestuin", "Één keer koken", "Avondwandeling"]:
        AssignmentFactory(
            cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, created_by=coordinator, title=title
        )
    expected = ["Avondwandeling", "buurtmoestuin", "Één keer koken", "Zwerfafval"]
    for user in (coordinator, org_contact):
        assert [a.title for a in assignments_for_list(user=user) if a.title in expected] == expected
