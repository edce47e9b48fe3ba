"""The Redis pub/sub channel layer, with publishes that do not wait in line.

channels_redis' ``RedisPubSubChannelLayer`` sends every publish of a process
through one ``asyncio.Lock`` (the lock that guards its subscription state).
A publish only needs a connection from the pool, but behind the lock each one
waits for the previous one's round trip: with hundreds of sockets on a busy
event loop that queue, not Redis, set the chat's latency (bench/chat.py and
docs/benchmarks.md). Here a publish takes the lock only to create the client
once; subscriptions keep the lock exactly as upstream does.

Select it with ``CHANNEL_LAYER_BACKEND=teams.chat.layers.RedisPubSubChannelLayer``.
"""

import asyncio

from channels_redis import pubsub
from channels_redis.utils import _wrap_close


class _Shard(pubsub.RedisSingleShardConnection):
    async def publish(self, channel: str, message: bytes) -> None:
        if self._redis is None:
            async with self._lock:
                self._ensure_redis()
        await self._redis.publish(channel, message)


class _LoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [_Shard(shard.host, self) for shard in self._shards]


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    def _get_layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
