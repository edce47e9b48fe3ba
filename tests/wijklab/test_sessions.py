"""Sessions keep working when Redis does not (wijklab.sessions)."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from wijklab import sessions

UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Port 1: nothing listens, every call is refused, as when Redis is down.
    "sessions": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = UNREACHABLE_REDIS
    settings.SESSION_ENGINE = "wijklab.sessions"
    settings.SESSION_CACHE_ALIAS = "sessions"
    with pytest.raises(Exception, match=r"Connection refused|Error 111"):
        caches["sessions"].get("proof-that-it-is-down")


def test_with_redis_down_people_sign_in_use_pages_and_sign_out(client, student4, redis_down):
    response = client.post(reverse("login"), {"username": "sanne", "password": "wijklab-demo"})
    assert response.status_code == 302
    assert response.url == reverse("home")

    assert client.get(reverse("home")).status_code == 200  # the session read from the database

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302  # signed out for real: back to the log-in page
    assert reverse("login") in response.url


class RecordingCache:
    def __init__(self) -> None:
        self.timeouts: list[int | None] = []

    def set(self, key, value, timeout=None):
        self.timeouts.append(timeout)


def test_the_copy_in_redis_lives_at_most_a_quarter_of_an_hour():
    """A sign-out while Redis is unreachable cannot remove the copy; the copy does not outlive this."""
    recording = RecordingCache()
    cache = sessions._CopyCache(recording)
    cache.set("k", {}, 14 * 24 * 3600)
    cache.set("k", {}, 60)
    cache.set("k", {}, 0)
    assert recording.timeouts == [sessions.COPY_SECONDS, 60, 0]
    assert sessions.COPY_SECONDS == 15 * 60
