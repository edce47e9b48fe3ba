"""Redis is unreachable for a minute while people use the site; nothing breaks, nothing is lost.

A real uvicorn server on the test database and a Redis of this test's own (its cache, sessions'
copy, channel layer and Celery broker). With Redis stopped:

- /healthz answers 503 (rightly: a dependency is down), and nothing else does;
- people sign in with username and password (the form, with its CSRF token), and a browser
  session from before the outage keeps working: their pages answer 200;
- writes answer 2xx and are stored once: feedback (its mail queued), a chat message over the
  REST API, a coordinator removing a team member (mails to the team queued);
- no request takes longer than REQUEST_WITHIN;
- the mail that could not be queued is kept in the outbox table (``wijklab.models.PendingTask``).

Then Redis comes back (empty: no persistence), the outbox is drained (``pending_tasks_send``, what
the beat task runs every minute) to a real Celery worker that writes its mail to files, and each
mail goes out exactly once: a second drain sends nothing and no mail arrives twice.
"""

import email
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from supervision import selectors as supervision_selectors
from supervision.models import FeedbackEntry
from teams.models import Membership, Message
from tests.faults.own_redis import OwnRedis
from tests.servers import ROOT, server_env, start_uvicorn, stop, wait_until_healthy
from wijklab.models import PendingTask, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long Redis stays away: the minute. WIJKLAB_REDIS_OUTAGE_SECONDS shortens it while
# working on this test; CI does not set it.
OUTAGE_SECONDS = float(os.environ.get("WIJKLAB_REDIS_OUTAGE_SECONDS", "60"))
# People keep using the site in rounds this far apart for the whole outage.
ROUND_SECONDS = 5.0
# No request waits longer than this for an unreachable Redis (the cache and broker time out in 2-3 s).
REQUEST_WITHIN = 10.0
PASSWORD = "een-lang-wachtwoord-voor-de-test"
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, as the test client sees it


