"""factory_boy factories for bulk data; named people live in conftest.py."""

import datetime as dt

import factory
from django.conf import settings

from assignments.models import Assignment, AssignmentStatus
from teams.models import Membership, Team
from wijklab.models import (
    Cohort,
    Competence,
    Neighbourhood,
    Organisation,
    Role,
    School,
    StudentProfile,
    SupervisorKind,
    SupervisorProfile,
    User,
)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"School {n}")
    sector = "mbo"
    city = "Rotterdam"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    city = "Rotterdam"


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ("name", "municipality")

    name = factory.Sequence(lambda n: f"Wijk {n}")
    municipality = "Rotterdam"


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competence
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Competentie {n}")


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = dt.date(2026, 9, 1)
    ends_on = dt.date(2027, 7, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"Persoon {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    role = Role.STUDENT
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StudentFactory(UserFactory):
    role = Role.STUDENT

    @factory.post_generation
    def profile(obj, create, extracted, niveau=4, cohort=None, school=None, **kwargs):
        if not create:
            return
        StudentProfile.objects.get_or_create(
            user=obj,
            defaults={
                "niveau": niveau,
                "cohort": cohort or CohortFactory(name="Testcohort"),
                "school": school
                or SchoolFactory(
                    name="Hogeschool Test" if niveau > 4 else "ROC Test", sector="hbo" if niveau > 4 else "mbo"
                ),
                "programme": "Social Work" if niveau > 4 else "Sociaal Werk",
                "available_days": [0, 1, 2],
            },
        )


class SupervisorFactory(UserFactory):
    role = Role.SUPERVISOR

    @factory.post_generation
    def profile(obj, create, extracted, kind=SupervisorKind.MBO_DOCENT, school=None, organisation=None, **kwargs):
        if not create:
            return
        if kind == SupervisorKind.WERKBEGELEIDER:
            organisation = organisation or OrganisationFactory(name="Testorganisatie")
        else:
            school = school or SchoolFactory(
                name="Hogeschool Test" if kind == SupervisorKind.HBO_DOCENT else "ROC Test",
                sector="hbo" if kind == SupervisorKind.HBO_DOCENT else "mbo",
            )
        SupervisorProfile.objects.get_or_create(
            user=obj, defaults={"kind": kind, "school": school, "organisation": organisation}
        )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    cohort = factory.LazyFunction(lambda: CohortFactory(name="Testcohort"))
    organisation = factory.LazyFunction(lambda: OrganisationFactory(name="Testorganisatie"))
    title = factory.Sequence(lambda n: f"Opdracht {n}")
    description = "Een **echte** vraag uit de wijk."
    neighbourhood = factory.LazyFunction(lambda: NeighbourhoodFactory(name="Feijenoord"))
    phase = "verkenning"
    team_size_min = 3
    team_size_max = 5
    min_niveau_4 = 1
    min_niveau_5 = 0
    min_niveau_6 = 1
    starts_on = dt.date(2026, 10, 1)
    ends_on = dt.date(2027, 1, 31)
    status = AssignmentStatus.OPEN
    created_by = factory.LazyFunction(lambda: UserFactory(username="factory-owner", role=Role.COORDINATOR))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    assignment = factory.SubFactory(AssignmentFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    created_by = factory.LazyAttribute(lambda t: t.assignment.created_by)


def add_member(team: Team, student: User) -> Membership:
    """Put a student in a team directly (tests that are not about joining)."""
    return Membership.objects.create(team=team, student=student, cohort_id=team.assignment.cohort_id)


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF (pypdf writes it): uploads are accepted only when pypdf can read them."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def api_token(user: User, name: str = "Test") -> str:
    """A personal API token for ``user`` (the token itself: send it as ``Authorization: Bearer <token>``)."""
    from wijklab.services import api_token_create

    return api_token_create(user=user, name=name)[1]
