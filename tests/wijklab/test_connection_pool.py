"""Hundreds of requests through a real ASGI server on PostgreSQL stay within the process's connection pool.

Under ASGI every request runs on a thread of its own; with persistent connections
each request left a connection open that nothing reused or closed (issue 18). The
server here is uvicorn in a subprocess on the test database, its connections
named by PGAPPNAME so pg_stat_activity shows them apart from this test's own.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
POOL_MAX = 4
REQUESTS = 400
CLIENTS = 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    base, _, _name = os.environ["DATABASE_URL"].rpartition("/")
    application_name = f"wijklab-pool-test-{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DB_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("REDIS_URL", None)  # the database alone: /healthz then checks only PostgreSQL
    env.update(
        {
            "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
            "SECRET_KEY": "pool-test",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "WIJKLAB_DATA_DIR": str(tmp_path),
            "DB_POOL_MIN_SIZE": "1",
            "DB_POOL_MAX_SIZE": str(POOL_MAX),
            "PGAPPNAME": application_name,
        }
    )
    port = _free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "wijklab.asgi:application", "--port", str(port), "--lifespan", "off"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield port, application_name
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_hundreds_of_requests_leave_at_most_the_pools_size_of_connections(pooled_server):
    port, application_name = pooled_server
    token = Token.objects.create(user=UserFactory(username="pooltest")).key

    def fetch(i: int) -> int:
        # Anonymous health checks and token-authenticated API reads, both on the database.
        if i % 2:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz")
        else:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/me/", headers={"Authorization": f"Token {token}"}
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
    assert 1 <= peak <= POOL_MAX
    assert 1 <= after <= POOL_MAX
