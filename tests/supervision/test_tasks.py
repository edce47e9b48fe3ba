"""Celery: feedback notices, the weekly reminder and digest; idempotent, retried with backoff."""

import datetime as dt
from io import StringIO
from smtplib import SMTPException
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core.management import CommandError, call_command

from supervision import services, tasks
from supervision.models import FeedbackKind, SentMail
from teams.models import SupervisionAssignment
from wijklab.models import Notification

MONDAY = dt.date(2026, 11, 23)


@pytest.fixture
def stale(team, history, mbo_docent, student4, student5, today):
    """student4 had feedback 20 days ago, student5 two days ago, student6 never."""
    history(student=student4, author=mbo_docent, comment="lang geleden", days_ago=20)
    history(student=student5, author=mbo_docent, comment="net", days_ago=2)


def test_the_feedback_email_is_sent_once_however_often_the_task_runs(team, history, mbo_docent, student4, mailoutbox):
    entry = history(student=student4, author=mbo_docent, levels={"Samenwerken": 3}, comment="Mooi werk.")
    assert tasks.send_feedback_email.delay(entry.pk).get() is True
    assert tasks.send_feedback_email.delay(entry.pk).get() is False
    assert len(mailoutbox) == 1
    assert "Samenwerken: Voldoende" in mailoutbox[0].body
    assert SentMail.objects.filter(kind=SentMail.Kind.FEEDBACK, recipient=student4).count() == 1


def test_no_mail_about_a_self_assessment(team, history, student4, mailoutbox):
    entry = history(student=student4, author=student4, kind=FeedbackKind.SELF, comment="Zelf")
    assert tasks.send_feedback_email.delay(entry.pk).get() is False
    assert mailoutbox == []


def test_the_weekly_reminder_lists_students_without_feedback_for_14_days(stale, mbo_docent, today, mailoutbox):
    assert services.send_supervisor_reminder(supervisor_id=mbo_docent.pk, today=today) is True
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [mbo_docent.email]
    assert mail.subject == "Wijklab: 2 studenten wachten op feedback"
    assert "Sanne de Vries (Team Zonnebloem): 20 dagen geleden" in mail.body
    assert "Lotte Jansen (Team Zonnebloem): nog nooit feedback" in mail.body
    assert "Youssef" not in mail.body
    assert "/begeleiding/" in mail.body
    # An in-app copy too.
    assert Notification.objects.get(user=mbo_docent, kind="supervision_reminder").title == mail.subject


def test_running_the_reminder_twice_in_a_week_sends_one_mail(stale, mbo_docent, today, mailoutbox):
    tasks.send_supervisor_reminder.delay(mbo_docent.pk, today.isoformat())
    tasks.send_supervisor_reminder.delay(mbo_docent.pk, today.isoformat())
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(user=mbo_docent, kind="supervision_reminder").count() == 1
    assert SentMail.objects.get(kind=SentMail.Kind.REMINDER, recipient=mbo_docent).key == services.period_key(today)
    # Next week is another period.
    tasks.send_supervisor_reminder.delay(mbo_docent.pk, (today + dt.timedelta(days=7)).isoformat())
    assert len(mailoutbox) == 2


def test_no_reminder_when_every_student_had_recent_feedback(
    team, history, mbo_docent, student4, student5, student6, today, mailoutbox
):
    for student in (student4, student5, student6):
        history(student=student, author=mbo_docent, comment="recent", days_ago=1)
    assert services.send_supervisor_reminder(supervisor_id=mbo_docent.pk, today=today) is False
    assert mailoutbox == []
    assert not SentMail.objects.exists()


def test_the_weekly_digest_goes_to_docenten_with_their_alerts(stale, mbo_docent, werkbegeleider, today, mailoutbox):
    assert services.send_docent_digest(docent_id=mbo_docent.pk, today=today) is True
    assert services.send_docent_digest(docent_id=mbo_docent.pk, today=today) is False
    # Werkbegeleiders get the reminder, not the docent digest.
    assert services.send_docent_digest(docent_id=werkbegeleider.pk, today=today) is False
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert mailoutbox[0].subject == f"Wijklab: weekoverzicht begeleiding ({services.period_key(today)})"
    assert "Je begeleidt 3 studenten. Afgelopen week zijn er 1 feedbackmomenten vastgelegd, waarvan 1 door jou." in body
    assert "Sanne de Vries: Al 20 dagen geen feedback" in body


