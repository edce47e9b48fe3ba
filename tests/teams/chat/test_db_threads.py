"""Which thread the chat's database work runs on (teams/chat/db.py), on either database."""

import asyncio

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from teams.chat import db as async_db


@pytest.mark.django_db
def test_the_one_thread_rule_follows_the_database_in_use():
    expected = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert async_db._one_thread_only() is expected


@pytest.mark.parametrize(
    ("engine", "name", "one_thread"),
    [
        ("django.db.backends.sqlite3", ":memory:", True),
        ("django.db.backends.sqlite3", "file:memorydb_default?mode=memory&cache=shared", True),
        ("django.db.backends.sqlite3", "/srv/wijklab/db.sqlite3", False),
        ("django.db.backends.postgresql", "wijklab", False),
    ],
)
def test_only_an_in_memory_sqlite_database_keeps_chat_work_on_one_thread(monkeypatch, engine, name, one_thread):
    database = dict(connections.settings[DEFAULT_DB_ALIAS], ENGINE=engine, NAME=name)
    monkeypatch.setitem(connections.settings, DEFAULT_DB_ALIAS, database)
    assert async_db._one_thread_only() is one_thread


def test_choosing_the_thread_builds_no_connection_object_per_socket(monkeypatch):
    # Every socket is an asyncio context of its own; connections[...] would build a wrapper in each.
    built = []
    original = type(connections).create_connection

    def counting(self, alias):
        built.append(alias)
        return original(self, alias)

    monkeypatch.setattr(type(connections), "create_connection", counting)

    async def one_socket() -> None:
        async_db.db(len)

    async def many() -> None:
        await asyncio.gather(*(asyncio.create_task(one_socket()) for _ in range(20)))

    asyncio.run(many())
    assert built == []
