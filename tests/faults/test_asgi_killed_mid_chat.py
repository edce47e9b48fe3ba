"""One of two ASGI processes is killed (``kill -9``) in the middle of a chat load with clients on both.

Issue 18: the browser client's reconnect and sync bring every client back; every
message sent is stored exactly once and reaches every member of its team.

The clients here do what the page's client does (frontend/static/chat/chat.js,
docs/chat-protocol.md): a message waits in an outbox until the server echoes it
back with its ``client_id``; a lost socket is reopened with a growing, jittered
delay, then the client asks for everything after the last id it is sure of
(``sync``, the "settled" id: events from two processes may arrive out of order)
and sends its outbox again with the same client ids. The proxy in front of the
two processes is modelled by trying the other process when one refuses. The
page's periodic ``sync`` is one final sync per client at the end. Its pings are
left out: the kill closes the sockets at once (the kernel resets them), so its
pong timeout plays no part.

Runs in the PostgreSQL + Redis pass of .ci/run: the servers use the test database
(this test commits its data) and the test's Redis with key prefixes of their own.
"""

import asyncio
import json
import os
import random
import signal
import subprocess
import time
import uuid
from collections import Counter, deque
from pathlib import Path

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus

from teams.models import Message
from tests.factories import StudentFactory, TeamFactory, add_member
from tests.servers import server_env, start_uvicorn, stop, wait_until_healthy
from tests.teams.chat.support import login_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TEAMS = 3
MEMBERS = 4
# Each member writes about once a second: well below the rate limit (20 messages in 10 s).
SEND_EVERY = 1.0
SENDING_BEFORE_KILL = 5.0
SENDING_AFTER_KILL = 6.0
# How long the victim takes in the last burst before it is killed.
KILL_AFTER_BURST = 0.05
# chat.js: an id counts as settled (nothing older can still be on its way) 5 s after it arrived.
SETTLE_SECONDS = 5.0
# chat.js: a refused "rate_limited" message is sent again after 5 s.
RATE_LIMITED_RETRY = 5.0
# After the writing stops, every outbox is empty within this.
DRAIN_SECONDS = 20.0
# Everything (connect, chat, kill, reconnect, drain, final sync) within this; well under 90 s with the servers' start.
SCENARIO_TIMEOUT = 60.0


