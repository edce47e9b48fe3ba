"""Redis restarts in the middle of a team chat on two ASGI processes: nothing is lost, nothing doubles.

Two uvicorn servers share a Redis of this test's own (tests/faults/own_redis.py) and the test
database. Four members of a team chat over websockets, two on each server, with a client that
does what the page does (frontend/static/chat/chat.js, docs/chat-protocol.md):

- every message waits in an outbox under its ``client_id`` until the server echoes it back;
- a dropped socket reconnects with a growing, jittered delay, then asks ``sync`` from the last
  id it is sure of and resends its outbox. Sure means read from the database, never brought by a
  live frame (those are lost while Redis is down): the last id of a ``sync`` or REST read counts
  once a later read, begun a while after it, has ended;
- from the second failed attempt it reads what was sent meanwhile and posts its outbox through
  the REST API (session cookie and CSRF token, as the page does);
- a ``ping`` every so often, a ``sync`` every second ping, and a socket without a ``pong`` is dropped.

The page's timings (0.5 s doubling to 15 s, a ping every 25 s, ids settled after 5 s) are scaled
down here so the whole run takes seconds; the protocol is the same. While they talk, Redis is
stopped, stays down for a few seconds (every live event is lost, sockets close with 1013 and new
ones are refused) and comes back empty. Afterwards every client must hold every message exactly
once, the database must hold each message once, and the sockets must be open again.
"""

import asyncio
import collections
import contextlib
import json
import random
import secrets
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from teams.models import Message
from tests.faults.own_redis import OwnRedis
from tests.servers import server_env, start_uvicorn, stop, wait_until_healthy
from tests.teams.chat.support import login_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MESSAGES_EACH = 12
# Under the chat's rate limit (20 in 10 seconds per person), with room for resends.
SEND_EVERY = 0.5
REDIS_DOWN_AFTER = 2.0
REDIS_DOWN_FOR = 3.0
# The page's timings, scaled down (chat.js: 500 ms doubling to 15 s, ping 25 s, pong 10 s, settle 5 s).
BACKOFF_FIRST = 0.25
BACKOFF_MAX = 2.0
PING_EVERY = 1.0
PONG_WITHIN = 5.0
SETTLE_SECONDS = 2.0
# Everyone holds everything within this long after the last message was written.
CATCH_UP_WITHIN = 45.0
# Afterwards one more message each reaches everyone live within this long.
LIVE_WITHIN = 10.0


