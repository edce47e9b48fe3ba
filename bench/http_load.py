"""HTTP under load: the main pages and API lists of each role at N concurrent users, beside a trivial view.

Not a test: run it by hand (see docs/benchmarks.md, "HTTP under load on the scale data"). Everything
stays on 127.0.0.1, bounded in users and seconds.

The data is ``manage.py seed_scale`` (its well-known ``scale.*`` accounts and more of each role).
Each virtual user is one account with its own session, minted through Django's test client
(``force_login``, so the session engine the server uses stores it) in a subprocess with the
server's settings; the same step GETs every URL once, so a URL that does not answer 200 stops the
run before it starts. Then every virtual user walks its role's URLs in turn, ``/healthz`` and
``/livez`` included, over one keep-alive connection, for ``--duration`` seconds, pausing
``--think`` seconds between two requests (uniform, 1–5 s by default as in locust's
``between(1, 5)``: people read a page before the next click; ``--think 0,0`` is a closed loop
that only measures the queue). The ceiling is ``/livez``, a trivial Django view through the whole
middleware stack on the same server (no database, no Redis).

Per URL: requests/s, p50/p95/p99, errors and the ratio of its p95 to ``/livez``'s p95; as a
table and as JSON in ``var/bench/http-results.json``. Below it, how many URLs miss the targets
(100 ms p95, 3x the ceiling) and how busy the machine and each server process were during the
measured seconds (from ``/proc``): under load a page's p95 is its own cost times how often it
shares its process's GIL with another request, so a run is read beside how busy the server was.

One run of a minute says where the targets stand, not whether a change of 10 % helped: a URL that
gets 15 requests a minute has its slowest one as p95. ``--rounds N`` runs it N times (with
``--start`` each on a fresh server) and reports each URL's median over the rounds, with one line
per round.

    # a server of its own: uvicorn, 2 workers, DEBUG=false, on PostgreSQL seeded with seed_scale
    .venv/bin/python bench/http_load.py --start --database-url postgres://postgres@127.0.0.1:5432/wijklab_scale \\
        --redis-url redis://127.0.0.1:6379/7 --users 50 --duration 30
    # or against a running server (make run-prod) with the same DATABASE_URL/REDIS_URL in the environment
    .venv/bin/python bench/http_load.py --url http://127.0.0.1:8000 --users 50 --duration 30

The client is a plain asyncio HTTP/1.1 client (no dependency beyond the standard library): a
load tool such as locust would measure the same requests with more machinery on a two-core box
that also runs the server.
"""

import sys
from pathlib import Path

# This file's name is the standard library's ``http``: with bench/ first on sys.path (as for every
# script here), ``urllib`` and Django would import this file instead. Put bench/ last.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in (_HERE, "")] + [_HERE]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from quantiles import nearest_rank  # noqa: E402 - bench/, now last on sys.path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
CEILING = "/livez"
CEILING_LABEL = "ceiling: /livez (trivial view)"
HEALTH_LABEL = "/healthz (database + Redis check)"
# Issue 18's targets for every page and list: p95 under this many ms, and within this many times the ceiling's.
TARGET_MS = 100
TARGET_RATIO = 3.0
# How many accounts of each role the virtual users are spread over (in this order, round robin).
ROLE_MIX = ["student", "student", "student", "docent", "organisation", "coordinator"]


# --- sessions and URLs (runs in a subprocess with the server's settings) --------------------------


