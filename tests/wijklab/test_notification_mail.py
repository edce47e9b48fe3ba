"""The notification mail: one mail per person for a burst, never one per event; as each person chose it."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from teams import services as team_services
from teams.chat import services as chat_services
from teams.chat.tasks import settle_mention
from teams.models import Mention
from tests.factories import TeamFactory, add_member
from wijklab import mail
from wijklab.celery import app
from wijklab.digest_tasks import send_due_notification_mails, send_notification_mail
from wijklab.models import MailPreference, Notification, User
from wijklab.services import notify


def _prefer(user: User, preference: str) -> None:
    user.mail_preference = preference
    user.save(update_fields=["mail_preference"])


def _to(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


@pytest.fixture
def queued(monkeypatch):
    """Celery as in production (not eager): the jobs asked for are recorded instead of run."""
    jobs: list[tuple[str, tuple, float | None]] = []
    monkeypatch.setattr(
        "wijklab.celery.enqueue", lambda name, *args, countdown=None: jobs.append((name, args, countdown))
    )
    app.conf.task_always_eager = False
    yield jobs
    app.conf.task_always_eager = True


def test_a_burst_of_events_waits_for_one_job_per_person_and_goes_out_in_one_mail(
    team, assignment, coordinator, student4, student5, student6, mailoutbox, queued, django_capture_on_commit_callbacks
):
    other = TeamFactory(assignment=assignment, name="Team Afrikaander")
    # Twenty changes, each its own transaction: Sanne moved back and forth.
    for n in range(20):
        to = other if n % 2 == 0 else team
        with django_capture_on_commit_callbacks(execute=True):
            team_services.membership_move(student=student4, to_team=to, by=coordinator, override=True, reason="Proef")
    assert Notification.objects.filter(user=student5, kind="team_moved").count() == 20
    youssefs = Notification.objects.filter(user=student5).count()  # and "your team is complete" each time back
    names = {name for name, _args, _countdown in queued}
    assert names == {mail.SEND_NOTIFICATION_MAIL_TASK}
    per_person = [args[0] for _name, args, _countdown in queued]
    assert len(per_person) == len(set(per_person)), "a second job was queued while one waited"
    assert all(countdown == mail.notification_mail_delay() for *_rest, countdown in queued)
    assert mailoutbox == []  # nothing before the job runs

    for user_id in per_person:
        send_notification_mail(user_id)
    # One mail each, carrying all twenty; a second run of any job sends nothing.
    assert _to(mailoutbox) == sorted(User.objects.filter(pk__in=per_person).values_list("email", flat=True))
    youssef = next(m for m in mailoutbox if m.to == [student5.email])
    shown = min(youssefs, mail.NOTIFICATION_MAIL_MAX_ITEMS)
    assert youssef.subject == f"Wijklab: {shown} nieuwe meldingen"
    assert youssef.body.count("\n- ") == shown
    assert "- Sanne de Vries is door de coördinator naar Team Afrikaander verplaatst" in youssef.body
    assert "/meldingen/" in youssef.body
    for user_id in per_person:
        assert send_notification_mail(user_id) == 0
    assert len(mailoutbox) == len(per_person)
    assert not Notification.objects.filter(user=student5, mailed_at__isnull=True).exists()

    # After the mail, the next event waits for a job of its own again.
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        team_services.membership_move(student=student4, to_team=other, by=coordinator, override=True, reason="Proef")
    assert student5.pk in [args[0] for _name, args, _countdown in queued]


def test_a_task_run_twice_sends_nothing_twice(student4, mailoutbox):
    notify(users=[student4], kind="test", title="Iets nieuws", url="/meldingen/")
    assert mail.send_notification_mail(user_id=student4.pk) == 1
    assert mail.send_notification_mail(user_id=student4.pk) == 0
    assert send_notification_mail.delay(student4.pk).get() == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Iets nieuws"


def test_a_failing_mail_server_leaves_everything_for_the_retry(student4, mailoutbox, monkeypatch):
    notify(users=[student4], kind="test", title="Iets nieuws")

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(OSError, match="mail server down"):
        mail.send_notification_mail(user_id=student4.pk)
    assert Notification.objects.get(user=student4).mailed_at is None
    monkeypatch.undo()
    assert mail.send_notification_mail(user_id=student4.pk) == 1


def test_digest_and_none_get_no_notification_mail_and_read_ones_are_not_mailed(
    team, coordinator, student4, student5, student6, mailoutbox, django_capture_on_commit_callbacks
):
    _prefer(student5, MailPreference.DIGEST)
    _prefer(student6, MailPreference.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        team_services.membership_remove(team=team, student=student4, by=coordinator, reason="Ziek")
    to = _to(mailoutbox)
    assert student4.email in to
    assert student5.email not in to
    assert student6.email not in to
    # In Wijklab for everyone, and the digest still lists it.
    assert Notification.objects.filter(user__in=[student5, student6]).count() == 2
    assert mail.digest_items(user=student5, now=timezone.now()).count() == 1
    # Read in Wijklab before the mail went out: not mailed.
    (note,) = notify(users=[student4], kind="test", title="Al gezien")
    Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    mailoutbox.clear()
    assert mail.send_notification_mail(user_id=student4.pk) == 0
    assert mailoutbox == []


def test_a_lost_job_is_picked_up_by_the_sweep(student4, mailoutbox, queued, monkeypatch):
    notify(users=[student4], kind="test", title="Iets nieuws")  # its job is never run
    assert send_due_notification_mails() == 0  # not late yet
    later = timezone.now() + dt.timedelta(seconds=2 * mail.notification_mail_delay() + 120)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert send_due_notification_mails() == 1
    assert send_due_notification_mails() == 0
    assert len(mailoutbox) == 1


def test_a_burst_of_chat_messages_is_one_mail_per_member(team, student4, student5, student6, mailoutbox):
    for n in range(20):
        author, others = (student4, "@Youssef @Lotte") if n % 2 == 0 else (student6, "@Youssef @Sanne")
        chat_services.message_post(team=team, author=author, body=f"{others} bericht {n}", client_id=f"m-{n}")
    later = timezone.now() + dt.timedelta(seconds=chat_services.MENTION_EMAIL_DELAY + 1)
    # Each mention's own job runs (in whatever order): the first for a person carries all of theirs.
    results = [settle_mention(pk, now=later) for pk in Mention.objects.order_by("-pk").values_list("pk", flat=True)]
    assert results.count("emailed") == 3
    assert _to(mailoutbox) == sorted([student4.email, student5.email, student6.email])
    youssef = next(m for m in mailoutbox if m.to == [student5.email])
    assert "20 keer genoemd" in youssef.subject
    assert len(re.findall(r"bericht \d+", youssef.body)) == 20
    # The chat mention carries its own mail: the notification mail does not send it again.
    mailoutbox.clear()
    for user in (student4, student5, student6):
        assert mail.send_notification_mail(user_id=user.pk) == 0
    assert mailoutbox == []


def test_the_notification_mail_is_in_the_readers_language(student4, mailoutbox):
    student4.language = "en"
    student4.save(update_fields=["language"])
    notify(users=[student4], kind="test", title="Een")
    notify(users=[student4], kind="test", title="Twee")
    assert mail.send_notification_mail(user_id=student4.pk) == 2
    assert mailoutbox[0].body.startswith("Hello Sanne de Vries,")


def test_a_formation_sized_burst_is_one_mail_each(cohort, student4, mailoutbox, django_capture_on_commit_callbacks):
    from tests.factories import StudentFactory

    students = [StudentFactory(profile__cohort=cohort) for _ in range(30)]
    team = TeamFactory(name="Team Vreewijk")
    for s in students:
        add_member(team, s)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            notify(users=students, kind="test", title=f"Melding {n}")
    assert len(mailoutbox) == 30
    assert {m.subject for m in mailoutbox} == {"Wijklab: 3 nieuwe meldingen"}