class Browser:
    """One person's browser: its cookies, its CSRF token, and how long each request took."""

    def __init__(self, port: int, durations: list[tuple[str, float, int]]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects)
        self.durations = durations

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def request(self, method: str, path: str, *, form: dict | None = None, json_body: dict | None = None):
        headers = {"Accept": "text/html,application/json"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.update({"Content-Type": "application/json", "X-CSRFToken": self.cookie("csrftoken") or ""})
        request = urllib.request.Request(self.base + path, data, headers, method=method)  # noqa: S310 - loopback
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=REQUEST_WITHIN + 20) as response:
                status, body, location = response.status, response.read(), response.headers.get("Location")
        except urllib.error.HTTPError as exc:
            status, body, location = exc.code, exc.read(), exc.headers.get("Location")
        self.durations.append((f"{method} {path}", time.monotonic() - started, status))
        return status, body, location

    def get(self, path: str) -> int:
        return self.request("GET", path)[0]

    def post_json(self, path: str, body: dict) -> tuple[int, dict]:
        status, content, _location = self.request("POST", path, json_body=body)
        try:
            return status, json.loads(content or b"null")
        except ValueError:
            return status, {"raw": content[:500]}

    def chat_socket(self, team_id: int) -> str:
        """Open the team chat's socket as the page does; how the server answered."""
        from websockets.exceptions import InvalidStatus
        from websockets.sync.client import connect

        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        try:
            with connect(
                f"ws{self.base[4:]}/ws/teams/{team_id}/chat/",
                origin=self.base,
                additional_headers={"Cookie": cookies},
                open_timeout=REQUEST_WITHIN,
            ) as ws:
                return f"open: {ws.recv(timeout=REQUEST_WITHIN)}"
        except InvalidStatus as exc:
            return f"HTTP {exc.response.status_code}"

    def sign_in(self, username: str, password: str) -> tuple[int, str | None]:
        """The log-in form as a browser sends it: the page first (cookie and token), then the POST."""
        status, page, _location = self.request("GET", "/inloggen/")
        assert status == 200, status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None, page[:500]
        status, _body, location = self.request(
            "POST",
            "/inloggen/",
            form={"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password},
        )
        return status, location


def _server_env(redis: OwnRedis, tmp_path: Path) -> dict[str, str]:
    return server_env(
        tmp_path,
        redis_url=redis.url(0),
        prefix="hbdown",
        drop=("DB_",),
        CELERY_TASK_ALWAYS_EAGER="false",
        # The notification mail waits a second for more, not minutes: the test waits for it.
        NOTIFICATION_MAIL_DELAY="1",
    )


def _mails(directory: Path) -> list[email.message.Message]:
    """Every mail the file backend wrote (one file per connection, mails separated by a line of dashes)."""
    found = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_text().split(MAIL_SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_string(chunk.lstrip("\n")))
    return found


def _drain(env: dict[str, str]) -> int:
    """What the beat task does every minute, in a process of its own against the own Redis."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from wijklab.services import pending_tasks_send; "
            "print(pending_tasks_send())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_a_minute_without_redis_people_keep_working_and_the_mail_goes_out_once_after(
    require_postgres,
    redis_url,
    own_redis,
    tmp_path,
    settings,
    team,
    student4,
    student5,
    student6,
    mbo_docent,
    hbo_docent,
    werkbegeleider,
    coordinator,
):
    # The server checks passwords with its own (real) hashers, not the test's fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    User.objects.filter(pk__in=[student4.pk, mbo_docent.pk, coordinator.pk]).update(password=make_password(PASSWORD))
    criterion = supervision_selectors.default_rubric().criteria.first()

    env = _server_env(own_redis, tmp_path)
    server_log = tmp_path / "server.log"
    process, port = start_uvicorn(env, server_log)
    worker = None
    durations: list[tuple[str, float, int]] = []
    try:
        wait_until_healthy([(process, port)], [server_log])
        # Sanne signed in before Redis went away: her session has a copy in Redis, which goes with it.
        sanne = Browser(port, durations)
        assert sanne.sign_in("sanne", PASSWORD)[0] == 302
        assert sanne.get("/") == 200
        assert sanne.chat_socket(team.pk).startswith("open: ")

        own_redis.stop()
        outage_started = time.monotonic()
        anonymous = Browser(port, durations)
        assert anonymous.get("/healthz") == 503

        # Signing in works on PostgreSQL alone.
        docent, coordinator_browser = Browser(port, durations), Browser(port, durations)
        assert docent.sign_in("mbo-docent", PASSWORD) == (302, "/")
        assert coordinator_browser.sign_in("coordinator", PASSWORD) == (302, "/")
        assert docent.get("/") == 200
        # The chat's socket is refused ("try again later" before the handshake is accepted: uvicorn
        # answers 403), never a 500; the page then reads and posts over the REST API, as below.
        assert sanne.chat_socket(team.pk) == "HTTP 403"

        # A coordinator takes Youssef off the team: the team's mail about it cannot be queued now.
        status, change = coordinator_browser.post_json(
            f"/api/teams/{team.pk}/remove/", {"student": student5.pk, "reason": "Ziek"}
        )
        assert status == 200, change
        assert change["kind"] == "removed"

        feedback_posted, chat_posted, rounds = 0, 0, 0
        while True:
            rounds += 1
            assert anonymous.get("/healthz") == 503
            for path in ("/", f"/teams/{team.pk}/", f"/teams/{team.pk}/chat/", "/mijn-voortgang/"):
                assert sanne.get(path) == 200, path
            assert docent.get(f"/studenten/{student4.pk}/voortgang/") == 200
            assert coordinator_browser.get(f"/teams/{team.pk}/") == 200
            status, entry = docent.post_json(
                "/api/feedback/",
                {
                    "student": student4.pk,
                    "kind": "supervisor",
                    "scores": [{"criterion": criterion.pk, "level": 3}],
                    "comment": f"Ronde {rounds}: goed voorbereid.",
                    "date": timezone.localdate().isoformat(),
                },
            )
            assert status == 201, entry
            feedback_posted += 1
            status, message = sanne.post_json(
                f"/api/teams/{team.pk}/messages/", {"body": f"Ronde {rounds}", "client_id": str(uuid.uuid4())}
            )
            assert status == 201, message
            chat_posted += 1
            if time.monotonic() - outage_started + ROUND_SECONDS >= OUTAGE_SECONDS:
                break
            time.sleep(ROUND_SECONDS)
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
        assert anonymous.get("/healthz") == 503  # still down at the end of the outage
        outage = time.monotonic() - outage_started

        # Everything written once, and the mail it asked for kept, none of it sent.
        assert FeedbackEntry.objects.filter(student=student4).count() == feedback_posted
        assert Message.objects.filter(team=team).count() == chat_posted
        assert not Membership.objects.filter(team=team, student=student5, left_at__isnull=True).exists()
        kept = sorted(PendingTask.objects.values_list("name", flat=True))
        # The removal's notification mail: one job per person it told (members, supervisors, Youssef).
        told = 6
        assert kept == sorted(
            ["supervision.tasks.send_feedback_email"] * feedback_posted
            + ["wijklab.digest_tasks.send_notification_mail"] * told
        )

        # Redis is back (empty), a worker runs, and the outbox is drained.
        own_redis.start()
        wait_until_healthy([(process, port)], [server_log], seconds=15)
        assert sanne.get("/") == 200
        assert sanne.chat_socket(team.pk).startswith("open: ")
        mail_dir = tmp_path / "mail"
        mail_dir.mkdir()
        worker_env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "tests.faults.mail_to_files_settings",
            "WIJKLAB_TEST_MAIL_DIR": str(mail_dir),
        }
        with open(tmp_path / "worker.log", "w") as worker_log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "wijklab",
                    "worker",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "info",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=worker_env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        assert _drain(worker_env) == feedback_posted + told
        assert not PendingTask.objects.exists()
        assert _drain(worker_env) == 0

        # The feedback mails to Sanne, and the removal's mail to the team, its supervisors and Youssef.
        expected = sorted(
            [student4.email] * feedback_posted
            + [u.email for u in (student4, student6, student5, mbo_docent, hbo_docent, werkbegeleider)]
        )
        deadline = time.monotonic() + 30
        while len(_mails(mail_dir)) < len(expected) and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        time.sleep(1.0)  # room for a mail sent twice to show up
        mails = _mails(mail_dir)
        assert sorted(m["To"] for m in mails) == expected, (tmp_path / "worker.log").read_text()[-5000:]
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        stop([process])

    slowest = max(durations, key=lambda d: d[1])
    print(f"outage {outage:.1f}s, {rounds} rounds, {len(durations)} requests, slowest {slowest}")
    assert slowest[1] < REQUEST_WITHIN, slowest
    log = server_log.read_text()
    assert '" 500' not in log, log[-5000:]
