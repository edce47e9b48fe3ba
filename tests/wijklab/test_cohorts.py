"""Cohorts: created by a coordinator, managed only by their coordinators, read-only once archived."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from assignments import services as assignment_services
from assignments.validators import RankingEntry
from supervision import services as supervision_services
from teams import services as team_services
from teams.chat import services as chat_services
from tests.factories import CompetenceFactory, SchoolFactory, TeamFactory
from wijklab import selectors, services
from wijklab.errors import RuleViolation
from wijklab.models import Cohort, StudentProfile

START, END = dt.date(2027, 9, 1), dt.date(2028, 7, 1)


# --- creating and editing ----------------------------------------------------------------------


def test_the_creator_of_a_cohort_becomes_its_coordinator(coordinator):
    school = SchoolFactory(name="Albeda")
    competence = CompetenceFactory(name="Signaleren")
    cohort = services.cohort_create(
        by=coordinator, name="Ronde 2027", starts_on=START, ends_on=END, schools=[school], competences=[competence]
    )
    assert list(cohort.coordinators.all()) == [coordinator]
    assert list(cohort.schools.all()) == [school]
    assert list(cohort.competences.all()) == [competence]
    assert not cohort.is_archived


def test_only_a_coordinator_creates_a_cohort(student4):
    with pytest.raises(RuleViolation):
        services.cohort_create(by=student4, name="Ronde 2027", starts_on=START, ends_on=END)
    assert not Cohort.objects.filter(name="Ronde 2027").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "testcohort"}, "name"),  # the fixture's name, in another case
        ({"ends_on": dt.date(2027, 1, 1)}, "ends_on"),
        ({"starts_on": None}, "starts_on"),
    ],
)
def test_a_cohort_with_bad_values_is_refused_field_by_field(coordinator, cohort, values, field):
    data = {"name": "Ronde 2027", "starts_on": START, "ends_on": END, **values}
    with pytest.raises(ValidationError) as caught:
        services.cohort_create(by=coordinator, **data)
    assert field in caught.value.message_dict
    assert Cohort.objects.count() == 1


def test_editing_changes_only_the_fields_given(coordinator, cohort):
    school = SchoolFactory(name="Zadkine")
    services.cohort_update(cohort=cohort, by=coordinator, values={"name": "Nieuwe naam", "schools": [school]})
    cohort.refresh_from_db()
    assert cohort.name == "Nieuwe naam"
    assert cohort.starts_on == dt.date(2026, 9, 1)
    assert list(cohort.schools.all()) == [school]


def test_a_coordinator_manages_only_their_own_cohorts(coordinator, other_coordinator, cohort, other_cohort, student4):
    assert selectors.access_managed_cohort(user=coordinator, cohort_id=cohort.pk) == cohort
    for user, cohort_id in [(coordinator, other_cohort.pk), (other_coordinator, cohort.pk), (student4, cohort.pk)]:
        with pytest.raises(Http404):
            selectors.access_managed_cohort(user=user, cohort_id=cohort_id)
    assert list(selectors.cohorts_managed_by(user=coordinator)) == [cohort]


def test_only_coordinators_keep_cohorts(coordinator, student4, org_contact, hbo_docent):
    assert selectors.may_manage_cohorts(user=coordinator)
    for user in (student4, org_contact, hbo_docent, AnonymousUser()):
        assert not selectors.may_manage_cohorts(user=user)


def test_a_coordinator_manages_their_own_cohort_and_no_other(coordinator, other_coordinator, cohort, other_cohort):
    assert selectors.manages_cohort(user=coordinator, cohort_id=cohort.pk)
    assert not selectors.manages_cohort(user=coordinator, cohort_id=other_cohort.pk)
    assert not selectors.manages_cohort(user=other_coordinator, cohort_id=cohort.pk)
    assert not selectors.manages_cohort(user=coordinator, cohort_id=None)


def test_only_the_cohorts_own_coordinators_change_or_archive_it(other_coordinator, cohort):
    with pytest.raises(PermissionDenied):
        services.cohort_update(cohort=cohort, by=other_coordinator, values={"name": "Overgenomen"})
    with pytest.raises(PermissionDenied):
        services.cohort_archive(cohort=cohort, by=other_coordinator)
    assert Cohort.objects.get(pk=cohort.pk).name == "Testcohort"
    assert not Cohort.objects.get(pk=cohort.pk).is_archived


def test_cohorts_are_listed_newest_first(coordinator, cohort):
    later = services.cohort_create(by=coordinator, name="Ronde 2027", starts_on=START, ends_on=END)
    assert list(selectors.cohorts_managed_by(user=coordinator)) == [later, cohort]


def test_a_person_can_be_in_a_later_cohort_too(coordinator, cohort, mbo_docent):
    later = services.cohort_create(by=coordinator, name="Ronde 2027", starts_on=START, ends_on=END)
    for c in (cohort, later):
        c.supervisors.add(mbo_docent)
    assert set(mbo_docent.supervised_cohorts.all()) == {cohort, later}
    assert set(coordinator.coordinated_cohorts.all()) == {cohort, later}


# --- archive -------------------------------------------------------------------------------------


def test_archiving_twice_is_refused(coordinator, cohort):
    services.cohort_archive(cohort=cohort, by=coordinator)
    with pytest.raises(RuleViolation):
        services.cohort_archive(cohort=cohort, by=coordinator)


def test_the_guard_refuses_an_archived_cohort_by_object_or_id(coordinator, cohort):
    services.ensure_cohort_writable(cohort)
    services.cohort_archive(cohort=Cohort.objects.get(pk=cohort.pk), by=coordinator)
    # ``cohort`` is now a stale instance that still reads "not archived": the guard asks the database.
    assert cohort.archived_at is None
    for arg in (cohort, cohort.pk):
        with pytest.raises(RuleViolation) as caught:
            services.ensure_cohort_writable(arg)
        assert caught.value.code == "cohort_archived"
        assert "gearchiveerd" in str(caught.value.message)


@pytest.fixture
def archived(coordinator, cohort, team, assignment):
    """The cohort with a team, archived."""
    services.cohort_archive(cohort=cohort, by=coordinator)
    return cohort


def _refused(call) -> None:
    with pytest.raises(RuleViolation) as caught:
        call()
    assert caught.value.code == "cohort_archived"


def test_every_write_inside_an_archived_cohort_is_refused(
    archived, coordinator, team, assignment, student4, student5, outsider_student, mbo_docent, organisation, competences
):
    other_team = TeamFactory(assignment=assignment, name="Team Tweede", created_by=coordinator)
    _refused(
        lambda: assignment_services.assignment_update(assignment=assignment, by=coordinator, values={"title": "x"})
    )
    _refused(lambda: assignment_services.assignment_cancel(assignment=assignment, by=coordinator))
    _refused(
        lambda: assignment_services.assignment_create(
            by=coordinator, organisation=organisation, cohort=archived, values={"title": "x"}
        )
    )
    _refused(
        lambda: assignment_services.preferences_set(
            student=outsider_student, entries=[RankingEntry(assignment=assignment, rank=1, motivation="")]
        )
    )
    _refused(lambda: assignment_services.cohort_preferences_close(cohort=archived, by=coordinator))
    _refused(lambda: team_services.team_create(assignment=assignment, name="Nieuw", by=coordinator))
    _refused(lambda: team_services.team_set_status(team=team, status="closed", by=coordinator))
    _refused(lambda: team_services.membership_join(team=other_team, student=outsider_student))
    _refused(lambda: team_services.membership_leave(team=team, student=student4))
    _refused(
        lambda: team_services.membership_move(
            student=student4, to_team=other_team, by=coordinator, override=True, reason="x"
        )
    )
    _refused(lambda: team_services.membership_remove(team=team, student=student4, by=coordinator, reason="x"))
    _refused(lambda: team_services.task_create(team=team, by=student4, phase="verkenning", title="Bellen"))
    _refused(
        lambda: team_services.duo_create(
            team=team, by=student4, roles={student4.pk: "procesrol", student5.pk: "begeleidingsrol"}
        )
    )
    _refused(
        lambda: chat_services.message_post(team=team, author=student4, body="Hallo", client_id="c-1", announce=False)
    )
    _refused(lambda: supervision_services.feedback_create(author=student4, kind="self", comment="Gaat goed", scores=[]))
    _refused(lambda: supervision_services.supervision_assign(by=coordinator, supervisor=mbo_docent, student=student5))
    _refused(lambda: services.student_profile_update(student=student4, competences=competences[:1], available_days=[0]))
    _refused(lambda: services.cohort_update(cohort=archived, by=coordinator, values={"name": "Anders"}))
    assert not team.messages.exists()
    assert team.memberships.filter(left_at__isnull=True).count() == 3


def test_people_of_an_archived_cohort_still_change_their_own_account(archived, student4):
    services.profile_update(user=student4, display_name="Sanne V.", email="sanne@example.nl", language="en")
    student4.refresh_from_db()
    assert (student4.display_name, student4.language) == ("Sanne V.", "en")


def test_a_cohort_that_is_not_archived_is_untouched_by_the_guard(coordinator, cohort, other_cohort, other_coordinator):
    services.cohort_archive(cohort=other_cohort, by=other_coordinator)
    services.cohort_update(cohort=cohort, by=coordinator, values={"name": "Nog open"})
    assert Cohort.objects.get(pk=cohort.pk).name == "Nog open"


# --- readiness -------------------------------------------------------------------------------


def test_profile_complete_needs_a_competence_and_a_weekday(student4, competences):
    profile = StudentProfile.objects.get(user=student4)
    assert not selectors.student_profile_is_complete(profile)
    profile.available_days = [0]
    profile.save()
    assert not selectors.student_profile_is_complete(profile)
    profile.competences.add(competences[0])
    assert selectors.student_profile_is_complete(profile)
    profile.available_days = []
    profile.save()
    assert not selectors.student_profile_is_complete(profile)


def test_lists_find_the_profiles_without_a_competence_or_a_weekday(cohort, student4, student5, student6, competences):
    complete = StudentProfile.objects.get(user=student5)
    complete.available_days = [1, 2]
    complete.save()
    complete.competences.add(competences[0])
    only_days = StudentProfile.objects.get(user=student6)
    only_days.available_days = [3]
    only_days.save()
    incomplete = set(StudentProfile.objects.filter(selectors.incomplete_profile_q()).values_list("user_id", flat=True))
    assert incomplete == {student4.pk, student6.pk}
    listed = selectors.with_profile_completeness(StudentProfile.objects.all())
    assert {p.user_id for p in listed if not selectors.student_profile_is_complete(p)} == {student4.pk, student6.pk}
