"""A Celery worker killed (kill -9) in the middle of 500 feedback mails: none lost, none sent twice.

Real PostgreSQL (the test database), real Redis as broker (``REDIS_URL``, its keys under a
prefix of this test's own, ``CELERY_BROKER_PREFIX``) and real worker processes
(``python -m celery -A wijklab worker``, two pool processes), sending the project's own task
``supervision.tasks.send_feedback_email`` into a mailbox directory (``tests/faults/mailbox.py``).

The first worker is killed, with its pool processes, while both are in the middle of a mail:
their ``SentMail`` rows inserted, not committed, the mail not written. Jobs are acknowledged when
done (``acks_late``), so Redis still holds the two in its unacknowledged set; nothing gives them
back on a kill -9 (a warm shutdown would). After the visibility timeout any worker puts them back
in the queue: the restarted worker does so when it starts. The timeout is two hours in
production; this test gives its workers a few seconds (``CELERY_VISIBILITY_TIMEOUT``).

The moment of the kill is chosen, not random: a kill between the mail server taking a mail and
the commit of its ``SentMail`` row would send that one mail again, as no mail server takes part in
the database's transaction (README "Background work"). That gap is microseconds wide; this test
is about everything else a kill leaves behind.
"""

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from supervision.models import FeedbackEntry, FeedbackKind, SentMail
from supervision.tasks import send_feedback_email
from tests.factories import StudentFactory, SupervisorFactory
from tests.faults.mailbox import HOLD_AFTER, held, read_mailbox
from tests.servers import ROOT
from wijklab.celery import app

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

MAILS = 500
STUDENTS = 25
HOLD_AFTER_MAILS = 150  # the first worker is killed once this many mails went out
CONCURRENCY = 2
VISIBILITY_TIMEOUT = 5  # seconds
DEADLINE = 60  # seconds for each phase


class Worker:
    """One ``celery worker`` in a process group of its own, so a kill takes its pool processes too."""

    def __init__(self, env: dict[str, str], log_path: Path, name: str):
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "wijklab",
                    "worker",
                    "--loglevel=info",
                    f"--concurrency={CONCURRENCY}",
                    f"--hostname={name}@%h",
                    # Alone on its broker: no waiting for other workers' replies at start.
                    "--without-mingle",
                    "--without-gossip",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """kill -9, the worker and its pool processes at once (a host lost, the OOM killer on the group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM): running jobs finish; a kill -9 when it does not end in time."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text()


def wait_for(condition, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker ended while waiting for {what}:\n{worker.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {DEADLINE} s:\n{worker.log()}")
        time.sleep(0.2)


class Rig:
    """This test's part of Redis (a key prefix, deleted afterwards), a mailbox, and the workers it started."""

    def __init__(self, redis_url: str, tmp_path: Path):
        self.tmp_path = tmp_path
        self.prefix = f"wijklab-faults-{uuid.uuid4().hex[:8]}:"
        self.redis = redis.Redis.from_url(redis_url)
        self.queue_key = f"{self.prefix}{app.conf.task_default_queue}"
        self.unacked_key = f"{self.prefix}unacked"
        self.mailbox = tmp_path / "mailbox"
        self.mailbox.mkdir()
        self.workers: list[Worker] = []
        base, _, _name = os.environ["DATABASE_URL"].rpartition("/")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.update(
            {
                "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
                "SECRET_KEY": os.environ.get("SECRET_KEY") or "faults",
                "WIJKLAB_DATA_DIR": str(tmp_path),
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "CELERY_BROKER_PREFIX": self.prefix,
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "EMAIL_BACKEND": "tests.faults.mailbox.MailboxBackend",
                "EMAIL_FILE_PATH": str(self.mailbox),
                "DB_POOL_MIN_SIZE": "1",
                "DB_POOL_MAX_SIZE": "2",
            }
        )

    def enqueue_feedback_mails(self, entries: list[FeedbackEntry]) -> None:
        """The mail jobs, as the web process queues them, into this test's part of Redis."""
        options = {**app.conf.broker_transport_options, "global_keyprefix": self.prefix}
        app.conf.task_always_eager = False  # the suite's default (tests/conftest.py) is back for the next test
        try:
            with app.connection_for_write(os.environ["REDIS_URL"], transport_options=options) as broker_connection:
                app.amqp.queues[app.conf.task_default_queue].bind(broker_connection.default_channel).declare()
                for entry in entries:
                    send_feedback_email.apply_async((entry.pk,), connection=broker_connection)
        finally:
            app.conf.task_always_eager = True

    def start_worker(self, **env: str) -> Worker:
        number = len(self.workers) + 1
        worker = Worker(
            {**self.env, **env}, self.tmp_path / f"worker-{number}.log", f"faults-{number}-{uuid.uuid4().hex[:6]}"
        )
        self.workers.append(worker)
        return worker

    def hold_mail_after(self, mails: int) -> None:
        (self.mailbox / HOLD_AFTER).write_text(str(mails))

    def release_mail(self) -> None:
        (self.mailbox / HOLD_AFTER).unlink()

    def sent(self) -> int:
        return len(list(self.mailbox.glob("*.eml")))

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        keys = list(self.redis.scan_iter(match=f"{self.prefix}*"))
        if keys:
            self.redis.delete(*keys)
        self.redis.close()


