"""The baselines for bench/chat.py: a bare websocket relay through Redis pub/sub, no Django.

Each process keeps the sockets of its clients per team and one Redis pub/sub
connection; a frame from a client is published to the team's channel and
every process forwards what it hears to its local sockets of that team. The
event carries the same fields the benchmark client looks at.

Without ``--database`` (scenario ``relay``) nothing is stored: the ceiling.
With it (scenario ``relay_pg``) every message is first committed to PostgreSQL,
one ``INSERT … RETURNING id`` in autocommit (its own transaction, on disk with
``synchronous_commit = on``), and published with that id only after the commit:
the floor for any chat that stores before it sends. The connections come from a
pool of ``--db-connections`` per process, as the chat's database threads
(``CHAT_DB_THREADS``) are; each socket's frames are handled one after the other,
as a consumer's are. The table (``TABLE``) is bench/chat.py's to create and empty.

    python bench/chat_relay.py --port 9101 --redis redis://127.0.0.1:6379/11
    python bench/chat_relay.py --port 9101 --redis redis://127.0.0.1:6379/11 \
        --database postgres://postgres@127.0.0.1:5432/wijklab_chat_bench --db-connections 2
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
TABLE = "bench_relay_message"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id bigserial PRIMARY KEY, team integer NOT NULL, client_id text NOT NULL, body text NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())"
)
INSERT = f"INSERT INTO {TABLE} (team, client_id, body) VALUES (%s, %s, %s) RETURNING id"  # noqa: S608 - a constant


async def main(port: int, redis_url: str, prefix: str, database: str | None, db_connections: int) -> None:
    client = redis.Redis.from_url(redis_url)
    pool = None
    if database:
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            database, min_size=db_connections, max_size=db_connections, kwargs={"autocommit": True}, open=False
        )
        await pool.open(wait=True, timeout=30)
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
                if pool is not None:
                    # Stored and committed before anyone hears of it.
                    async with pool.connection() as conn:
                        cursor = await conn.execute(INSERT, (team_id, event["client_id"] or "", event["body"]))
                        row = await cursor.fetchone()
                    event = {"type": "message", "id": row[0], **{k: v for k, v in event.items() if k != "type"}}
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
    parser.add_argument("--database", help="commit every message to this PostgreSQL database before publishing it")
    parser.add_argument("--db-connections", type=int, default=2, help="the pool's size per process (with --database)")
    args = parser.parse_args()
    if args.db_connections < 1:
        raise SystemExit("--db-connections must be at least 1")
    run = main(args.port, args.redis, args.prefix, args.database, args.db_connections)
    try:
        import uvloop
    except ImportError:
        asyncio.run(run)
    else:
        uvloop.run(run)