def _urls_for(role: str, user: object, ids: dict) -> list[tuple[str, str]]:
    """(label, path) per page and API list of a role; ids resolved from the scale data."""
    if role == "student":
        team = ids["team"]
        return [
            ("student: home /", "/"),
            ("student: /opdrachten/ filtered", "/opdrachten/?status=open&phase=verkenning"),
            ("student: /api/assignments/ filtered", "/api/assignments/?status=open&phase=verkenning"),
            ("student: team page", f"/teams/{team}/"),
            ("student: chat page", f"/teams/{team}/chat/"),
            ("student: chat history API", f"/api/teams/{team}/messages/"),
            ("student: /mijn-voortgang/", "/mijn-voortgang/"),
            ("student: /api/feedback/", "/api/feedback/"),
        ]
    if role == "docent":
        return [
            ("docent: home /", "/"),
            ("docent: /begeleiding/", "/begeleiding/"),
            ("docent: student progress", f"/studenten/{ids['student']}/voortgang/"),
            ("docent: /teams/", "/teams/"),
            ("docent: /api/teams/", "/api/teams/"),
            ("docent: /api/feedback/", "/api/feedback/"),
        ]
    if role == "organisation":
        team = ids["team"]
        return [
            ("organisation: home /", "/"),
            ("organisation: /opdrachten/", "/opdrachten/"),
            ("organisation: team page", f"/teams/{team}/"),
            ("organisation: chat history API", f"/api/teams/{team}/messages/"),
            ("organisation: /api/assignments/", "/api/assignments/"),
        ]
    cohort = ids["cohort"]
    return [
        ("coordinator: home /", "/"),
        ("coordinator: /begeleiding/", "/begeleiding/"),
        ("coordinator: cohort page", f"/cohorten/{cohort}/"),
        ("coordinator: /teams/", "/teams/"),
        ("coordinator: /coordinatie/begeleiders/", "/coordinatie/begeleiders/"),
        ("coordinator: formation board", f"/cohorten/{cohort}/teams-vormen/"),
        ("coordinator: /api/teams/", "/api/teams/"),
        ("coordinator: /api/assignments/", "/api/assignments/?status=open"),
    ]


