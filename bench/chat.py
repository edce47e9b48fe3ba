"""Chat benchmark: many websocket clients against two ASGI processes (PostgreSQL + Redis channel layer).

Not a test: run it by hand (see docs/benchmarks.md). Everything stays on
127.0.0.1, with a bounded number of connections and a bounded duration.

For each scenario it starts two server processes, opens ``teams × members``
authenticated connections (every team spread over both processes), sends
messages at a steady total rate from random members, and measures on the
client side (one clock) the send-to-receive latency of every delivery to
every member, lost and duplicated deliveries, the time to connect
everyone, and the servers' memory per connection. Scenarios:

- ``redis``: Django + channels_redis ``RedisChannelLayer``
- ``pubsub``: Django + channels_redis ``RedisPubSubChannelLayer`` (the project's default)
- ``relay``: bench/chat_relay.py, a bare ``websockets`` relay over the same
  Redis pub/sub, no Django and no database: the ceiling.
- ``relay_pg``: the same relay, committing each message to PostgreSQL (one
  INSERT in its own transaction, into a table of its own in the benchmark's
  database, from a pool of ``--db-threads`` connections per process) before
  publishing it: the floor for any chat that stores before it sends.

    .venv/bin/python bench/chat.py --teams 400 --members 5 --rate 200 --duration 30

Every other scenario's latencies are reported as ratios to the baselines of the
same round (``vs_relay``, ``vs_relay_pg``). ``--rounds N`` runs the scenarios N
times, each round in another order (rotated by one per round, so with two
scenarios they alternate and with four each one is first once in four rounds),
and reports over the rounds the median and range and each round's ratios, with
their median: on a noisy machine one run says little, whichever runs first in a
round fares differently, and a ratio is only taken within a round.

Needs PostgreSQL and Redis on 127.0.0.1 (as in .ci/run). It uses its own
database (``wijklab_chat_bench``) and Redis db (11 by default) and flushes
only that Redis db.
"""

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from chat_relay import CREATE_TABLE as RELAY_PG_CREATE  # bench/ is the script's directory, first on sys.path
from chat_relay import TABLE as RELAY_PG_TABLE
from quantiles import nearest_rank

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
SECRET = "bench-only-secret"  # noqa: S105 - loopback benchmark database only
LAYERS = {
    "redis": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
# The baselines (bench/chat_relay.py): no Django, no sessions; relay_pg commits each message first.
RELAYS = ("relay", "relay_pg")


def warm(rows_file: Path, how: str) -> None:
    """What happened before the sockets connect, through the real code.

    ``pages``: as if every member had just opened the chat page, which reads the
    session and stores the team's presence list (in the browser the page opens the
    socket): one real page view per team, the other members' sessions read (a page
    view each would leave the cache exactly so, at 80 ms a page). ``sessions``: only
    the sessions were read. ``none``: a cold cache.
    """
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    rows = json.loads(rows_file.read_text())
    engine = import_module(settings.SESSION_ENGINE)
    opened: set[int] = set()
    for row in rows:
        if how != "pages" or row["team"] in opened:
            engine.SessionStore(row["session"]).load()
        else:
            opened.add(row["team"])
            client = Client(HTTP_HOST="127.0.0.1")
            client.cookies[settings.SESSION_COOKIE_NAME] = row["session"]
            response = client.get(reverse("chat-page", kwargs={"team_id": row["team"]}))
            if response.status_code != 200:
                where = response.get("Location", "")
                raise SystemExit(f"chat page for {row} answered {response.status_code} {where}".rstrip())


# --- seeding (runs in a subprocess with the benchmark's DATABASE_URL) ----------


def seed(teams: int, members: int, out: Path) -> None:
    """Create (once) ``teams`` teams of ``members`` students with a session each; write them to ``out``."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from assignments.models import Assignment
    from teams.models import Membership, Message, Team
    from wijklab.models import Cohort, Neighbourhood, Organisation, Role, School, StudentProfile, User

    with transaction.atomic():
        cohort, _ = Cohort.objects.get_or_create(
            name="Benchmark", defaults={"starts_on": dt.date(2026, 9, 1), "ends_on": dt.date(2027, 7, 1)}
        )
        org, _ = Organisation.objects.get_or_create(name="Benchmark-organisatie")
        school, _ = School.objects.get_or_create(name="Benchmark-school", defaults={"sector": "mbo"})
        hood, _ = Neighbourhood.objects.get_or_create(name="Benchmarkwijk", municipality="Rotterdam")
        owner, _ = User.objects.get_or_create(username="bench-coordinator", defaults={"role": Role.COORDINATOR})
        assignment, _ = Assignment.objects.get_or_create(
            title="Benchmark-opdracht",
            cohort=cohort,
            defaults={
                "organisation": org,
                "description": "Benchmark",
                "neighbourhood": hood,
                "phase": "verkenning",
                "team_size_min": 1,
                "team_size_max": members,
                "starts_on": dt.date(2026, 10, 1),
                "ends_on": dt.date(2027, 1, 31),
                "status": "in_progress",
                "created_by": owner,
            },
        )
        existing = Team.objects.filter(assignment=assignment).count()
        if existing < teams:
            password = make_password("bench")
            users = User.objects.bulk_create(
                [
                    User(username=f"bench-{t}-{m}", display_name=f"Bench {t}.{m}", role=Role.STUDENT, password=password)
                    for t in range(existing, teams)
                    for m in range(members)
                ]
            )
            StudentProfile.objects.bulk_create(
                [
                    StudentProfile(user=u, niveau=4, school=school, programme="Sociaal Werk", cohort=cohort)
                    for u in users
                ]
            )
            new_teams = Team.objects.bulk_create(
                [Team(assignment=assignment, name=f"Bench {t}", created_by=owner) for t in range(existing, teams)]
            )
            Membership.objects.bulk_create(
                [
                    Membership(team=team, student=users[i * members + m], cohort=cohort)
                    for i, team in enumerate(new_teams)
                    for m in range(members)
                ]
            )
        bench_teams = list(Team.objects.filter(assignment=assignment).order_by("pk")[:teams])
        Message.objects.filter(team__in=bench_teams).delete()
        Session.objects.filter(session_key__startswith="bench").delete()
        sessions, rows = [], []
        expire = timezone.now() + dt.timedelta(days=1)
        store = SessionStore()
        memberships = (
            Membership.objects.filter(team__in=bench_teams, left_at__isnull=True)
            .select_related("student")
            .order_by("team_id", "pk")
        )
        for membership in memberships:
            user = membership.student
            key = "bench" + get_random_string(27).lower()
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            rows.append({"team": membership.team_id, "user": user.pk, "session": key})
        Session.objects.bulk_create(sessions)
    out.write_text(json.dumps(rows))


# --- processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_listening(port: int, process: subprocess.Popen, log: Path, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on {port} stopped:\n{log.read_text()[-3000:]}")
        try:
            if path:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                    if response.status == 200:
                        return
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not start:\n{log.read_text()[-3000:]}")


def start_servers(scenario: str, env: dict[str, str], db_connections: int) -> list[tuple[subprocess.Popen, int]]:
    servers = []
    for i in range(2):
        port = free_port()
        log = OUT / f"{scenario}-server{i}.log"
        if scenario in RELAYS:
            cmd = [
                sys.executable,
                str(ROOT / "bench" / "chat_relay.py"),
                "--port",
                str(port),
                "--redis",
                env["REDIS_URL"],
            ]
            if scenario == "relay_pg":
                cmd += ["--database", env["DATABASE_URL"], "--db-connections", str(db_connections)]
        else:
            cmd = [
                sys.executable,
                "-m",
                "uvicorn",
                "wijklab.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--ws-ping-interval",
                "60",
            ]
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        servers.append((process, port))
    for process, port in servers:
        wait_until_listening(
            port,
            process,
            OUT / f"{scenario}-server{servers.index((process, port))}.log",
            path="" if scenario in RELAYS else "/healthz",
        )
    return servers


def stop_servers(servers: list[tuple[subprocess.Popen, int]]) -> None:
    for process, _port in servers:
        process.terminate()
    for process, _port in servers:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the client --------------------------------------------------------------------


@dataclass
class Run:
    expected: dict[str, int] = field(default_factory=dict)  # client_id -> team
    sent_at: dict[str, float] = field(default_factory=dict)
    seen: dict[str, set[int]] = field(default_factory=dict)  # client_id -> receivers
    latencies: list[float] = field(default_factory=list)
    sends: list[float] = field(default_factory=list)  # when each delivered message was sent (same order)
    duplicates: int = 0
    send_failures: int = 0
    errors: list[str] = field(default_factory=list)
    first_delivery: float | None = None
    last_delivery: float | None = None


async def client_run(
    rows: list[dict],
    ports: list[int],
    *,
    rate: float,
    duration: float,
    drain: float,
    with_auth: bool,
    pids: list[int],
    connect_concurrency: int,
    client_gc_threshold: int,
) -> dict:
    from websockets.asyncio.client import connect

    run = Run()
    members: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        members.setdefault(row["team"], []).append(index)
    sockets: dict[int, object] = {}
    refused: list[str] = []
    gate = asyncio.Semaphore(connect_concurrency)

    async def open_one(index: int, row: dict) -> None:
        # Every team is spread over both processes.
        port = ports[members[row["team"]].index(index) % len(ports)]
        headers = {"Cookie": f"sessionid={row['session']}"} if with_auth else {}
        async with gate:
            try:
                sockets[index] = await connect(
                    f"ws://127.0.0.1:{port}/ws/teams/{row['team']}/chat/",
                    origin=f"http://127.0.0.1:{port}",
                    additional_headers=headers,
                    compression=None,
                    ping_interval=None,
                    open_timeout=60,
                    max_queue=None,
                )
            except Exception as exc:
                refused.append(f"{type(exc).__name__}: {exc}")

    # The client's own garbage-collector pauses: a pause delays every delivery it
    # would have timed, and then sends the messages that fell due in it at once.
    pauses: dict[str, list[float]] = {"connect": [], "between": [], "send": []}
    phase = ["connect"]
    paused_at = [0.0]

    def on_gc(stage: str, _info: dict) -> None:
        if stage == "start":
            paused_at[0] = time.perf_counter()
        else:
            pauses[phase[0]].append(time.perf_counter() - paused_at[0])

    if client_gc_threshold:
        # The load generator must not add pauses of its own. While it connects it only
        # builds what lives for the whole run (the sockets): no collection then. After,
        # it freezes all that and collects rarely, as the servers do (wijklab/gc_tuning.py).
        gc.disable()
    gc.callbacks.append(on_gc)

    rss_before = sum(rss_kib(pid) for pid in pids)
    started = time.perf_counter()
    await asyncio.gather(*(open_one(i, row) for i, row in enumerate(rows)))
    connect_seconds = time.perf_counter() - started
    print(f"connected in {connect_seconds:.1f}s", flush=True)
    if client_gc_threshold:
        sys.path.insert(0, str(ROOT))
        from wijklab.gc_tuning import tune_for_server

        phase[0] = "between"
        tune_for_server(client_gc_threshold)
        gc.enable()

    async def listen(index: int, ws) -> None:
        try:
            async for frame in ws:
                now = time.perf_counter()
                if '"type":"message"' not in frame:
                    continue  # presence and the like
                event = json.loads(frame)
                client_id = event.get("client_id")
                sent = run.sent_at.get(client_id)
                if sent is None:
                    continue
                receivers = run.seen.setdefault(client_id, set())
                if index in receivers:
                    run.duplicates += 1
                    continue
                receivers.add(index)
                run.latencies.append(now - sent)
                run.sends.append(sent)
                run.first_delivery = run.first_delivery or now
                run.last_delivery = now
        except Exception as exc:
            run.errors.append(f"{type(exc).__name__}: {exc}")

    listeners = [asyncio.create_task(listen(i, ws)) for i, ws in sockets.items()]
    await asyncio.sleep(3)  # presence events of the connection storm settle
    phase[0] = "send"
    rss_connected = sum(rss_kib(pid) for pid in pids)
    cpu_before = sum(cpu_seconds(pid) for pid in pids)

    senders = list(sockets)
    rng = random.Random(42)
    interval = 1.0 / rate
    total = int(rate * duration)
    send_started = time.perf_counter()
    for seq in range(total):
        target = send_started + seq * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        index = rng.choice(senders)
        client_id = f"bench-{seq}-{rng.getrandbits(32):08x}"
        team = rows[index]["team"]
        frame = json.dumps({"type": "message", "body": f"bench {seq}", "client_id": client_id})
        try:
            run.sent_at[client_id] = time.perf_counter()
            await sockets[index].send(frame)
        except Exception as exc:
            # A socket the server closed: counted, and the run goes on.
            run.sent_at.pop(client_id, None)
            run.send_failures += 1
            run.errors.append(f"send: {type(exc).__name__}: {exc}")
            continue
        run.expected[client_id] = team
    send_seconds = time.perf_counter() - send_started
    await asyncio.sleep(drain)
    gc.callbacks.remove(on_gc)
    gc.enable()
    cpu_after = sum(cpu_seconds(pid) for pid in pids)
    rss_after = sum(rss_kib(pid) for pid in pids)

    for ws in sockets.values():
        await ws.close()
    for task in listeners:
        task.cancel()

    # Every member connected at the start should get every message of the team (sockets that a
    # server closed on the way count as losses: that is what a user would see).
    connected_members = {team: [i for i in idx if i in sockets] for team, idx in members.items()}
    expected_deliveries = sum(len(connected_members[team]) for team in run.expected.values())
    delivered = len(run.latencies)
    lat = sorted(run.latencies)

    def pct(p: float) -> float:
        return round(nearest_rank(lat, p) * 1000, 2) if lat else float("nan")

    # The p99 of each second of sending: a steady tail, or stalls?
    by_second: dict[int, list[float]] = {}
    for sent, latency in zip(run.sends, run.latencies, strict=True):
        by_second.setdefault(int(sent - send_started), []).append(latency)
    p99_by_second = [
        round(nearest_rank(sorted(values), 0.99) * 1000, 1) for _second, values in sorted(by_second.items())
    ]

    window = (run.last_delivery - run.first_delivery) if delivered > 1 else float("nan")
    return {
        "connections": len(rows),
        "connected": len(sockets),
        "refused": len(refused),
        "refused_examples": refused[:3],
        "connect_seconds": round(connect_seconds, 2),
        "messages_sent": total - run.send_failures,
        "send_failures": run.send_failures,
        "send_seconds": round(send_seconds, 2),
        "expected_deliveries": expected_deliveries,
        "delivered": delivered,
        "lost": expected_deliveries - delivered,
        "duplicated": run.duplicates,
        "deliveries_per_s": round(delivered / window, 1) if delivered > 1 else 0,
        "latency_ms": {
            "p50": pct(0.50),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "max": round(lat[-1] * 1000, 2) if lat else None,
            "mean": round(statistics.fmean(lat) * 1000, 2) if lat else None,
        },
        "p99_ms_by_second": p99_by_second,
        "server_rss_mib": {
            "before": round(rss_before / 1024, 1),
            "connected": round(rss_connected / 1024, 1),
            "after": round(rss_after / 1024, 1),
        },
        "memory_per_connection_kib": round((rss_connected - rss_before) / max(1, len(sockets)), 1),
        "server_cpu_cores_while_sending": round((cpu_after - cpu_before) / (send_seconds + drain), 2),
        "client_gc": {
            "threshold": gc.get_threshold()[0],
            **{
                f"{name}_pauses": {
                    "count": len(values),
                    "total_ms": round(sum(values) * 1000, 1),
                    "max_ms": round(max(values, default=0.0) * 1000, 1),
                }
                for name, values in pauses.items()
            },
        },
        "client_errors": len(run.errors),
        "client_error_examples": run.errors[:3],
    }


# --- orchestration -------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=400)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second, all teams together")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sending")
    parser.add_argument("--drain", type=float, default=5.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--scenarios", default="redis,pubsub,relay,relay_pg")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the scenarios this many times, each round in another order (rotated by one); "
        "each round's ratios are to that round's baselines",
    )
    parser.add_argument("--database", default="wijklab_chat_bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--connect-concurrency", type=int, default=500)
    parser.add_argument("--max-redis-connections", type=int, default=1000)
    parser.add_argument(
        "--client-gc-threshold",
        type=int,
        default=50_000,
        help="young-GC threshold of the client once connected; none while connecting (0 = Python defaults)",
    )
    parser.add_argument(
        "--db-threads",
        type=int,
        default=2,
        help="CHAT_DB_THREADS for the Django servers, and relay_pg's connections per process (at least 1)",
    )
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--_seed", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument(
        "--warm",
        choices=["pages", "sessions", "none"],
        default="pages",
        help="before connecting: every member opened the chat page (default), only their sessions were read, "
        "or nothing (a cold cache)",
    )
    parser.add_argument("--_warm", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._warm:
        warm(Path(args._warm[0]), args._warm[1])
        return
    if args._seed:
        seed(int(args._seed[0]), int(args._seed[1]), Path(args._seed[2]))
        return

    # Bounded: loopback only, and never more than this many sockets or seconds.
    if args.teams * args.members > 5000 or args.duration > 300 or args.rate > 2000 or not 1 <= args.rounds <= 10:
        raise SystemExit("refusing: keep it to ≤ 5000 connections, ≤ 300 s, ≤ 2000 messages/s and 1–10 rounds")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    OUT.mkdir(parents=True, exist_ok=True)
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{args.database}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "DATABASE_URL": f"{args.postgres}/{args.database}",
            "REDIS_URL": args.redis,
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            # Its servers speak plain http on 127.0.0.1 (README "Security settings").
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "REDIS_MAX_CONNECTIONS": str(args.max_redis_connections),
            "CHAT_DB_THREADS": str(args.db_threads),
            "LOG_LEVEL": "ERROR",
            "WIJKLAB_DATA_DIR": str(OUT / "data"),
        }
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    rows_file = OUT / "sessions.json"

    machine = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_before": os.getloadavg(),
    }
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in LAYERS and s not in RELAYS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}: choose from {', '.join([*LAYERS, *RELAYS])}")
    rounds, orders = [], []
    for round_no in range(1, args.rounds + 1):
        order = round_order(scenarios, round_no)
        orders.append(order)
        if args.rounds > 1:
            print(f"=== round {round_no} of {args.rounds}: {', '.join(order)}", flush=True)
        results = run_round(args, order, env, rows_file)
        if results is None:  # --seed-only
            return
        rounds.append(results)
    machine["load_after"] = os.getloadavg()
    report = {"args": vars(args), "machine": machine, "results": rounds[-1]}
    if args.rounds > 1:
        report["orders"] = orders
        report["rounds"] = rounds
        report["summary"] = summarise(rounds)
    (OUT / "chat-results.json").write_text(json.dumps(report, indent=1))
    for round_no, results in enumerate(rounds, 1):
        if args.rounds > 1:
            print(f"=== round {round_no}")
        print(json.dumps({name: {k: r.get(k) for k in SUMMARY_KEYS} for name, r in results.items()}, indent=1))
    if args.rounds > 1:
        print("=== over the rounds")
        print(json.dumps(report["summary"], indent=1))
    print(f"full results: {OUT / 'chat-results.json'}")


SUMMARY_KEYS = (
    "connected",
    "refused",
    "connect_seconds",
    "deliveries_per_s",
    "latency_ms",
    "lost",
    "duplicated",
    "vs_relay",
    "vs_relay_pg",
)


def round_order(scenarios: list[str], round_no: int) -> list[str]:
    """The scenarios of round ``round_no`` (from 1): the given order, rotated by one more each round.

    Whichever runs first in a round fares differently (docs/benchmarks.md, 2026-12-05): over
    as many rounds as there are scenarios each one has every place once.
    """
    shift = (round_no - 1) % len(scenarios)
    return scenarios[shift:] + scenarios[:shift]


def summarise(rounds: list[dict]) -> dict:
    """Each scenario over the rounds: the median and the range, and every round's ratio to its own relay.

    The machine's noise moves the relay and us together within a round, and both
    a lot between rounds (docs/benchmarks.md): a ratio is only ever taken within one.
    """
    summary = {}
    for name in rounds[0]:
        runs = [results[name] for results in rounds if name in results]
        entry: dict = {
            "rounds": len(runs),
            "refused": sum(r["refused"] for r in runs),
            "lost": sum(r["lost"] for r in runs),
            "duplicated": sum(r["duplicated"] for r in runs),
        }
        entry["connect_seconds"] = _spread([r["connect_seconds"] for r in runs])
        for q in ("p50", "p99"):
            entry[f"{q}_ms"] = _spread([r["latency_ms"][q] for r in runs])
        for baseline in RELAYS:
            key = f"vs_{baseline}"
            if all(r.get(key) for r in runs):
                each = [r[key]["p99"] for r in runs]
                # A round whose baseline p99 was 0 has no ratio (None): listed, kept out of the median.
                known = [ratio for ratio in each if ratio is not None]
                median = round(statistics.median(known), 2) if known else None
                entry[f"p99_vs_{baseline}"] = {"median": median, "each": each}
        summary[name] = entry
    return summary


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": min(values), "max": max(values)}


def run_round(args: argparse.Namespace, scenarios: list[str], env: dict[str, str], rows_file: Path) -> dict | None:
    """Every scenario once, in the order given; each gets its ratios to this round's baselines (not to itself)."""
    import psycopg

    results = {}
    for scenario in scenarios:
        # Fresh sessions and an empty message table for every scenario.
        subprocess.run(
            [sys.executable, __file__, "--_seed", str(args.teams), str(args.members), str(rows_file)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        # Every scenario starts from the same tables: the seeding leaves dead rows behind, and
        # autovacuum may be off (it is on the CI machine), so later scenarios would pay for them.
        with psycopg.connect(f"{args.postgres}/{args.database}", autocommit=True) as conn:
            # relay_pg's table, empty: its own, beside the chat's (bench/chat_relay.py).
            conn.execute(RELAY_PG_CREATE)
            conn.execute(f"TRUNCATE {RELAY_PG_TABLE}")
            conn.execute("VACUUM ANALYZE")
        if args.seed_only:
            print(f"seeded {args.teams} teams × {args.members} members")
            return None
        rows = json.loads(rows_file.read_text())
        import redis as redis_lib

        redis_lib.Redis.from_url(args.redis).flushdb()
        if scenario not in RELAYS and args.warm != "none":
            # A socket connects from the chat page, whose request has just read the session and
            # stored the presence list (docs/benchmarks.md); --warm none starts from a cold cache.
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--_warm", str(rows_file), args.warm], cwd=ROOT, env=env, check=True
            )
            print(f"warmed ({args.warm}) in {time.perf_counter() - started:.1f}s", flush=True)
        scenario_env = dict(env)
        if scenario in LAYERS:
            scenario_env["CHANNEL_LAYER_BACKEND"] = LAYERS[scenario]
        servers = start_servers(scenario, scenario_env, db_connections=max(1, args.db_threads))
        try:
            print(f"--- {scenario}: {len(rows)} connections, {args.rate}/s for {args.duration}s", flush=True)
            result = run_client(
                rows,
                [port for _p, port in servers],
                rate=args.rate,
                duration=args.duration,
                drain=args.drain,
                with_auth=scenario not in RELAYS,
                pids=[p.pid for p, _port in servers],
                connect_concurrency=args.connect_concurrency,
                client_gc_threshold=args.client_gc_threshold,
            )
        finally:
            stop_servers(servers)
        if scenario == "relay_pg":
            with psycopg.connect(f"{args.postgres}/{args.database}") as conn:
                result["stored_messages"] = conn.execute(f"SELECT count(*) FROM {RELAY_PG_TABLE}").fetchone()[0]  # noqa: S608
        elif scenario != "relay":
            result["stored_messages"] = count_messages(env, rows)
        results[scenario] = result
        print(json.dumps(result, indent=1), flush=True)

    for baseline in RELAYS:
        if baseline not in results:
            continue
        floor = results[baseline]["latency_ms"]
        for name, result in results.items():
            # Each scenario against the baselines below it: relay_pg against the relay, ours against both.
            if name not in (baseline, "relay"):
                result[f"vs_{baseline}"] = {
                    key: round(result["latency_ms"][key] / floor[key], 2) if floor[key] else None
                    for key in ("p50", "p95", "p99")
                }
    return results


def run_client(rows: list[dict], ports: list[int], **kwargs: object) -> dict:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(client_run(rows, ports, **kwargs))  # type: ignore[arg-type]
    return uvloop.run(client_run(rows, ports, **kwargs))  # type: ignore[arg-type]


def count_messages(env: dict[str, str], rows: list[dict]) -> int:
    teams = sorted({row["team"] for row in rows})
    code = f"from teams.models import Message;print(Message.objects.filter(team_id__in={teams!r}).count())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
