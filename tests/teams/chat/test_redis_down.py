"""With Redis unreachable the chat still works: the page opens, the socket is refused with
"try again later" (1013) instead of an error, and messages go over the REST API."""

import pytest
from django.urls import reverse

from teams.chat.consumers import CLOSE_UNAVAILABLE
from teams.models import Message
from tests.teams.chat.support import _fresh_chat_cache, new_client_id, open_socket  # noqa: F401

# Port 1: nothing listens there, every call is refused, as when Redis is down.
DEAD = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, _fresh_chat_cache):  # noqa: F811
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD}}
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [DEAD]}}
    }


def test_the_chat_page_opens(client, team, student4, redis_down):
    client.force_login(student4)
    response = client.get(reverse("chat-page", kwargs={"team_id": team.pk}))
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_the_socket_is_refused_with_try_again_later(team, student4, redis_down):
    _socket, connected, code = await open_socket(student4, team.pk)
    assert (connected, code) == (False, CLOSE_UNAVAILABLE)


def test_a_message_sent_over_the_api_is_stored_once(team, student4, client_for, redis_down):
    url = reverse("api-chat-messages", kwargs={"team_id": team.pk})
    client_id = new_client_id()
    for _ in range(2):  # the browser's outbox sends again until it hears back
        response = client_for(student4).post(url, {"body": "Lukt het zo?", "client_id": client_id}, format="json")
        assert response.status_code in (200, 201), response.content
    assert Message.objects.filter(team=team, body="Lukt het zo?").count() == 1


@pytest.mark.django_db(transaction=True)
async def test_the_socket_is_refused_the_same_when_only_the_presence_cache_is_down(team, student4, settings):
    """The layer subscribes; the handshake's presence count then fails inside connect()."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    _socket, connected, code = await open_socket(student4, team.pk)
    assert (connected, code) == (False, CLOSE_UNAVAILABLE)