def prepare(users: int, out: Path) -> None:
    """One account and session per virtual user, its URLs, each URL fetched once (must be 200)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from teams.models import Membership, SupervisionAssignment, Team
    from wijklab.account_selectors import second_factor_required
    from wijklab.models import Role, SupervisorKind, User

    def accounts(role: str) -> list:
        if role == "student":
            return [
                m.student
                for m in Membership.objects.filter(student__username__startswith="scale.student", left_at__isnull=True)
                .select_related("student")
                .order_by("student_id")[:users]
            ]
        if role == "docent":
            return list(
                User.objects.filter(
                    username__startswith="scale.docent.",
                    supervisor_profile__kind__in=[SupervisorKind.MBO_DOCENT, SupervisorKind.HBO_DOCENT],
                    supervision_assignments__isnull=False,
                )
                .distinct()
                .order_by("pk")[:users]
            )
        if role == "organisation":
            return list(
                User.objects.filter(
                    username__startswith="scale.org",
                    role=Role.ORGANISATION,
                    organisation__assignments__teams__isnull=False,
                )
                .distinct()
                .order_by("pk")[:users]
            )
        return list(User.objects.filter(username__startswith="scale.coordinator").order_by("pk"))

    pools = {role: accounts(role) for role in set(ROLE_MIX)}
    if not all(pools.values()):
        raise SystemExit(f"no scale data for some roles ({ {r: len(p) for r, p in pools.items()} }): run seed_scale")
    rows = []
    for index in range(users):
        role = ROLE_MIX[index % len(ROLE_MIX)]
        pool = pools[role]
        user = pool[(index // len(ROLE_MIX)) % len(pool)]
        ids: dict[str, int] = {}
        if role == "student":
            ids["team"] = Membership.objects.get(student=user, left_at__isnull=True).team_id
        elif role == "docent":
            link = SupervisionAssignment.objects.filter(supervisor=user, team__isnull=False).order_by("pk").first()
            ids["student"] = link.team.memberships.filter(left_at__isnull=True).order_by("pk").first().student_id
        elif role == "organisation":
            ids["team"] = (
                Team.objects.filter(assignment__organisation_id=user.organisation_id).order_by("pk").first().pk
            )
        else:
            ids["cohort"] = user.coordinated_cohorts.order_by("pk").first().pk
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        if second_factor_required(user):
            # As after signing in with a code of their authenticator app (a coordinator's session
            # without one only reaches the set-up page).
            device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        urls = _urls_for(role, user, ids)
        for label, path in urls:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{user.username}: GET {path} ({label}) answered {response.status_code}")
        rows.append(
            {
                "username": user.username,
                "role": role,
                "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "urls": [*urls, (HEALTH_LABEL, "/healthz"), (CEILING_LABEL, CEILING)],
            }
        )
    out.write_text(json.dumps(rows, indent=1))


# --- the client ---------------------------------------------------------------------------------


class HttpError(Exception):
    pass


@dataclass
class Connection:
    host: str
    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, cookie: str) -> tuple[int, int]:
        """GET over a kept-alive connection; returns (status, body bytes).

        A kept-alive connection the server closed while the user paused (uvicorn closes one idle
        for 5 s; the pauses are 1-5 s) fails before a byte of the answer comes back. A browser
        then sends the GET again on a new connection, and so does this client, once; any other
        failure counts as an error.
        """
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nCookie: {cookie}\r\n"
            "Accept: text/html,application/json\r\nAccept-Language: nl\r\nConnection: keep-alive\r\n\r\n"
        )
        try:
            self.writer.write(request.encode())
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as exc:
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            await self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.write(request.encode())
            head = await self.reader.readuntil(b"\r\n\r\n")
        reader = self.reader
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        size = 0
        if "content-length" in headers:
            size = int(headers["content-length"])
            await reader.readexactly(size)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


async def virtual_user(
    row: dict, host: str, port: int, until: float, offset: int, results: Results, think: tuple[float, float]
) -> None:
    cookie = f"sessionid={row['session']}"
    connection = Connection(host, port)
    urls = row["urls"]
    turn = offset
    # Each user its own seeded sequence of pauses: runs are repeatable, users are not in step.
    pauses = random.Random(offset)
    if think[1]:
        await asyncio.sleep(pauses.uniform(0, think[1]))
    while time.monotonic() < until:
        label, path = urls[turn % len(urls)]
        turn += 1
        started = time.perf_counter()
        try:
            status, _size = await connection.get(path, cookie)
            ok = status == 200
            what = f"{status}"
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            await connection.close()
            ok, what = False, type(exc).__name__
        elapsed = time.perf_counter() - started
        results.latencies.setdefault(label, []).append(elapsed)
        if not ok:
            results.errors[label] = results.errors.get(label, 0) + 1
            if len(results.examples) < 10:
                results.examples.append(f"{row['username']} GET {path}: {what}")
        if think[1]:
            await asyncio.sleep(pauses.uniform(*think))
    await connection.close()


async def run_load(
    rows: list[dict], base: str, duration: float, think: tuple[float, float] = (0.0, 0.0)
) -> tuple[Results, float]:
    parts = urlsplit(base)
    results = Results()
    started = time.monotonic()
    until = started + duration
    await asyncio.gather(
        *(virtual_user(row, parts.hostname, parts.port or 80, until, i, results, think) for i, row in enumerate(rows))
    )
    return results, time.monotonic() - started


def report(results: Results, seconds: float) -> list[dict]:
    ceiling = sorted(results.latencies.get(CEILING_LABEL, [])) or [float("nan")]
    ceiling_p95 = nearest_rank(ceiling, 0.95)
    rows = []
    for label, values in sorted(results.latencies.items()):
        ordered = sorted(values)
        p95 = nearest_rank(ordered, 0.95)
        rows.append(
            {
                "url": label,
                "requests": len(ordered),
                "rps": round(len(ordered) / seconds, 1),
                "p50_ms": round(nearest_rank(ordered, 0.50) * 1000, 1),
                "p95_ms": round(p95 * 1000, 1),
                "p99_ms": round(nearest_rank(ordered, 0.99) * 1000, 1),
                "errors": results.errors.get(label, 0),
                "p95_ratio": round(p95 / ceiling_p95, 2),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| URL | req/s | p50 ms | p95 ms | p99 ms | errors | p95 / ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['url']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} | "
            f"{r['p95_ratio']}× |"
        )
    return "\n".join(lines)


# --- where the CPU went (Linux /proc; figures are None elsewhere) ---------------------------------


def _ticks_of(pid: int) -> int | None:
    """User + system CPU time of one process, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def _family(root: int) -> list[int]:
    """``root`` and every process below it (uvicorn's worker processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, todo = [], [root]
    while todo:
        pid = todo.pop()
        family.append(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    return sorted(family)


def cpu_snapshot(server_pid: int | None) -> dict | None:
    """The machine's busy and total ticks and each server process's ticks, to subtract later."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = values[3] + values[4]  # idle + iowait
    processes = {pid: _ticks_of(pid) for pid in _family(server_pid)} if server_pid else {}
    return {"busy": sum(values) - idle, "total": sum(values), "processes": processes}


