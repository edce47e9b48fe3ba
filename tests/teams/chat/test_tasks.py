"""The chat's Celery tasks (teams/chat/tasks.py): found under their names, old and new; a mention's
mail goes out once, also when the mail server fails first or the job runs twice."""

import datetime as dt
import uuid
from smtplib import SMTPException
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from teams.chat import services
from teams.chat.tasks import send_due_mention_emails, send_mention_email
from teams.models import Mention, Message
from wijklab.celery import app, task_by_name


def test_the_beat_schedule_names_the_sweep_by_its_real_name():
    assert task_by_name(settings.CELERY_BEAT_SCHEDULE["chat-mention-emails"]["task"]).name == (
        "teams.chat.tasks.send_due_mention_emails"
    )


def test_the_service_enqueues_a_task_that_exists():
    from teams.chat.services import SEND_MENTION_EMAIL_TASK

    assert task_by_name(SEND_MENTION_EMAIL_TASK).name == "teams.chat.tasks.send_mention_email"


def test_jobs_queued_under_the_names_of_the_previous_release_still_find_their_task():
    # A mention's job waits 15 minutes in Redis: a deploy in between must not lose it.
    for old in ("teams.chat.send_mention_email", "teams.chat.send_due_mention_emails"):
        assert task_by_name(old).name == old


# --- a mention's mail: settled and sent in one transaction, retried when the mail server fails ------


def _due_mention(team, author, body):
    message, _created = services.message_post(team=team, author=author, body=body, client_id=uuid.uuid4().hex)
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=services.MENTION_EMAIL_DELAY + 5)
    )
    return Mention.objects.get(message=message)


def test_a_failing_mail_server_leaves_the_mention_unsettled_and_the_retry_sends_it_once(
    team, student4, student5, mailoutbox
):
    mention = _due_mention(team, student4, "@Youssef heb jij de sleutel?")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=SMTPException("451 mail server busy")),
        pytest.raises(Retry),
    ):
        send_mention_email.delay(mention.pk)
    mention.refresh_from_db()
    assert (mention.settled_at, mention.emailed_at) == (None, None)
    assert mailoutbox == []

    # The retry, and the job once more (a duplicate delivery): one mail.
    assert send_mention_email.delay(mention.pk).get() == "emailed"
    assert send_mention_email.delay(mention.pk).get() == "settled"
    assert [mail.to for mail in mailoutbox] == [[student5.email]]
    mention.refresh_from_db()
    assert mention.settled_at is not None
    assert mention.emailed_at is not None


def test_a_mention_job_retries_with_backoff_until_the_mail_goes_out(team, student4, student5, mailoutbox, monkeypatch):
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)  # like a worker: retried, not raised
    mention = _due_mention(team, student4, "@Youssef kijk je even?")
    real_send = EmailMessage.send
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise OSError("connection refused")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", flaky):
        # apply() runs the retries in-process, as a worker would after the backoff.
        result = send_mention_email.apply(args=[mention.pk])
    assert result.successful()
    assert result.result == "emailed"
    assert len(calls) == 3
    assert len(mailoutbox) == 1


def test_the_sweep_sends_the_other_mentions_when_one_mail_fails(team, student4, student5, student6, mailoutbox):
    for_youssef = _due_mention(team, student4, "@Youssef ben je er morgen?")
    for_lotte = _due_mention(team, student4, "@Lotte ben jij er morgen?")
    real_send = EmailMessage.send

    def refuses_youssef(self, *args, **kwargs):
        if self.to == [student5.email]:
            raise SMTPException("550 mailbox unavailable")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", refuses_youssef):
        assert send_due_mention_emails() == 1
    assert [mail.to for mail in mailoutbox] == [[student6.email]]
    for_youssef.refresh_from_db()
    for_lotte.refresh_from_db()
    assert for_youssef.settled_at is None
    assert for_lotte.emailed_at is not None

    # The next sweep: Youssef's mail, and Lotte's not again.
    assert send_due_mention_emails() == 1
    assert [mail.to for mail in mailoutbox] == [[student6.email], [student5.email]]
