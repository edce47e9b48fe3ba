"""Database work from the chat socket (teams/chat/db.py) on PostgreSQL: its own threads, sound connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import DatabaseSyncToAsync
from django.db import connection

from wijklab.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _username(pk: int) -> str:
    return User.objects.values_list("username", flat=True).get(pk=pk)


@pytest.fixture
def one_thread():
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-chat-db")
    yield lambda func: DatabaseSyncToAsync(func, thread_sensitive=False, executor=executor)
    executor.shutdown()


async def test_the_work_runs_on_the_chats_own_threads(require_postgres, student4, monkeypatch):
    from teams.chat import db as chat_db

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-chat-db")
    monkeypatch.setattr(chat_db, "_executor", executor)
    try:
        thread = await chat_db.db(lambda: (_username(student4.pk), threading.current_thread().name))()
    finally:
        executor.shutdown()
    assert thread == (student4.username, "test-chat-db_0")


async def test_a_connection_broken_behind_djangos_back_is_replaced_before_the_next_call(
    require_postgres, student4, one_thread
):
    def break_behind_djangos_back() -> None:
        _username(student4.pk)
        connection.connection.close()  # as a database restart would

    await one_thread(break_behind_djangos_back)()
    assert await one_thread(_username)(student4.pk) == student4.username
