"""PostgreSQL restarts while the site is in use: it answers while the database is down and recovers by itself.

The test runs a PostgreSQL of its own (tests/faults/own_postgres.py) on a free port,
migrates a database there with one student in it, and serves it with uvicorn
(production settings: DEBUG off, the connection pool on). Then it stops PostgreSQL
(fast shutdown, sessions cut off): ``/healthz`` answers 503 within a few seconds and
every other request an error (503, Dutch, for pages and the API) within a bound, so
no request hangs on the missing database. PostgreSQL starts again and, without
restarting uvicorn, the site is healthy and the signed-in student's pages answer.
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from tests.conftest import EXPECT_SERVICES
from tests.faults.own_postgres import OwnPostgres, find_bin_dir, wait_for
from tests.servers import PLAIN_HTTP, ROOT, start_uvicorn, stop, wait_until_healthy

USERNAME = "sanne.fault"
PASSWORD = "herstart-2026"
# What a request may take while the database is down: the pool's wait for a connection
# (DB_POOL_TIMEOUT, 10 s by default, which the server here keeps) plus room for a busy machine.
REQUEST_BOUND = 15.0
# /healthz is what a load balancer asks; it must not wait as long as a page does.
HEALTHZ_BOUND = 5.0
# How long PostgreSQL stays down. The pool retries a lost connection after 1, 3, 7, 15, 31… s;
# with psycopg_pool's default reconnect_timeout (5 minutes) a database back after 18 s would
# wait for the try at ~31 s (28-34 with jitter). DB_POOL_RECONNECT_TIMEOUT (10 s) starts afresh.
OUTAGE = 18.0
# After PostgreSQL is back: the pool's next attempt (at most a few seconds) and a busy machine.
RECOVERY_BOUND = 7.0

SEED = f"""
from wijklab.models import Role, User
User.objects.create_user(
    username={USERNAME!r}, password={PASSWORD!r}, display_name="Sanne Herstart", role=Role.STUDENT,
    email="sanne.fault@example.nl",
)
"""


@pytest.fixture
def own_postgres():
    # It runs in the PostgreSQL pass of .ci/run only (the SQLite pass would run it twice over).
    if connection.vendor != "postgresql":
        if EXPECT_SERVICES:
            pytest.fail("The PostgreSQL pass runs on another database than PostgreSQL.")
        pytest.skip("a fault test of the PostgreSQL pass of .ci/run (DATABASE_URL=postgres://…)")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if EXPECT_SERVICES:
            pytest.fail("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing.")
        pytest.skip("needs PostgreSQL's server binaries in /usr/lib/postgresql/*/bin")
    server = OwnPostgres(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def site(own_postgres, tmp_path):
    """uvicorn on a migrated database of the own PostgreSQL, with one student; yields (base URL, log path)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DB_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # PostgreSQL alone: /healthz then checks only the database, and the sessions live there.
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DATABASE_URL": own_postgres.create_database("wijklab_fault"),
            "SECRET_KEY": "postgres-restart-test",
            "DEBUG": "false",
            **PLAIN_HTTP,
            "ALLOWED_HOSTS": "127.0.0.1",
            "WIJKLAB_DATA_DIR": str(tmp_path),
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "shell", "-c", SEED)
    log_path = tmp_path / "server.log"
    process, port = start_uvicorn(env, log_path, "--lifespan", "off")
    try:
        wait_until_healthy([(process, port)], [log_path])
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        stop([process])


def _sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/inloggen/", timeout=REQUEST_BOUND)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/inloggen/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/inloggen/"},
        timeout=REQUEST_BOUND,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def _timed(call) -> tuple[requests.Response | Exception, float]:
    started = time.monotonic()
    try:
        result = call()
    except requests.RequestException as exc:  # a hang past the bound shows up as a ReadTimeout here
        result = exc
    return result, time.monotonic() - started