def cpu_used(before: dict | None, after: dict | None, seconds: float) -> dict | None:
    """How busy the machine was (all cores together, 0–100 %) and each server process (% of one core):
    the tail of a page under load is its cost times how often it shares a process's GIL with another
    request, so a run is only read right beside how busy the server was."""
    if not before or not after or not seconds:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    total = after["total"] - before["total"]
    per_process = []
    for pid, ticks in before["processes"].items():
        later = after["processes"].get(pid)
        if ticks is not None and later is not None and later > ticks:
            per_process.append(round(100 * (later - ticks) / hz / seconds, 1))
    return {
        "machine_busy_percent": round(100 * (after["busy"] - before["busy"]) / total, 1) if total else None,
        "server_processes_percent_of_a_core": sorted(per_process, reverse=True),
    }


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = OUT / "http-server.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "wijklab.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        if process.poll() is not None:
            raise SystemExit(f"server exited: see {log}")
        try:
            with urllib.request.urlopen(f"{base}{CEILING}", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"server did not answer {CEILING}: see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    parser.add_argument(
        "--think",
        default="1,5",
        help="MIN,MAX seconds each user pauses between two requests (uniform; locust's between(1, 5)); 0,0: none",
    )
    parser.add_argument("--url", help="a running server (else --start)")
    parser.add_argument("--start", action="store_true", help="start uvicorn with --workers on a free port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run it this many times (with --start each on a fresh server) and report each URL's median",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--prefix", default="wijklab-bench-http", help="cache and channel-layer key prefix")
    parser.add_argument("--_prepare", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._prepare:
        prepare(int(args._prepare[0]), Path(args._prepare[1]))
        return
    if not 1 <= args.users <= 500 or not 0 < args.duration <= 300:
        raise SystemExit("refusing: keep it to 1–500 users and ≤ 300 s")
    if not 1 <= args.rounds <= 10:
        raise SystemExit("refusing: keep it to 1–10 rounds")
    think = tuple(float(x) for x in args.think.split(","))
    if len(think) != 2 or not 0 <= think[0] <= think[1] <= 60:
        raise SystemExit("--think is MIN,MAX seconds, 0 ≤ MIN ≤ MAX ≤ 60")
    if bool(args.url) == bool(args.start):
        raise SystemExit("give either --url or --start")
    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
        "DEBUG": "false",
        # The server it starts speaks plain http on 127.0.0.1 (README "Security settings").
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        # Each ASGI request runs its database work on a fresh thread: with persistent connections every
        # request left one open until PostgreSQL refused more (issue 18). Never kept here; the
        # settings' pool (DB_POOL_MAX_SIZE, on by default) is what reuses connections.
        "DB_CONN_MAX_AGE": "0",
        "CACHE_PREFIX": args.prefix,
        "CHANNEL_LAYER_PREFIX": args.prefix,
        "PYTHONPATH": str(ROOT),
    }
    sessions = OUT / "http-sessions.json"
    subprocess.run(
        [sys.executable, __file__, "--_prepare", str(args.users), str(sessions)], cwd=ROOT, env=env, check=True
    )
    rows = json.loads(sessions.read_text())
    rounds = []
    for number in range(1, args.rounds + 1):
        process = None
        if args.start:
            # A fresh server each round: one round's connections, caches and imports do not carry over.
            process, base = start_server(env, args.workers)
        else:
            base = args.url
        try:
            load_before = os.getloadavg()
            if args.warmup:
                asyncio.run(run_load(rows, base, args.warmup, think))
            cpu_before = cpu_snapshot(process.pid if process else None)
            results, seconds = asyncio.run(run_load(rows, base, args.duration, think))
            cpu = cpu_used(cpu_before, cpu_snapshot(process.pid if process else None), seconds)
            load_after = os.getloadavg()
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        measured = report(results, seconds)
        rounds.append(
            {
                "round": number,
                "duration_s": round(seconds, 1),
                "loadavg_before": [round(x, 2) for x in load_before],
                "loadavg_after": [round(x, 2) for x in load_after],
                "cpu": cpu,
                "requests": sum(r["requests"] for r in measured),
                "errors": sum(r["errors"] for r in measured),
                "error_examples": results.examples,
                "urls": measured,
            }
        )
        if args.rounds > 1:
            print(f"round {number}: {summary(measured)}; {describe_cpu(cpu)}", flush=True)
    measured = rounds[0]["urls"] if len(rounds) == 1 else median_of(rounds)
    document = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join(sys.argv),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": rounds[0]["loadavg_before"],
            "loadavg_after": rounds[-1]["loadavg_after"],
        },
        "users": args.users,
        "think_s": list(think),
        "duration_s": sum(r["duration_s"] for r in rounds),
        "workers": args.workers if args.start else None,
        "db_pool_max_size": env.get("DB_POOL_MAX_SIZE", "settings default"),
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "error_examples": [e for r in rounds for e in r["error_examples"]][:10],
        # With --rounds > 1: per URL the median over the rounds of each figure (p95 / ceiling the
        # median of each round's ratio); every round in full under "rounds".
        "urls": measured,
        "rounds": rounds,
    }
    (OUT / "http-results.json").write_text(json.dumps(document, indent=1))
    if len(rounds) > 1:
        print(f"\nMedian of {len(rounds)} rounds per URL:")
    print(table(measured))
    seconds = document["duration_s"]
    print(
        f"\n{document['requests']} requests in {seconds:.1f} s, {document['errors']} errors; "
        f"load average before {document['machine']['loadavg_before']}, after {document['machine']['loadavg_after']}"
    )
    if len(rounds) == 1:
        print(f"{summary(measured)}; {describe_cpu(rounds[0]['cpu'])}")
    else:
        print(f"the medians: {summary(measured)}")
    print(f"full results: {OUT / 'http-results.json'}")


