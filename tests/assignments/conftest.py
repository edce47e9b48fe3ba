"""Fixtures for the assignment tests: a draft, a valid request body, data in bulk."""

import datetime as dt

import pytest

from assignments.models import Assignment, AssignmentCompetence, AssignmentStatus, Preference
from tests.factories import AssignmentFactory, StudentFactory, TeamFactory, add_member


@pytest.fixture
def draft(cohort, organisation, neighbourhood, org_contact, competences):
    assignment = AssignmentFactory(
        cohort=cohort,
        organisation=organisation,
        neighbourhood=neighbourhood,
        created_by=org_contact,
        title="Concept: buurtmoestuin",
        status=AssignmentStatus.DRAFT,
    )
    AssignmentCompetence.objects.create(assignment=assignment, competence=competences[0], importance=3)
    return assignment


@pytest.fixture
def open_assignment(assignment, competences):
    """The conftest assignment (open, of `organisation`) with two required competences."""
    AssignmentCompetence.objects.create(assignment=assignment, competence=competences[0], importance=3)
    AssignmentCompetence.objects.create(assignment=assignment, competence=competences[1], importance=2)
    return assignment


@pytest.fixture
def other_cohort_student(other_cohort):
    return StudentFactory(
        username="elders", display_name="Eline Elders", profile__niveau=5, profile__cohort=other_cohort
    )


@pytest.fixture
def payload(neighbourhood, competences, cohort):
    """A valid POST /api/assignments/ body; tests change one thing at a time."""

    def make(**changes):
        data = {
            "title": "Buurtmoestuin Hillesluis",
            "description": "Bewoners willen **samen** tuinieren.\n\n- zaaien\n- oogsten",
            "neighbourhood": neighbourhood.pk,
            "phase": "verkenning",
            "competences": [competences[0].pk, competences[2].pk],
            "team_size_min": 3,
            "team_size_max": 5,
            "min_niveau_4": 1,
            "min_niveau_5": 0,
            "min_niveau_6": 1,
            "requires_hbo": False,
            "starts_on": "2026-10-01",
            "ends_on": "2027-01-31",
        }
        data.update(changes)
        return data

    return make


@pytest.fixture
def form_data(neighbourhood, competences, cohort):
    """The same valid assignment as the htmx form posts it."""

    def make(**changes):
        data = {
            "title": "Buurtmoestuin Hillesluis",
            "description": "Bewoners willen **samen** tuinieren.",
            "neighbourhood": str(neighbourhood.pk),
            "phase": "verkenning",
            "target_group": "Gezinnen",
            "goal": "",
            "expected_result": "",
            "competences": [str(competences[0].pk), str(competences[2].pk)],
            f"importance_{competences[0].pk}": "3",
            f"importance_{competences[2].pk}": "2",
            "team_size_min": "3",
            "team_size_max": "5",
            "min_niveau_4": "1",
            "min_niveau_5": "0",
            "min_niveau_6": "1",
            "starts_on": "2026-10-01",
            "ends_on": "2027-01-31",
            "hours_per_week": "8",
            "contact_person": "",
        }
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return data

    return make


@pytest.fixture
def many_assignments(cohort, organisation, neighbourhood, coordinator, competences):
    """Add ``n`` open assignments with competences, interest and now and then a team (in bulk: fast)."""

    def make(n: int) -> None:
        start = Assignment.objects.count()
        rows = Assignment.objects.bulk_create(
            Assignment(
                cohort=cohort,
                organisation=organisation,
                neighbourhood=neighbourhood,
                created_by=coordinator,
                title=f"Bulkopdracht {start + i}",
                description="Een **echte** vraag uit de wijk.",
                starts_on=dt.date(2026, 10, 1) + dt.timedelta(days=i % 30),
                ends_on=dt.date(2027, 1, 31),
                status=AssignmentStatus.OPEN,
            )
            for i in range(n)
        )
        AssignmentCompetence.objects.bulk_create(
            AssignmentCompetence(assignment=a, competence=c, importance=1 + i % 3)
            for i, a in enumerate(rows)
            for c in competences[: 1 + i % 3]
        )
        student = StudentFactory(username=f"bulk-{start}", profile__cohort=cohort, profile__niveau=4)
        Preference.objects.bulk_create(
            Preference(student=student, assignment=a, rank=rank) for rank, a in enumerate(rows[:5], start=1)
        )
        for i, a in enumerate(rows[::40]):
            team = TeamFactory(assignment=a, name=f"Team {start + i}")
            add_member(team, StudentFactory(username=f"bulk-member-{start + i}", profile__cohort=cohort))

    return make
