"""add_then_get_many (teams/chat/cache.py): an add and a read in one round trip on Redis, two calls elsewhere."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache

from teams.chat.cache import RedisCache, add_then_get_many


@pytest.fixture(params=["locmem", "redis"])
def backend(request):
    if request.param == "locmem":
        return LocMemCache(f"pipeline-{uuid.uuid4().hex}", {})
    return RedisCache(request.getfixturevalue("redis_url"), {"KEY_PREFIX": f"pipeline-{uuid.uuid4().hex[:8]}"})


def test_the_first_add_wins_and_the_read_sees_it(backend):
    backend.set("other", 3, 30)
    added, found = add_then_get_many(backend, "me", 1, 30, ["me", "other", "absent"])
    assert added is True
    assert found == {"me": 1, "other": 3}

    added, found = add_then_get_many(backend, "me", 5, 30, ["me"])
    assert added is False
    assert found == {"me": 1}  # an add never overwrites


def test_the_added_key_expires_like_an_add(backend):
    add_then_get_many(backend, "short", 1, 1, [])
    assert backend.get("short") == 1
    if isinstance(backend, RedisCache):
        ttl = backend._cache.get_client().ttl(backend.make_and_validate_key("short"))
        assert 0 < ttl <= 1


def test_redis_does_it_in_one_round_trip(backend, monkeypatch):
    if not isinstance(backend, RedisCache):
        pytest.skip("a pipeline is Redis's")
    client = backend._cache.get_client(write=True)
    calls = []
    original = type(client.connection_pool).get_connection

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(client.connection_pool), "get_connection", counting)
    add_then_get_many(backend, "once", 1, 30, ["once", "b", "c"])
    assert calls == [1]
