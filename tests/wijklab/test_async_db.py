"""Database work from the chat socket (wijklab/async_db.py): checked connections stay checked while busy."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper

from wijklab import async_db
from wijklab.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _count() -> int:
    return User.objects.count()


@pytest.fixture
def health_checks(monkeypatch) -> list[str]:
    """The threads of every health check (SELECT 1) Django runs on PostgreSQL."""
    calls: list[str] = []
    original = DatabaseWrapper.is_usable

    def counting(self: DatabaseWrapper) -> bool:
        calls.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", counting)
    if connection.pool is not None:
        # With the connection pool (DB_POOL_MAX_SIZE), the pool checks a connection as it lends it.
        pool_check = connection.pool._check

        def counting_pool_check(conn) -> None:
            calls.append(threading.current_thread().name)
            pool_check(conn)

        monkeypatch.setattr(connection.pool, "_check", counting_pool_check)
    return calls


@pytest.fixture
def one_thread():
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-chat-db")
    yield lambda func: async_db._ChatDatabaseSyncToAsync(func, thread_sensitive=False, executor=executor)
    executor.shutdown()


async def test_a_busy_connection_is_not_health_checked_for_every_call(require_postgres, health_checks, one_thread):
    for _ in range(10):
        await one_thread(_count)()
    assert len(health_checks) <= 1  # at most once, when the thread's connection was idle before the test


async def test_a_connection_that_sat_idle_is_checked_before_use(
    require_postgres, health_checks, one_thread, monkeypatch
):
    await one_thread(_count)()
    monkeypatch.setattr(async_db, "CHECK_AFTER_IDLE_SECONDS", 0.0)
    health_checks.clear()
    for _ in range(3):
        await one_thread(_count)()
    assert health_checks == ["test-chat-db_0"] * 3


async def test_a_connection_that_broke_is_replaced_after_the_call_that_met_it(require_postgres, one_thread):
    def break_behind_djangos_back() -> None:
        _count()
        connection.connection.close()  # as a database restart would

    await one_thread(break_behind_djangos_back)()
    with pytest.raises(OperationalError):
        await one_thread(_count)()
    assert await one_thread(_count)() >= 0