@pytest.fixture
def rig(redis_url, require_postgres, tmp_path):
    rig = Rig(redis_url, tmp_path)
    try:
        yield rig
    finally:
        rig.close()


def feedback_entries(cohort, count: int) -> list[FeedbackEntry]:
    """``count`` feedback entries from one supervisor to STUDENTS students, each with a comment of its own."""
    supervisor = SupervisorFactory(username="begeleider-fault", display_name="Fenna Fout")
    students = [
        StudentFactory(username=f"fault-student-{i}", profile__cohort=cohort, display_name=f"Student {i}")
        for i in range(min(count, STUDENTS))
    ]
    return FeedbackEntry.objects.bulk_create(
        FeedbackEntry(
            student=students[i % len(students)],
            author=supervisor,
            date=dt.date(2026, 11, 30),
            kind=FeedbackKind.SUPERVISOR,
            comment=f"Melding {i:03d}",
        )
        for i in range(count)
    )


def mails_per_comment(rig: Rig, entries: list[FeedbackEntry]) -> collections.Counter:
    """How often each entry's mail went out, checking that it went to the entry's student."""
    expected = {entry.comment: entry.student.email for entry in entries}
    counts = collections.Counter()
    for mail in read_mailbox(rig.mailbox):
        body = mail.get_payload(decode=True).decode()
        [comment] = [line for line in body.splitlines() if line.startswith("Melding ")]
        assert mail["To"] == expected[comment], comment
        counts[comment] += 1
    return counts


def test_a_worker_killed_halfway_loses_no_mail_and_sends_none_twice(rig, cohort):
    entries = feedback_entries(cohort, MAILS)
    rig.enqueue_feedback_mails(entries)
    assert rig.redis.llen(rig.queue_key) == MAILS

    # 1. A worker sends mail until both its pool processes are held in the middle of one; then kill -9.
    rig.hold_mail_after(HOLD_AFTER_MAILS)
    first = rig.start_worker()
    wait_for(lambda: len(held(rig.mailbox)) == CONCURRENCY, "pool processes held in the middle of a mail", first)
    first.kill()
    killed_at = time.monotonic()

    sent_before = rig.sent()
    assert HOLD_AFTER_MAILS <= sent_before < MAILS
    # The held jobs' sent-records died with their transactions; Redis keeps the jobs as taken.
    assert SentMail.objects.count() == sent_before
    assert rig.redis.hlen(rig.unacked_key) == CONCURRENCY
    assert rig.redis.llen(rig.queue_key) == MAILS - sent_before - CONCURRENCY

    # 2. The worker starts again once the taken jobs' visibility timeout has passed.
    rig.release_mail()
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    second = rig.start_worker()
    wait_for(
        lambda: SentMail.objects.count() == MAILS and rig.redis.hlen(rig.unacked_key) == 0,
        "500 mails sent and acknowledged",
        second,
    )
    second.stop()

    # Every one of the 500 exactly once, to its student; nothing left in Redis.
    counts = mails_per_comment(rig, entries)
    assert {comment: count for comment, count in counts.items() if count > 1} == {}
    assert set(counts) == {entry.comment for entry in entries}
    assert rig.sent() == MAILS
    assert SentMail.objects.filter(kind=SentMail.Kind.FEEDBACK).count() == MAILS
    assert rig.redis.llen(rig.queue_key) == 0
    assert rig.redis.hlen(rig.unacked_key) == 0


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_job_still_running_after_the_visibility_timeout_runs_twice_and_mails_once(rig, cohort):
    """The trade-off of a short visibility timeout (README "Workers that die"), with real processes:
    Redis hands out a job that is still running once more (to whichever worker asks first: the one
    started now, or the first one, which has a pool process free); the mail's sent-record, inserted
    in the first run's open transaction, makes the second run wait and then send nothing."""
    [entry] = entries = feedback_entries(cohort, 1)
    rig.enqueue_feedback_mails(entries)

    # The first worker is held in the middle of the mail, its sent-record inserted, not committed.
    rig.hold_mail_after(0)
    first = rig.start_worker()
    wait_for(lambda: len(held(rig.mailbox)) == 1, "a pool process held in the middle of the mail", first)
    taken_at = time.monotonic()

    # Past the visibility timeout a worker starts and gives the job back to the queue: a second run
    # of it waits on the sent-record's key.
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    second = rig.start_worker()
    wait_for(lambda: _waiting_on_a_lock() == 1, "the second run waiting on the first one's sent-record", second)
    assert first.process.poll() is None

    # The first run sends and commits; the second finds the record and sends nothing.
    rig.release_mail()
    wait_for(lambda: rig.redis.hlen(rig.unacked_key) == 0 and _waiting_on_a_lock() == 0, "both runs done", second)
    first.stop()
    second.stop()
    # The job ran twice: the first run sent the mail (True), the second found it sent (False).
    runs = [line for line in (first.log() + second.log()).splitlines() if "send_feedback_email[" in line]
    assert sorted(line.rsplit(": ", 1)[1] for line in runs if " succeeded in " in line) == ["False", "True"]
    assert mails_per_comment(rig, entries) == {entry.comment: 1}
    assert SentMail.objects.count() == 1