def summary(measured: list[dict]) -> str:
    """The two targets of issue 18 in one line, over the pages and API lists (not the two health checks):
    how many are over 100 ms p95 and over 3x the ceiling's p95."""
    pages = [r for r in measured if r["url"] not in {CEILING_LABEL, HEALTH_LABEL}]
    over_ms = sum(1 for r in pages if r["p95_ms"] > TARGET_MS)
    over_ratio = sum(1 for r in pages if r["p95_ratio"] > TARGET_RATIO)
    p95s = sorted(r["p95_ms"] for r in pages)
    middle = p95s[len(p95s) // 2] if p95s else float("nan")
    return (
        f"{over_ms} of {len(pages)} URLs over {TARGET_MS} ms p95, {over_ratio} over {TARGET_RATIO:g}x the ceiling, "
        f"median p95 {middle} ms"
    )


def describe_cpu(cpu: dict | None) -> str:
    if not cpu:
        return "CPU use not measured"
    processes = ", ".join(f"{p} %" for p in cpu["server_processes_percent_of_a_core"]) or "–"
    return f"machine {cpu['machine_busy_percent']} % busy, server processes {processes} of a core"


def median_of(rounds: list[dict]) -> list[dict]:
    by_url: dict[str, list[dict]] = {}
    for one in rounds:
        for row in one["urls"]:
            by_url.setdefault(row["url"], []).append(row)
    merged = []
    for url, rows in sorted(by_url.items()):
        merged.append(
            {
                "url": url,
                "requests": sum(r["requests"] for r in rows),
                **{
                    key: round(statistics.median(r[key] for r in rows), 2 if key == "p95_ratio" else 1)
                    for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "p95_ratio")
                },
                "errors": sum(r["errors"] for r in rows),
            }
        )
    return merged


if __name__ == "__main__":
    main()