class ChatClient:
    """One browser tab of the team chat, reduced to the protocol."""

    def __init__(self, name: str, user_id: int, port: int, session: str, team_id: int) -> None:
        self.name = name
        self.user_id = user_id
        self.port = port
        self.team_id = team_id
        self.csrf = secrets.token_hex(16)  # 32 characters: a token Django accepts as the cookie's value
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={self.csrf}"
        self.messages: dict[int, dict] = {}
        self.settled = 0
        self.reads: collections.deque[tuple[int, float]] = collections.deque()  # (last id read, when)
        self.syncs_settling: collections.deque[int] = collections.deque()
        self.outbox: dict[str, str] = {}  # client_id -> body, until the server has it
        self.sent: dict[str, str] = {}
        self.ws = None
        self.stopped = False
        self.attempt = 0
        self.opens = 0
        self.closes: list[int | None] = []
        self.refusals: list[str] = []
        self.rest_posts = 0
        self.errors: list[dict] = []
        self.last_pong = 0.0
        self.syncing = True  # the periodic sync; off to see that live frames flow again

    # --- what arrives ------------------------------------------------------

    def received(self, message: dict) -> None:
        if message["author"]["id"] == self.user_id:
            self.outbox.pop(message["client_id"], None)
        known = self.messages.setdefault(message["id"], message)
        assert known["body"] == message["body"], (self.name, known, message)

    def settling(self) -> int:
        """A read from ``self.settled`` begins now: what it settles once it has ended."""
        settles = self.settled
        now = time.monotonic()
        while self.reads and self.reads[0][1] <= now - SETTLE_SECONDS:
            settles = max(settles, self.reads.popleft()[0])
        return settles

    def read_ended(self, last_id: int, settles: int) -> None:
        self.settled = max(self.settled, settles)
        self.reads.append((last_id, time.monotonic()))

    async def sync(self, ws) -> None:
        self.syncs_settling.append(self.settling())
        await ws.send(json.dumps({"type": "sync", "after": self.settled}))

    def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "message":
            self.received(frame)
        elif kind == "synced":
            self.read_ended(frame["last_id"], self.syncs_settling.popleft())
        elif kind == "pong":
            self.last_pong = time.monotonic()
        elif kind == "error":
            if frame.get("code") == "rate_limited":
                return  # stays in the outbox; the next reconnect or sync round sends it again
            self.errors.append(frame)

    # --- the socket ----------------------------------------------------------

    async def run(self) -> None:
        from websockets.asyncio.client import connect

        while not self.stopped:
            code = None
            try:
                ws = await connect(
                    f"ws://127.0.0.1:{self.port}/ws/teams/{self.team_id}/chat/",
                    origin=f"http://127.0.0.1:{self.port}",
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=5,
                    ping_interval=None,  # the protocol's own ping, as in the browser
                )
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                self.refusals.append(type(exc).__name__)
            else:
                self.ws = ws
                self.opens += 1
                self.attempt = 0
                self.last_pong = time.monotonic()
                pinger = asyncio.create_task(self._ping(ws))
                try:
                    # First catch up, then resend what is still waiting: the server answers in this order.
                    self.syncs_settling.clear()
                    await self.sync(ws)
                    for client_id, body in list(self.outbox.items()):
                        await ws.send(json.dumps({"type": "message", "body": body, "client_id": client_id}))
                    async for text in ws:
                        self.handle(json.loads(text))
                except ConnectionClosed:
                    pass
                finally:
                    self.ws = None
                    pinger.cancel()
                    await ws.close()
                code = ws.close_code
                self.closes.append(code)
            if self.stopped:
                break
            assert code != 4403, f"{self.name}: refused access"
            self.attempt += 1
            delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.attempt - 1)) * random.uniform(0.75, 1.25)
            await asyncio.sleep(delay)
            if self.attempt >= 2:
                # The socket keeps failing: read and send over HTTP meanwhile, as the page does.
                await asyncio.to_thread(self.probe)
                await asyncio.to_thread(self.post_outbox)

    async def _ping(self, ws) -> None:
        pings = 0
        while True:
            await asyncio.sleep(PING_EVERY)
            if time.monotonic() - self.last_pong > PONG_WITHIN + PING_EVERY:
                await ws.close()  # silent for too long: drop it and reconnect
                return
            await ws.send(json.dumps({"type": "ping"}))
            pings += 1
            if pings % 2 == 0 and self.syncing:
                await self.sync(ws)

    async def send(self, body: str) -> None:
        client_id = str(uuid.uuid4())
        self.outbox[client_id] = body
        self.sent[client_id] = body
        ws = self.ws
        if ws is not None:
            # Closed under us: the message stays in the outbox, sent again after the reconnect.
            with contextlib.suppress(ConnectionClosed):
                await ws.send(json.dumps({"type": "message", "body": body, "client_id": client_id}))

    # --- the REST API ------------------------------------------------------------

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        headers = {"Cookie": self.cookie, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers.update(
                {
                    "Content-Type": "application/json",
                    "X-CSRFToken": self.csrf,
                    "Origin": f"http://127.0.0.1:{self.port}",
                }
            )
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except OSError:
            return 0, None

    def probe(self) -> None:
        """One page of the REST catch-up from the settled id; a read of the database like ``sync``."""
        after = self.settled
        settles = self.settling()
        status, page = self._request("GET", f"/api/teams/{self.team_id}/messages/?after={after}&limit=100")
        assert status not in (401, 403, 404), f"{self.name}: the API refused access ({status})"
        if status != 200 or page is None:
            return
        for message in page["results"]:
            self.received(message)
        self.read_ended(page["results"][-1]["id"] if page["results"] else after, settles)

    def post_outbox(self) -> None:
        for client_id, body in list(self.outbox.items()):
            status, message = self._request(
                "POST", f"/api/teams/{self.team_id}/messages/", {"body": body, "client_id": client_id}
            )
            if status in (200, 201) and message is not None:
                self.rest_posts += 1
                self.received(message)
            else:
                # 429 or the server unreachable: stays in the outbox; anything else is a failure.
                assert status in (0, 429) or status >= 500, f"{self.name}: POST answered {status}"
                self.errors.extend([{"code": f"http {status}"}] if status >= 500 else [])


def _start_servers(redis: OwnRedis, tmp_path: Path, layer: str, count: int = 2) -> tuple[list, list[int], list[Path]]:
    env = server_env(tmp_path, redis_url=redis.url(0), prefix="hbfault", CHANNEL_LAYER_BACKEND=layer)
    logs = [tmp_path / f"server{i}.log" for i in range(count)]
    servers = [start_uvicorn(env, log) for log in logs]
    wait_until_healthy(servers, logs)
    return [process for process, _ in servers], [port for _, port in servers], logs


async def _chat_through_a_restart(clients: list[ChatClient], redis: OwnRedis) -> dict:
    runners = [asyncio.create_task(client.run()) for client in clients]
    deadline = time.monotonic() + 15
    while not all(client.ws is not None for client in clients):
        assert time.monotonic() < deadline, "the sockets did not open"
        await asyncio.sleep(0.05)

    async def talk(client: ChatClient) -> None:
        await asyncio.sleep(random.uniform(0, SEND_EVERY))
        for i in range(MESSAGES_EACH):
            await client.send(f"{client.name} {i}")
            await asyncio.sleep(SEND_EVERY)

    async def restart() -> dict:
        await asyncio.sleep(REDIS_DOWN_AFTER)
        await asyncio.to_thread(redis.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(REDIS_DOWN_FOR)
        await asyncio.to_thread(redis.start)
        return {"down_for": time.monotonic() - stopped_at}

    _talks, outage = await asyncio.gather(asyncio.gather(*(talk(c) for c in clients)), restart())
    expected = len(clients) * MESSAGES_EACH
    started = time.monotonic()
    while not all(len(c.messages) >= expected and not c.outbox and c.ws is not None for c in clients):
        if time.monotonic() - started > CATCH_UP_WITHIN:
            break
        await asyncio.sleep(0.1)
    outage["caught_up_after"] = time.monotonic() - started

    # Live frames flow again, also to a socket that stayed open through the restart: with the
    # periodic sync off and no reconnect, a message can only arrive live.
    opens = [c.opens for c in clients]
    for client in clients:
        client.syncing = False
    for client in clients:
        await client.send(f"{client.name} live")
    started = time.monotonic()
    while not all(len(c.messages) >= expected + len(clients) for c in clients):
        if time.monotonic() - started > LIVE_WITHIN:
            break
        await asyncio.sleep(0.05)
    outage["live_to"] = [c.name for c in clients if len(c.messages) >= expected + len(clients)]
    outage["reconnected_meanwhile"] = [c.name for c, n in zip(clients, opens, strict=True) if c.opens != n]
    # Whatever a live frame did not bring, the catch-up does (the layer delivers at most once).
    for client in clients:
        client.syncing = True
    started = time.monotonic()
    while not all(len(c.messages) >= expected + len(clients) and not c.outbox for c in clients):
        if time.monotonic() - started > CATCH_UP_WITHIN:
            break
        await asyncio.sleep(0.1)
    outage["open_at_end"] = [c.name for c in clients if c.ws is not None]
    for client in clients:
        client.stopped = True
        if client.ws is not None:
            await client.ws.close()
    await asyncio.wait_for(asyncio.gather(*runners, return_exceptions=False), timeout=15)
    return outage


@pytest.mark.parametrize(
    "layer", ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"]
)
def test_a_redis_restart_mid_chat_loses_nothing_and_doubles_nothing(
    require_postgres, redis_url, own_redis, tmp_path, layer, team, student4, student5, student6, mbo_docent
):
    processes, ports, logs = _start_servers(own_redis, tmp_path, layer)
    try:
        people = [("sanne", student4), ("youssef", student5), ("lotte", student6), ("docent", mbo_docent)]
        # Alternate the servers, so the conversation crosses processes.
        clients = [
            ChatClient(name, user.pk, ports[i % 2], login_cookie(user), team.pk)
            for i, (name, user) in enumerate(people)
        ]
        outage = asyncio.run(_chat_through_a_restart(clients, own_redis))
    finally:
        stop(processes)
    server_logs = "\n".join(log.read_text() for log in logs)
    report = {
        c.name: {
            "held": len(c.messages),
            "outbox": len(c.outbox),
            "opens": c.opens,
            "closes": c.closes,
            "refusals": len(c.refusals),
            "rest_posts": c.rest_posts,
        }
        for c in clients
    }
    print(outage, report)
    report["outage"] = outage

    assert own_redis.starts == 2  # it really went away and came back
    for client in clients:
        assert not client.errors, (client.name, client.errors)
        assert not client.outbox, (client.name, "never stored", client.outbox, report)

    stored = list(Message.objects.filter(team=team).values_list("id", "client_id", "body"))
    sent = {client_id: body for client in clients for client_id, body in client.sent.items()}
    # Stored once each: as many rows as messages sent, one per client_id, with the body it was sent with.
    assert len(stored) == len(sent) == len(clients) * (MESSAGES_EACH + 1)
    assert {client_id: body for _id, client_id, body in stored} == sent
    stored_ids = sorted(message_id for message_id, _cid, _body in stored)
    for client in clients:
        # Every message exactly once: the ids held are the ids stored, and no body came twice under another id.
        assert sorted(client.messages) == stored_ids, (client.name, report)
        bodies = [m["body"] for m in client.messages.values()]
        assert sorted(bodies) == sorted(sent.values()), client.name
    # The sockets are open again. The students' went down with Redis (their pings count them as
    # online, in Redis: the server closes with 1013, "try again later") and reconnected; the
    # supervisor's (silent, no presence) could stay open, its subscription restored by the layer.
    assert outage["open_at_end"] == [c.name for c in clients], report
    for client in clients[:3]:
        assert 1013 in client.closes, (client.name, report)
        assert client.opens >= 2, (client.name, report)
    if layer == "channels_redis.pubsub.RedisPubSubChannelLayer":
        # The default layer: its subscriptions are back, live frames reach every socket again.
        # (The core layer loses one now and then here; the catch-up above brought it.)
        assert outage["live_to"] == [c.name for c in clients], report
        assert outage["reconnected_meanwhile"] == [], report
    # Nothing answered 500 meanwhile (uvicorn's access log).
    assert '" 500' not in server_logs, server_logs[-5000:]
