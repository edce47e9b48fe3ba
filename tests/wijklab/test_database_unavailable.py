"""A database that cannot be reached answers 503 with a clear message, not a bare 500 (handler500).

The real outage is tests/faults/test_postgres_restart.py; here the errors psycopg raises
then (refused connection, pool timeout, a server shutting down) are raised where they
would be: in a view, in the API, and in a middleware loading the signed-in user.
"""

from unittest import mock

import psycopg
import psycopg_pool
import pytest
from django.db import InterfaceError, OperationalError
from psycopg import errors as pg_errors

from wijklab.errors import database_unreachable

pytestmark = pytest.mark.django_db


def _wrapped(cause: Exception) -> OperationalError:
    # What django.db.utils.DatabaseErrorWrapper raises for a psycopg error.
    exc = OperationalError(str(cause))
    exc.__cause__ = cause
    return exc


def _refused() -> OperationalError:
    return _wrapped(psycopg.OperationalError('connection failed: connection to server at "127.0.0.1" refused'))


@pytest.fixture
def quiet_client(client):
    client.raise_request_exception = False
    return client


def test_only_errors_of_an_unreachable_database_count():
    assert database_unreachable(_refused())
    assert database_unreachable(_wrapped(psycopg_pool.PoolTimeout("couldn't get a connection after 10.00 sec")))
    assert database_unreachable(_wrapped(pg_errors.AdminShutdown("terminating connection")))
    assert database_unreachable(_wrapped(pg_errors.CannotConnectNow("the database system is starting up")))
    assert database_unreachable(InterfaceError("connection already closed"))
    # The database answered, and refused: that is a bug or a conflict, not an outage.
    assert not database_unreachable(_wrapped(pg_errors.DeadlockDetected("deadlock detected")))
    assert not database_unreachable(_wrapped(pg_errors.QueryCanceled("canceling statement")))
    assert not database_unreachable(OperationalError("database is locked"))  # SQLite, no psycopg cause
    assert not database_unreachable(RuntimeError("boom"))
    assert not database_unreachable(None)


def test_a_page_answers_503_in_dutch_when_the_database_is_unreachable(quiet_client, student4):
    quiet_client.force_login(student4)
    with mock.patch("frontend.views.core.notifications_mark_read", side_effect=_refused()):
        response = quiet_client.post("/meldingen/gelezen/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert '<html lang="nl">' in body
    assert "Wijklab is even niet bereikbaar. Probeer het over een minuut opnieuw." in body
    assert "Wat je net wilde opslaan, is misschien niet bewaard." in body


def test_the_page_speaks_english_to_an_english_browser(quiet_client, student4):
    quiet_client.force_login(student4)
    with mock.patch("frontend.views.core.notifications_mark_read", side_effect=_refused()):
        response = quiet_client.post("/meldingen/gelezen/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "Wijklab is temporarily unavailable. Please try again in a minute." in response.content.decode()


def test_the_api_answers_503_with_a_code(quiet_client, student4):
    quiet_client.force_login(student4)
    timeout = _wrapped(psycopg_pool.PoolTimeout("couldn't get a connection after 10.00 sec"))
    with mock.patch("wijklab.api.MeView.get", side_effect=timeout):
        response = quiet_client.get("/api/me/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "Wijklab is even niet bereikbaar. Probeer het over een minuut opnieuw.",
        "code": "database_unavailable",
    }


def test_an_outage_met_in_a_middleware_is_a_503_too(quiet_client, student4):
    # The first database work of a signed-in request is loading the user, before any view.
    quiet_client.force_login(student4)
    with mock.patch("django.contrib.auth.get_user", side_effect=_refused()):
        response = quiet_client.get("/")
    assert response.status_code == 503
    assert "Wijklab is even niet bereikbaar" in response.content.decode()


def test_the_person_is_not_loaded_again_on_the_way_out(quiet_client, student4):
    # Each try waits the pool's full timeout in production: the middleware the 503 passes on its
    # way out (no-store, the chat's session follow-up) must not try again.
    quiet_client.force_login(student4)
    with mock.patch("django.contrib.auth.get_user", side_effect=_refused()) as get_user:
        response = quiet_client.get("/")
        api = quiet_client.get("/api/me/")
    assert (response.status_code, api.status_code) == (503, 503)
    assert get_user.call_count == 2


@pytest.mark.parametrize(
    "error",
    [RuntimeError("boom"), _wrapped(pg_errors.DeadlockDetected("deadlock detected"))],
    ids=["a bug", "a deadlock"],
)
def test_other_errors_stay_a_500(quiet_client, student4, error):
    quiet_client.force_login(student4)
    with mock.patch("frontend.views.core.notifications_mark_read", side_effect=error):
        response = quiet_client.post("/meldingen/gelezen/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"niet bereikbaar" not in response.content
