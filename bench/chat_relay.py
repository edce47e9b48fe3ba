"""The ceiling for bench/chat.py: a bare websocket relay through Redis pub/sub, no Django, no database.

Each process keeps the sockets of its clients per team and one Redis pub/sub
connection; a frame from a client is published to the team's channel and
every process forwards what it hears to its local sockets of that team. The
event carries the same fields the benchmark client looks at.

    python bench/chat_relay.py --port 9101 --redis redis://127.0.0.1:6379/11
"""

import argparse
import asyncio
import contextlib
import json
import re
from collections import defaultdict

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, serve

PATH = re.compile(r"^/ws/teams/(\d+)/chat/$")


async def main(port: int, redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    local: dict[int, set[ServerConnection]] = defaultdict(set)
    subscribed: set[int] = set()
    lock = asyncio.Lock()

    async def forward() -> None:
        while True:
            if not subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            team_id = int(message["channel"].decode().rsplit(":", 1)[1])
            for ws in list(local.get(team_id, ())):
                # A closing socket must not stop the relay.
                with contextlib.suppress(Exception):
                    await ws.send(message["data"].decode())

    async def handler(ws: ServerConnection) -> None:
        match = PATH.match(ws.request.path)
        if match is None:
            await ws.close(4404)
            return
        team_id = int(match.group(1))
        channel = f"{prefix}:{team_id}"
        async with lock:
            local[team_id].add(ws)
            if team_id not in subscribed:
                await pubsub.subscribe(channel)
                subscribed.add(team_id)
        try:
            async for frame in ws:
                data = json.loads(frame)
                if data.get("type") != "message":
                    continue
                event = {
                    "type": "message",
                    "team": team_id,
                    "body": data.get("body", ""),
                    "client_id": data.get("client_id"),
                }
                await client.publish(channel, json.dumps(event, separators=(",", ":")))
        finally:
            local[team_id].discard(ws)

    forwarder = asyncio.create_task(forward())
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, max_queue=None):
        print(f"relay listening on {port}", flush=True)
        await asyncio.Future()
    forwarder.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--prefix", default="relay")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(args.port, args.redis, args.prefix))
    else:
        uvloop.run(main(args.port, args.redis, args.prefix))
