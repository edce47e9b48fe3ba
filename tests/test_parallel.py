import pytest

from tests.parallel import worker_redis_url


def test_each_worker_takes_the_next_redis_database():
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/0"
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw1") == "redis://127.0.0.1:6379/1"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw2") == "redis://127.0.0.1:6379/2"
    assert worker_redis_url("rediss://:secret@cache:6380/3", "gw1") == "rediss://:secret@cache:6380/4"


def test_no_worker_runs_past_the_last_redis_database():
    with pytest.raises(RuntimeError, match="fewer workers"):
        worker_redis_url("redis://127.0.0.1:6379/14", "gw2")
    with pytest.raises(RuntimeError, match="redis://"):
        worker_redis_url("unix:///run/redis.sock?db=0", "gw1")
