"""A query the pages run on every request is parsed and planned once per pooled connection.

With the parameters bound on the server (Django's ``server_side_binding``), psycopg prepares a
statement once a connection has run it five times (``prepare_threshold``): PostgreSQL then
neither parses nor plans it again (settings, ``DB_PREPARED_STATEMENTS``; docs/benchmarks.md).
"""

import pytest
from django.db import connection

from wijklab.models import User

pytestmark = pytest.mark.django_db


def _prepared_probes() -> int:
    # pg_prepared_statements lists what this session (the test's own connection) has prepared.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
            ['%"wijklab_user"."first_name" = $%', '%"wijklab_user"."last_name" = $%'],
        )
        return cursor.fetchone()[0]


def _probe(n: int) -> None:
    # A query no other test runs: its own shape, with a new value each time (the plan is reused).
    for i in range(n):
        assert not User.objects.filter(first_name=f"probe {i}", last_name="prepared").exists()


def test_a_query_run_again_and_again_is_prepared_once_per_connection(require_postgres):
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    assert _prepared_probes() == 0
    _probe(4)
    assert _prepared_probes() == 0
    _probe(2)
    assert _prepared_probes() == 1
    # Run again, it stays one statement: values vary, the query is the same.
    _probe(5)
    assert _prepared_probes() == 1
