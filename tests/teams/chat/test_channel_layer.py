"""The Redis channel layers as the settings configure them, against a real Redis (the Redis pass)."""

import asyncio
import uuid

from channels_redis.core import RedisChannelLayer
from django.conf import settings


def test_an_idle_socket_on_the_core_layer_keeps_waiting_past_its_blocking_pop(redis_url):
    """The core layer receives with BZPOPMIN, which answers "nothing" after ``brpop_timeout`` (5 s).

    redis-py 8 gives up on any reply after 5 s unless told otherwise, so on an idle socket that
    empty answer raced the read timeout and lost about half the time: a TimeoutError out of
    receive(), and the chat closed the socket with 1013. Here the pop waits half a second longer
    than the library's own, so without a longer read timeout it loses every time.
    """
    config = {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "prefix": f"hb-idle-{uuid.uuid4().hex[:6]}"}

    async def idle() -> dict:
        layer = RedisChannelLayer(**config)
        layer.brpop_timeout = RedisChannelLayer.brpop_timeout + 0.5
        channel = await layer.new_channel()
        try:
            receiving = asyncio.create_task(layer.receive(channel))
            await asyncio.wait({receiving}, timeout=layer.brpop_timeout + 1)
            if receiving.done():
                receiving.result()  # raises what ended it
                raise AssertionError("received something on a channel nobody sent to")
            await layer.send(channel, {"type": "chat.event", "text": "er is iets"})
            return await asyncio.wait_for(receiving, timeout=5)
        finally:
            await layer.flush()

    assert asyncio.run(idle()) == {"type": "chat.event", "text": "er is iets"}
