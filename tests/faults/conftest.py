"""Fault tests: real processes (ASGI servers, Celery workers, a PostgreSQL or Redis of the
test's own) are started, killed and restarted while the platform is in use.

They run in the PostgreSQL + Redis pass of ``.ci/run`` (they need both) and are skipped
elsewhere. Every test uses its own database names, Redis databases or key prefixes, and
starts and stops only processes it started itself: the machine's shared PostgreSQL
(5432) and Redis (6379) are never stopped or reconfigured.
"""

import pytest

from tests.faults.own_redis import own_redis  # noqa: F401 - the fixture, for every fault test


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/faults/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)
