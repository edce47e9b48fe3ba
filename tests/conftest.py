"""Named people every test can use, and the switches for the two runtimes.

The people: a student of each niveau on one team, an outsider student in the
same cohort, an organisation contact and one of another organisation, each
kind of supervisor (assigned to the team), and the cohort's coordinator.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from teams.models import SupervisionAssignment
from tests.factories import (
    AssignmentFactory,
    CohortFactory,
    CompetenceFactory,
    NeighbourhoodFactory,
    OrganisationFactory,
    StudentFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
    add_member,
)
from wijklab.models import Role, SupervisorKind, User

IN_CI = os.environ.get("CI", "").lower() == "true"
# .ci/run sets this for its PostgreSQL + Redis pass: there a missing service is a failure.
EXPECT_SERVICES = os.environ.get("WIJKLAB_EXPECT_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _test_runtime(settings, tmp_path):
    """Celery runs eagerly in tests; files and e-mail stay inside the test."""
    from celery import _state as celery_state

    from wijklab.celery import app

    # Celery runs an eager job with a process-wide "inside a job" flag set, putting back what it found
    # when the job ends. Eager jobs running at once in several threads (the PostgreSQL races) can
    # leave it set, and every later `.get()` in this process then fails with "Never call result.get()
    # within a task". No public call resets it.
    celery_state._set_task_join_will_block(False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "nl"
    # Team formation runs inside the request and without its progress thread, so a test sees the result.
    settings.FORMATION_RUN_IN_THREAD = False
    settings.FORMATION_PROGRESS_TICKS = False
    # Every named person gets a password; the real hasher costs a third of a
    # second each, which no test here measures.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain http; with DEBUG off (the PostgreSQL pass) every request would
    # otherwise be redirected to https. tests/wijklab/test_security_settings.py checks the redirect.
    settings.SECURE_SSL_REDIRECT = False
    # Outside the local mode (the PostgreSQL pass) coordinators and staff must set up a second factor
    # before anything else; the tests that mean it turn it on (tests/wijklab/test_account_security.py).
    settings.SECOND_FACTOR_REQUIRED = False
    return


@pytest.fixture
def require_postgres(db):
    """For tests that only mean something on PostgreSQL (real concurrent connections)."""
    if connection.vendor != "postgresql":
        if EXPECT_SERVICES:
            pytest.fail("The PostgreSQL pass runs on another database than PostgreSQL.")
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL pass of .ci/run (DATABASE_URL=postgres://…)")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if EXPECT_SERVICES:
            pytest.fail("REDIS_URL is not set in the Redis pass.")
        pytest.skip("needs Redis: runs in the Redis pass of .ci/run (REDIS_URL=redis://…)")
    return url


# --- places ---------------------------------------------------------------


@pytest.fixture
def cohort(db):
    return CohortFactory(name="Testcohort")


@pytest.fixture
def other_cohort(db):
    return CohortFactory(name="Ander cohort")


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Testorganisatie")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Andere organisatie")


@pytest.fixture
def neighbourhood(db):
    return NeighbourhoodFactory(name="Feijenoord", municipality="Rotterdam")


@pytest.fixture
def competences(db):
    return [
        CompetenceFactory(name=name)
        for name in ["Contact leggen met bewoners", "Signaleren", "Activiteiten organiseren", "Rapporteren"]
    ]


# --- people ---------------------------------------------------------------


@pytest.fixture
def student4(cohort) -> User:
    return StudentFactory(username="sanne", display_name="Sanne de Vries", profile__niveau=4, profile__cohort=cohort)


@pytest.fixture
def student5(cohort) -> User:
    return StudentFactory(
        username="youssef", display_name="Youssef El Amrani", profile__niveau=5, profile__cohort=cohort
    )


@pytest.fixture
def student6(cohort) -> User:
    return StudentFactory(username="lotte", display_name="Lotte Jansen", profile__niveau=6, profile__cohort=cohort)


@pytest.fixture
def outsider_student(cohort) -> User:
    return StudentFactory(username="buiten", display_name="Bram Buiten", profile__niveau=6, profile__cohort=cohort)


@pytest.fixture
def org_contact(organisation) -> User:
    return UserFactory(username="org", display_name="Esther Willems", role=Role.ORGANISATION, organisation=organisation)


@pytest.fixture
def other_org_contact(other_organisation) -> User:
    return UserFactory(
        username="andere-org", display_name="Gerard Vos", role=Role.ORGANISATION, organisation=other_organisation
    )


@pytest.fixture
def mbo_docent(db) -> User:
    return SupervisorFactory(
        username="mbo-docent", display_name="Marieke Verhoeven", profile__kind=SupervisorKind.MBO_DOCENT
    )


@pytest.fixture
def hbo_docent(db) -> User:
    return SupervisorFactory(
        username="hbo-docent", display_name="Pieter van Wijk", profile__kind=SupervisorKind.HBO_DOCENT
    )


@pytest.fixture
def werkbegeleider(organisation) -> User:
    return SupervisorFactory(
        username="werkbegeleider",
        display_name="Ingrid Kramer",
        profile__kind=SupervisorKind.WERKBEGELEIDER,
        profile__organisation=organisation,
    )


@pytest.fixture
def other_supervisor(db) -> User:
    """A docent who supervises nobody in these tests."""
    return SupervisorFactory(
        username="andere-docent", display_name="Nadia Boukhari", profile__kind=SupervisorKind.HBO_DOCENT
    )


@pytest.fixture
def coordinator(cohort) -> User:
    user = UserFactory(username="coordinator", display_name="Annemiek Hoekstra", role=Role.COORDINATOR)
    cohort.coordinators.add(user)
    return user


@pytest.fixture
def other_coordinator(other_cohort) -> User:
    user = UserFactory(username="andere-coordinator", display_name="Kees Dijkstra", role=Role.COORDINATOR)
    other_cohort.coordinators.add(user)
    return user


# --- a working situation --------------------------------------------------


@pytest.fixture
def assignment(cohort, organisation, neighbourhood, coordinator):
    return AssignmentFactory(
        cohort=cohort,
        organisation=organisation,
        neighbourhood=neighbourhood,
        created_by=coordinator,
        title="Ontmoetingsplek voor eenzame ouderen",
    )


@pytest.fixture
def team(assignment, student4, student5, student6, mbo_docent, hbo_docent, werkbegeleider):
    """A mixed team (niveau 4, 5, 6) followed by all three kinds of supervisor."""
    team = TeamFactory(assignment=assignment, name="Team Zonnebloem", created_by=assignment.created_by)
    for student in (student4, student5, student6):
        add_member(team, student)
    for supervisor in (mbo_docent, hbo_docent, werkbegeleider):
        SupervisionAssignment.objects.create(supervisor=supervisor, team=team)
    return team


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[[User | None], APIClient]:
    """An API client logged in as ``user`` (anonymous for None)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


def pytest_collection_modifyitems(config, items):
    """Run browser tests last: Playwright's sync API keeps an event loop on the
    main thread, and Django refuses ORM calls from such a thread afterwards."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.fspath).replace("\\", "/"))


# --- query counts ---------------------------------------------------------------------------


@contextmanager
def count_queries() -> Iterator[CaptureQueriesContext]:
    """The queries a block runs: ``with count_queries() as queries: ...``, then ``len(queries)``.

    The one helper the "queries do not grow with the data" tests share, whether they count a page,
    an API call or a service.
    """
    with CaptureQueriesContext(connection) as queries:
        yield queries


def queries_of_get(client, url: str) -> int:
    """How many queries one GET of ``url`` runs; the GET must succeed."""
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)