def test_the_weekly_fan_out_reaches_every_supervisor_and_docent(
    stale, mbo_docent, hbo_docent, werkbegeleider, today, mailoutbox
):
    assert tasks.weekly_reminders.delay(today.isoformat()).get() == 3
    reminders = {m.to[0] for m in mailoutbox}
    assert reminders == {mbo_docent.email, hbo_docent.email, werkbegeleider.email}
    mailoutbox.clear()
    assert tasks.weekly_digests.delay(today.isoformat()).get() == 2
    assert {m.to[0] for m in mailoutbox} == {mbo_docent.email, hbo_docent.email}


def test_the_mail_tasks_retry_with_backoff_on_a_failing_mail_server():
    for task in (tasks.send_feedback_email, tasks.send_supervisor_reminder, tasks.send_docent_digest):
        assert set(task.autoretry_for) == {SMTPException, OSError}
        assert task.retry_backoff is True
        assert task.max_retries >= 3


def test_a_failing_mail_server_is_retried_and_the_mail_goes_out_once(stale, mbo_docent, today, mailoutbox, monkeypatch):
    from django.core.mail import EmailMessage

    from wijklab.celery import app

    # Like a worker: a failed attempt is retried, not raised to the caller.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)

    real_send = EmailMessage.send
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise SMTPException("451 mail server busy")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", flaky):
        # apply() runs the retries in-process, as a worker would after the backoff.
        result = tasks.send_supervisor_reminder.apply(args=[mbo_docent.pk, today.isoformat()])
    assert result.successful()
    assert result.result is True
    assert len(calls) == 3
    assert len(mailoutbox) == 1
    # The failed attempts left nothing behind: one sent-record, one in-app notification.
    assert SentMail.objects.filter(kind=SentMail.Kind.REMINDER).count() == 1
    assert Notification.objects.filter(kind="supervision_reminder").count() == 1


def test_a_failure_schedules_a_retry_and_records_nothing(stale, mbo_docent, today, mailoutbox):
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("connection refused")),
        pytest.raises(Retry),
    ):
        tasks.send_supervisor_reminder.delay(mbo_docent.pk, today.isoformat())
    assert mailoutbox == []
    assert not SentMail.objects.exists()
    assert not Notification.objects.filter(kind="supervision_reminder").exists()


def test_beat_schedules_the_weekly_jobs():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"supervision.tasks.weekly_reminders", "supervision.tasks.weekly_digests"} <= scheduled


def test_the_management_command_runs_the_week_once(stale, mbo_docent, hbo_docent, werkbegeleider, today, mailoutbox):
    out = StringIO()
    call_command("supervision_weekly", "--date", today.isoformat(), stdout=out)
    assert "reminder: 3 sent" in out.getvalue()
    assert "digest: 2 sent" in out.getvalue()
    assert len(mailoutbox) == 5
    out = StringIO()
    call_command("supervision_weekly", "--date", today.isoformat(), stdout=out)
    assert "reminder: 0 sent, 3 skipped" in out.getvalue()
    assert len(mailoutbox) == 5


def test_the_management_command_reports_a_failing_mail_server(stale, mbo_docent, today, mailoutbox):
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=SMTPException("down")),
        pytest.raises(CommandError, match="failed"),
    ):
        call_command(
            "supervision_weekly", "--reminders", "--date", today.isoformat(), stdout=StringIO(), stderr=StringIO()
        )
    assert not SentMail.objects.exists()


def test_the_management_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError):
        call_command("supervision_weekly", "--date", "maandag", stdout=StringIO())


def test_period_keys_are_iso_weeks():
    assert services.period_key(MONDAY) == "2026-W48"
    assert services.period_key(dt.date(2027, 1, 1)) == "2026-W53"


def test_an_individually_supervised_student_counts_for_the_reminder(
    rubric, other_supervisor, outsider_student, today, mailoutbox
):
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=outsider_student)
    assert services.send_supervisor_reminder(supervisor_id=other_supervisor.pk, today=today)
    assert "Bram Buiten: nog nooit feedback" in mailoutbox[0].body