def test_the_site_answers_while_postgres_is_down_and_recovers_by_itself(own_postgres, site):
    base, log_path = site
    student = _sign_in(base)
    home = student.get(f"{base}/", timeout=REQUEST_BOUND)
    assert home.status_code == 200
    assert "Sanne Herstart" in home.text
    assert student.get(f"{base}/api/me/", timeout=REQUEST_BOUND).json()["username"] == USERNAME

    own_postgres.stop()
    stopped = time.monotonic()
    assert not own_postgres.accepts_connections()

    # Everything at once, as people would: the health check, a page, the API, a write.
    anonymous = requests.Session()
    calls = {
        "healthz": lambda: anonymous.get(f"{base}/healthz", timeout=REQUEST_BOUND + 5),
        "page": lambda: student.get(f"{base}/", timeout=REQUEST_BOUND + 5),
        "page-en": lambda: student.get(
            f"{base}/meldingen/", headers={"Accept-Language": "en"}, timeout=REQUEST_BOUND + 5
        ),
        "api": lambda: student.get(f"{base}/api/me/", timeout=REQUEST_BOUND + 5),
        "write": lambda: student.post(
            f"{base}/meldingen/gelezen/",
            headers={"X-CSRFToken": student.cookies.get("csrftoken", ""), "Referer": f"{base}/"},
            timeout=REQUEST_BOUND + 5,
            allow_redirects=False,
        ),
    }
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {name: pool.submit(_timed, call) for name, call in calls.items()}
        results = {name: future.result() for name, future in futures.items()}

    summary = ", ".join(
        f"{name}: {getattr(result, 'status_code', type(result).__name__)} in {seconds:.1f} s"
        for name, (result, seconds) in results.items()
    )
    for name, (result, seconds) in results.items():
        assert isinstance(result, requests.Response), f"{name} did not answer ({summary})\n{log_path.read_text()}"
        bound = HEALTHZ_BOUND if name == "healthz" else REQUEST_BOUND
        assert seconds < bound, f"{name} took too long (bound {bound} s): {summary}"
        assert result.status_code == 503, f"{name}: {summary}\n{result.text[:300]}"
    assert results["healthz"][0].json()["checks"] == {"database": False}
    page = results["page"][0]
    assert "text/html" in page.headers["Content-Type"]
    assert "Wijklab is even niet bereikbaar" in page.text
    assert "Wijklab is temporarily unavailable" in results["page-en"][0].text
    api = results["api"][0].json()
    assert api["code"] == "database_unavailable"
    assert "even niet bereikbaar" in api["detail"]
    for name in ("page", "api", "write"):
        assert results[name][0].headers.get("Retry-After"), name

    # The load balancer keeps asking; every answer is a prompt 503.
    while time.monotonic() - stopped < OUTAGE:
        response, seconds = _timed(lambda: anonymous.get(f"{base}/healthz", timeout=REQUEST_BOUND))
        assert isinstance(response, requests.Response), response
        assert (response.status_code, seconds < HEALTHZ_BOUND) == (503, True), f"{response.status_code} in {seconds}"
        time.sleep(1)

    own_postgres.start()

    # No restart of uvicorn: the pool finds the database again by itself.
    def healthy() -> bool:
        try:
            return anonymous.get(f"{base}/healthz", timeout=REQUEST_BOUND).status_code == 200
        except requests.RequestException:
            return False

    started = time.monotonic()
    assert wait_for(healthy, 60, interval=0.5), f"/healthz never 200 again:\n{log_path.read_text()[-3000:]}"
    recovered_in = time.monotonic() - started
    assert recovered_in < RECOVERY_BOUND, f"the site took {recovered_in:.1f} s to notice PostgreSQL was back"
    # The student is still signed in (the session was in the database all along) and the pages answer.
    for path in ("/", "/meldingen/"):
        response = student.get(f"{base}{path}", timeout=REQUEST_BOUND)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    assert student.get(f"{base}/api/me/", timeout=REQUEST_BOUND).json()["username"] == USERNAME
    print(f"recovered {recovered_in:.1f} s after PostgreSQL came back")