class ChatClient:
    """One member's page: outbox, one message per id, reconnect with backoff, sync from the settled id."""

    def __init__(self, name: str, team_id: int, user_id: int, cookie: str, ports: list[int], home: int) -> None:
        self.name = name
        self.team_id = team_id
        self.user_id = user_id
        self.cookie = cookie
        self.ports = ports
        self.preferred = home
        self.rng = random.Random(name)
        self.messages: dict[int, dict] = {}  # id -> message: one per id, as the page keeps them
        self.arrivals: deque[tuple[int, float]] = deque()
        self.settled_id = 0
        self.outbox: dict[str, str] = {}  # client_id -> body, until the server echoes it back
        self.written: list[str] = []  # every client_id this member wrote
        self.connected_to: list[int] = []  # the port of every socket that opened
        self.errors: list[str] = []
        self.synced = 0
        self.synced_changed = asyncio.Event()
        self.ws = None
        self.closing = False

    # --- the socket --------------------------------------------------------

    async def _open(self):
        """The proxy: the preferred process, else the other one; None when neither answers."""
        from websockets.asyncio.client import connect

        order = [self.preferred] + [port for port in self.ports if port != self.preferred]
        for port in order:
            try:
                ws = await connect(
                    f"ws://127.0.0.1:{port}/ws/teams/{self.team_id}/chat/",
                    origin=f"http://127.0.0.1:{port}",
                    additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}"},
                    open_timeout=15,
                )
            except InvalidStatus as exc:
                self.errors.append(f"handshake on {port}: {exc}")
            except (OSError, TimeoutError):
                continue  # refused (the killed process) or no answer: the next one
            else:
                self.preferred = port
                return ws
        return None

    async def run(self) -> None:
        attempt = 0
        while not self.closing:
            ws = await self._open()
            if ws is not None:
                attempt = 0
                self.ws = ws
                self.connected_to.append(self.preferred)
                # As on the page's onopen: first catch up, then resend what still waits (same client ids).
                self._settle()
                await self._send({"type": "sync", "after": self.settled_id})
                for client_id, body in list(self.outbox.items()):
                    await self._send({"type": "message", "body": body, "client_id": client_id})
                try:
                    async for frame in ws:
                        self._handle(json.loads(frame))
                except ConnectionClosed:
                    pass  # the process died or closed the socket: reconnect
                self.ws = None
                if ws.close_code == 4403:
                    self.errors.append("closed with 4403")
                    return
            self._settle()
            if self.closing:
                return
            attempt += 1
            # chat.js: 0.5 s doubling up to 15 s, jittered ±25 %.
            await asyncio.sleep(min(15.0, 0.5 * 2 ** (attempt - 1)) * (0.75 + self.rng.random() * 0.5))

    async def _send(self, frame: dict) -> bool:
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(frame))
        except (ConnectionClosed, OSError):  # the socket is going: the outbox keeps the message
            return False
        return True

    def _settle(self) -> None:
        now = time.monotonic()
        while self.arrivals and self.arrivals[0][1] <= now - SETTLE_SECONDS:
            self.settled_id = max(self.settled_id, self.arrivals.popleft()[0])

    def _handle(self, event: dict) -> None:
        kind = event.get("type")
        if kind == "message":
            if event["id"] not in self.messages:
                self.arrivals.append((event["id"], time.monotonic()))
            self.messages[event["id"]] = event
            if event["author"]["id"] == self.user_id:
                self.outbox.pop(event["client_id"], None)
        elif kind == "synced":
            self.settled_id = max(self.settled_id, event["last_id"])
            self.synced += 1
            self.synced_changed.set()
        elif kind == "error":
            if event.get("code") == "rate_limited" and event.get("client_id") in self.outbox:
                asyncio.get_running_loop().call_later(
                    RATE_LIMITED_RETRY, lambda cid=event["client_id"]: asyncio.ensure_future(self._resend(cid))
                )
            else:
                self.errors.append(f"error frame: {event}")

    async def _resend(self, client_id: str) -> None:
        if client_id in self.outbox:
            await self._send({"type": "message", "body": self.outbox[client_id], "client_id": client_id})

    # --- what the member does ----------------------------------------------

    async def write(self) -> None:
        client_id = str(uuid.uuid4())
        body = f"{self.name} {len(self.written)}"
        self.outbox[client_id] = body
        self.written.append(client_id)
        await self._send({"type": "message", "body": body, "client_id": client_id})

    async def final_sync(self) -> None:
        """The page's periodic sync: everything after the settled id, and wait for its ``synced``."""
        while True:
            before = self.synced
            self.synced_changed.clear()
            self._settle()
            if await self._send({"type": "sync", "after": self.settled_id}):
                while self.synced == before:
                    await self.synced_changed.wait()
                return
            await asyncio.sleep(0.2)  # between sockets: the reconnect loop is at it


async def _chat_and_kill(clients: list[ChatClient], victim: subprocess.Popen, victim_port: int) -> dict:
    runners = [asyncio.create_task(client.run()) for client in clients]
    # Everyone is connected before the chatting starts.
    while not all(client.connected_to for client in clients):
        await asyncio.sleep(0.1)
    stop_writing = asyncio.Event()

    async def chatter(client: ChatClient) -> None:
        await asyncio.sleep(client.rng.random() * SEND_EVERY)
        while not stop_writing.is_set():
            await client.write()
            await asyncio.sleep(SEND_EVERY * (0.75 + client.rng.random() * 0.5))

    writers = [asyncio.create_task(chatter(client)) for client in clients]
    await asyncio.sleep(SENDING_BEFORE_KILL)
    # Echoed back means stored: what the clients know of is in the database already.
    stored_before_kill = len({message_id for client in clients for message_id in client.messages})
    # The kill hits messages on their way: everyone on the victim writes at once, and this event loop is
    # held (no echo can be read) while the victim takes them in; then it dies. Some may be stored without
    # their echo having gone out, some not stored at all: the resend must cover both.
    for client in clients:
        if client.connected_to[-1] == victim_port:
            await client.write()
    time.sleep(KILL_AFTER_BURST)
    in_flight = {client_id for client in clients for client_id in client.outbox}
    written_before_kill = sum(len(client.written) for client in clients)
    os.kill(victim.pid, signal.SIGKILL)
    await asyncio.to_thread(victim.wait)
    killed_at = time.monotonic()
    await asyncio.sleep(SENDING_AFTER_KILL)
    stop_writing.set()
    await asyncio.gather(*writers)
    # Every message is acknowledged (echoed back) once it is stored: wait until no outbox holds one.
    deadline = time.monotonic() + DRAIN_SECONDS
    while any(client.outbox for client in clients):
        if time.monotonic() > deadline:
            waiting = {client.name: len(client.outbox) for client in clients if client.outbox}
            raise AssertionError(f"never acknowledged after {DRAIN_SECONDS} s: {waiting}")
        await asyncio.sleep(0.2)
    for client in clients:
        await client.final_sync()
    for client in clients:
        client.closing = True
        if client.ws is not None:
            await client.ws.close()
    await asyncio.gather(*runners)
    return {
        "stored_before_kill": stored_before_kill,
        "written_before_kill": written_before_kill,
        "in_flight": in_flight,
        "seconds_after_kill": time.monotonic() - killed_at,
    }


