"""Hundreds of requests through a real ASGI server on PostgreSQL stay within the process's connection pool.

Under ASGI every request runs on a thread of its own; with persistent connections
each request left a connection open that nothing reused or closed (issue 18). The
server here is uvicorn in a subprocess on the test database, its connections
named by PGAPPNAME so pg_stat_activity shows them apart from this test's own.
"""

import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import UserFactory, api_token
from tests.servers import server_env, start_uvicorn, stop, wait_until_healthy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

POOL_MAX = 4
REQUESTS = 400
CLIENTS = 16


def _server_connections(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def pooled_server(require_postgres, tmp_path):
    """One uvicorn process on the test database with a pool of at most POOL_MAX connections."""
    application_name = f"wijklab-pool-test-{uuid.uuid4().hex[:6]}"
    # The database alone (no REDIS_URL): /healthz then checks only PostgreSQL.
    env = server_env(
        tmp_path,
        redis_url=None,
        drop=("DB_",),
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE=str(POOL_MAX),
        PGAPPNAME=application_name,
    )
    log_path = tmp_path / "server.log"
    process, port = start_uvicorn(env, log_path, "--lifespan", "off")
    try:
        wait_until_healthy([(process, port)], [log_path])
        yield port, application_name
    finally:
        stop([process])


def test_hundreds_of_requests_leave_at_most_the_pools_size_of_connections(pooled_server):
    port, application_name = pooled_server
    token = api_token(UserFactory(username="pooltest"))

    def fetch(i: int) -> int:
        # Anonymous health checks and token-authenticated API reads, both on the database.
        if i % 2:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz")
        else:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/me/", headers={"Authorization": f"Bearer {token}"}
            )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the http:// URLs above
            response.read()
            return response.status

    peak = 0
    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        pending = [clients.submit(fetch, i) for i in range(REQUESTS)]
        while not all(future.done() for future in pending):
            peak = max(peak, _server_connections(application_name))
            time.sleep(0.05)
        statuses = [future.result() for future in pending]

    assert statuses == [200] * REQUESTS
    after = _server_connections(application_name)
    # Sixteen clients at once need the whole pool (so the limit is what held the count), and the
    # pool keeps exactly those connections for the next requests: none opened per request.
    assert peak == POOL_MAX
    assert after == POOL_MAX
