"""Two ASGI server processes on PostgreSQL and the Redis channel layer: every message reaches every client,
with either Redis layer, and leaving the team on one process closes the socket on the other.

Runs in the PostgreSQL + Redis pass of .ci/run. The servers use the test
database (this test commits its data) and the same Redis as the test.
"""

import asyncio
import json
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import api_token
from tests.servers import server_env, start_uvicorn, stop, wait_until_healthy
from tests.teams.chat.support import _fresh_chat_cache, login_cookie  # noqa: F401

MESSAGES_EACH = 10


def _start_servers(
    redis_url: str, tmp_path: Path, layer: str, count: int = 2
) -> tuple[list[subprocess.Popen], list[int]]:
    env = server_env(tmp_path, redis_url=redis_url, prefix="chat2p", CHANNEL_LAYER_BACKEND=layer)
    servers = [start_uvicorn(env, tmp_path / f"server{i}.log") for i in range(count)]
    wait_until_healthy(servers, [tmp_path / f"server{i}.log" for i in range(count)])
    return [process for process, _ in servers], [port for _, port in servers]


async def _chat(
    clients: list[tuple[str, int, str]], team_id: int, leaver_token: str
) -> tuple[dict[str, list[dict]], list[dict], int | None]:
    from websockets.asyncio.client import connect

    async def open_one(name: str, port: int, cookie: str):
        return await connect(
            f"ws://127.0.0.1:{port}/ws/teams/{team_id}/chat/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
            open_timeout=10,
        )

    sockets = {name: await open_one(name, port, cookie) for name, port, cookie in clients}
    received: dict[str, list[dict]] = {name: [] for name in sockets}
    expected = MESSAGES_EACH * len(sockets)

    async def listen(name: str) -> None:
        async for frame in sockets[name]:
            event = json.loads(frame)
            if event["type"] == "message":
                received[name].append(event)
                if len(received[name]) >= expected:
                    return
            elif event["type"] == "error":
                raise AssertionError(f"{name} got an error: {event}")

    listeners = [asyncio.create_task(listen(name)) for name in sockets]
    await asyncio.sleep(0.5)  # everyone has joined the group on both servers

    async def talk(name: str) -> None:
        for i in range(MESSAGES_EACH):
            body = f"{name} {i}"
            await sockets[name].send(json.dumps({"type": "message", "body": body, "client_id": str(uuid.uuid4())}))
            await asyncio.sleep(0.05)

    await asyncio.gather(*(talk(name) for name in sockets))
    await asyncio.wait_for(asyncio.gather(*listeners), timeout=20)

    # A latecomer on the other server catches up from the database, in order.
    late_name, late_port, late_cookie = clients[1]
    late = await open_one(late_name, late_port, late_cookie)
    await late.send(json.dumps({"type": "sync", "after": 0}))
    synced = []
    async for frame in late:
        event = json.loads(frame)
        if event["type"] == "message":
            synced.append(event)
        elif event["type"] == "synced":
            break
    # Youssef (on the second process) leaves the team through the API of the first one: the
    # teams service signals it, and his socket over there is closed within 5 seconds.
    leaver_name, _leaver_port, _cookie = clients[1]
    other_port = clients[0][1]

    def leave() -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{other_port}/api/teams/{team_id}/leave/",
            method="POST",
            headers={"Authorization": f"Bearer {leaver_token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status

    assert await asyncio.to_thread(leave) == 200
    leaver = sockets[leaver_name]
    await asyncio.wait_for(leaver.wait_closed(), timeout=5)
    close_code = leaver.close_code
    for ws in [*sockets.values(), late]:
        await ws.close()
    return received, synced, close_code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "layer",
    [
        "channels_redis.core.RedisChannelLayer",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
    ],
)
def test_every_message_reaches_every_client_on_two_server_processes(
    require_postgres, redis_url, tmp_path, layer, team, student4, student5, student6, mbo_docent
):
    processes, ports = _start_servers(redis_url, tmp_path, layer)
    try:
        people = {"sanne": student4, "youssef": student5, "lotte": student6, "docent": mbo_docent}
        cookies = {name: login_cookie(user) for name, user in people.items()}
        # Alternate the servers, so every team conversation crosses processes.
        clients = [(name, ports[i % 2], cookies[name]) for i, name in enumerate(people)]
        token = api_token(student5)
        received, synced, close_code = asyncio.run(_chat(clients, team.pk, token))
    finally:
        stop(processes)

    bodies = sorted(f"{name} {i}" for name in people for i in range(MESSAGES_EACH))
    for name, events in received.items():
        assert sorted(e["body"] for e in events) == bodies, name
        assert len({e["id"] for e in events}) == len(events), f"{name} got a duplicate"
    # Each person's own messages arrive in the order they were sent and stored.
    for name in people:
        own = [e for e in received[name] if e["body"].startswith(f"{name} ")]
        assert [e["body"] for e in own] == [f"{name} {i}" for i in range(MESSAGES_EACH)]
    assert [e["id"] for e in synced] == sorted(e["id"] for e in received["sanne"])
    from teams.models import Message

    assert Message.objects.filter(team=team).count() == len(bodies)
    assert close_code == 4403