def _servers(redis_url: str, tmp_path: Path) -> tuple[list[subprocess.Popen], list[int]]:
    env = server_env(tmp_path, redis_url=redis_url, prefix="faultasgi")
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    servers = [start_uvicorn(env, log, "--no-access-log") for log in logs]
    wait_until_healthy(servers, logs, seconds=60)
    return [process for process, _ in servers], [port for _, port in servers]


def test_killing_one_of_two_asgi_processes_loses_and_doubles_no_message(
    require_postgres, redis_url, tmp_path, assignment, cohort
):
    teams, clients = [], []
    for t in range(TEAMS):
        team = TeamFactory(assignment=assignment, name=f"Foutteam {t}")
        teams.append(team)
        for m in range(MEMBERS):
            student = StudentFactory(username=f"fault-{t}-{m}", profile__cohort=cohort)
            add_member(team, student)
            clients.append((f"fault-{t}-{m}", team.pk, student.pk, login_cookie(student)))

    processes, ports = _servers(redis_url, tmp_path)
    victim_port, survivor_port = ports
    try:
        # Every team is spread over both processes.
        chat = [
            ChatClient(name, team_id, user_id, cookie, ports, home=ports[i % 2])
            for i, (name, team_id, user_id, cookie) in enumerate(clients)
        ]
        outcome = asyncio.run(asyncio.wait_for(_chat_and_kill(chat, processes[0], victim_port), SCENARIO_TIMEOUT))
    finally:
        stop(processes)

    assert processes[0].returncode == -signal.SIGKILL
    for client in chat:
        assert client.errors == [], (client.name, client.errors)
    on_victim = [client for client in chat if client.connected_to[0] == victim_port]
    assert on_victim, "nobody was on the killed process"
    for client in on_victim:
        # Back, on the process that is left.
        assert len(client.connected_to) >= 2, (client.name, client.connected_to)
        assert client.connected_to[-1] == survivor_port, (client.name, client.connected_to)

    # The load was on when the process died: messages were stored before and after.
    written = {client_id: client for client in chat for client_id in client.written}
    assert outcome["stored_before_kill"] > 0
    assert outcome["written_before_kill"] < len(written)
    # Messages were on their way when it died (written, no echo yet): the clients had to send them again.
    assert outcome["in_flight"]

    # Every message written is stored exactly once, in its author's team.
    stored = list(Message.objects.filter(team__in=teams).values_list("id", "client_id", "team_id", "author_id"))
    times_stored = Counter(client_id for _id, client_id, _team, _author in stored)
    assert set(times_stored) == set(written), {
        "missing": len(set(written) - set(times_stored)),
        "unknown": len(set(times_stored) - set(written)),
    }
    assert [cid for cid, n in times_stored.items() if n != 1] == []
    for _id, client_id, team_id, author_id in stored:
        assert (team_id, author_id) == (written[client_id].team_id, written[client_id].user_id)

    # Every member holds every message of its team, once (one per id), none missing and none of another team.
    ids_of_team: dict[int, set[int]] = {}
    for message_id, _cid, team_id, _author in stored:
        ids_of_team.setdefault(team_id, set()).add(message_id)
    for client in chat:
        missing = ids_of_team[client.team_id] - set(client.messages)
        extra = set(client.messages) - ids_of_team[client.team_id]
        assert (missing, extra) == (set(), set()), client.name
        client_ids = [message["client_id"] for message in client.messages.values()]
        assert len(client_ids) == len(set(client_ids)), client.name
